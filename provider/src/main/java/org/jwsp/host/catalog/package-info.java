/**
 * ws2_32 as a program sees it: the Winsock {@link org.jwsp.host.catalog.Catalog} (base entries;
 * {@code install} adds a layered provider and its protocol chains) and
 * {@link org.jwsp.host.catalog.Ws2}, the client calls, each going to the chosen provider's
 * {@code WSPPROC_TABLE} through its native function pointers.
 */
package org.jwsp.host.catalog;
