package org.jwsp.host.catalog;

import java.lang.foreign.MemorySegment;

/**
 * A provider {@link Ws2} has started for one catalog entry: the entry the program chose and the
 * {@code WSPPROC_TABLE} its {@code WSPStartup} filled (in {@link Ws2}'s arena). Immutable.
 */
public record LoadedProvider(CatalogEntry entry, MemorySegment procTable) {
}
