/**
 * The filter API: Java logic on jwsp's send path. Implement {@link org.jwsp.provider.filter.SendFilter},
 * read the send through the allocation-free {@link org.jwsp.provider.filter.SendView} (and, in
 * {@link org.jwsp.provider.filter.SendFilter#onComplete}, time it or copy its bytes), and install it with
 * {@code ProviderSettings.withFilter} or {@code LayeredProvider.setFilter}.
 */
package org.jwsp.provider.filter;
