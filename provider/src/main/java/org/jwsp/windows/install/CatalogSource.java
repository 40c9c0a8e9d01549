package org.jwsp.windows.install;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A Winsock protocol catalog that can be read: the entries {@code WSCEnumProtocols} gives, in
 * catalog order, as {@code WSAPROTOCOL_INFOW} segments.
 *
 * <p>Implementation: {@link Ws2CatalogExports}, over ws2_32 on Windows and over the Linux host's
 * exports ({@link Ws2CatalogExports#ofThisProcess()}). Called by {@link Installer} on the main thread.
 */
public interface CatalogSource {

    /**
     * Every catalog entry, in catalog order; each segment is exactly one {@code WSAPROTOCOL_INFOW}
     * and is owned by {@code arena}.
     *
     * @throws CatalogException when the catalog cannot be read
     */
    MemorySegment[] protocols(Arena arena);

    /** The DLL path the catalog holds for this entry's provider, or null when this source does not know it. */
    default String providerPath(MemorySegment entry) {
        return null;
    }

    /**
     * The LSP categories ({@code WSCGetProviderInfo(ProviderInfoLspCategories)}) of this entry's
     * provider GUID, 0 when none are set, or -1 when this source cannot tell.
     */
    default long lspCategories(MemorySegment entry) {
        return -1;
    }
}
