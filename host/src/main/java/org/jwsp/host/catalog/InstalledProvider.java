package org.jwsp.host.catalog;

import java.util.List;

/**
 * What {@link Catalog#install} added for one layered provider: its hidden layered entry and its
 * protocol chains (in catalog order). {@link #close()} uninstalls them ({@code WSCDeinstallProvider}).
 */
public record InstalledProvider(Catalog catalog, String modulePath, CatalogEntry layered, List<CatalogEntry> chains)
        implements AutoCloseable {

    /** The layered entry's catalog id ({@code ChainEntries[0]} of every chain). */
    public int layeredId() {
        return layered.catalogEntryId();
    }

    /** The catalog id of the chain over {@code belowId}, or -1. */
    public int chainOver(int belowId) {
        for (CatalogEntry c : chains) {
            if (c.chainEntry(c.chainLength() - 1) == belowId || c.chainEntry(1) == belowId) {
                return c.catalogEntryId();
            }
        }
        return -1;
    }

    @Override
    public void close() {
        catalog.uninstall(this);
    }
}
