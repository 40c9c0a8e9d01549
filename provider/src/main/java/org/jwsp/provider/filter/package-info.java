/**
 * The filter API: everything a filter author needs, and nothing else of jwsp. Implement
 * {@link org.jwsp.provider.filter.SendFilter}, read each send through the allocation-free
 * {@link org.jwsp.provider.filter.SendView}, answer a verdict (pass, delay, or a Winsock error), hear in
 * {@link org.jwsp.provider.filter.SendFilter#onComplete} when the send is done (time it, or copy its bytes), and use
 * {@link org.jwsp.provider.filter.SendFilters} to install the filter and to release the sends it held.
 * A filter that imports only this package (and the JDK) runs unchanged inside the provider on Windows
 * and over the Linux host; {@code samples/src/main/java/org/jwsp/samples/filter} holds such filters.
 */
package org.jwsp.provider.filter;
