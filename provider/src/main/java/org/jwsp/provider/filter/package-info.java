/**
 * The filter API: Java logic on jwsp's send path. Implement {@link org.jwsp.provider.filter.SendFilter},
 * read the send through the allocation-free {@link org.jwsp.provider.filter.SendView}, and install it with
 * {@code ProviderSettings.withFilter} or {@code LayeredProvider.setFilter}.
 */
package org.jwsp.provider.filter;
