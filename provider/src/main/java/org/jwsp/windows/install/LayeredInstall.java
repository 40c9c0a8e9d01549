package org.jwsp.windows.install;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Installing and removing a layered provider through a {@link WritableCatalog}: the one
 * implementation of these Winsock mechanics in jwsp, run by {@code jwsp install | uninstall} on
 * Windows and on the Linux host, and by the host's demo, samples, benchmarks and tests.
 *
 * <p>Install: the hidden layered entry under its own GUID ({@code WSCInstallProvider}); enumerate
 * again for the catalog id the catalog gave it; one chain per entry layered over, under a second
 * GUID ({@link ProtocolChains#chainEntries}); the order with the new chains first
 * ({@code WSCWriteProviderOrder}). If any step fails, what was added is removed again. Uninstall:
 * the chains' GUID, then the layered one. Install only appends and moves its own chains to the
 * front, so the other entries end up exactly in the order they had.
 *
 * <p>Stateless; the caller's thread; every native allocation lives in a confined arena of the call.
 */
public final class LayeredInstall {

    private LayeredInstall() {
    }

    /**
     * What {@code jwsp install} does: jwsp's two GUIDs over the first visible TCP and UDP base
     * entries of IPv4 and IPv6 ({@link ProtocolChains#basesToLayerOver}).
     *
     * @param dll  the provider DLL path as the catalog will hold it (checked by the caller)
     * @param name the layered entry's name and the prefix of every chain's
     * @throws InstallerFailure {@link InstallerError#ALREADY_INSTALLED} or {@link InstallerError#NO_BASE_PROVIDERS}
     * @throws CatalogException a catalog call failed (what was added is removed again)
     */
    public static InstalledLayer jwsp(WritableCatalog catalog, String dll, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] before = catalog.protocols(arena);
            JwspEntries present = JwspEntries.in(before);
            if (present.installed()) {
                throw new InstallerFailure(InstallerError.ALREADY_INSTALLED, "jwsp's entries are in the catalog ("
                        + JwspEntries.describe(present.layered()) + describeMore(present.chains())
                        + "); run 'jwsp uninstall' first");
            }
            List<MemorySegment> bases = ProtocolChains.basesToLayerOver(before);
            if (bases.isEmpty()) {
                throw new InstallerFailure(InstallerError.NO_BASE_PROVIDERS, "the catalog has no visible base"
                        + " provider for TCP or UDP over IPv4 or IPv6 (see 'jwsp list')");
            }
            return install(catalog, ProviderId.JWSP_LAYERED, ProviderId.JWSP_CHAINS, dll, name, bases);
        }
    }

    /**
     * Installs a layered provider over the entries with {@code catalogIds} (base entries or other
     * providers' chains), in that order.
     */
    public static InstalledLayer install(WritableCatalog catalog, ProviderId layeredId, ProviderId chainsId, String dll,
                                         String name, int... catalogIds) {
        try (Arena arena = Arena.ofConfined()) {
            return install(catalog, layeredId, chainsId, dll, name,
                    ProtocolChains.entries(catalog.protocols(arena), catalogIds));
        }
    }

    /** Installs a layered provider over {@code over} (entries of one enumeration, alive during the call). */
    static InstalledLayer install(WritableCatalog catalog, ProviderId layeredId, ProviderId chainsId, String dll,
                                  String name, List<MemorySegment> over) {
        if (over.isEmpty()) {
            throw new InstallerFailure(InstallerError.NO_BASE_PROVIDERS, "nothing to layer over");
        }
        try (Arena arena = Arena.ofConfined()) {
            catalog.install(layeredId, dll, ProtocolChains.layeredEntry(over.getFirst(), name, layeredId, arena), 1);
            try {
                int layered = catalogIdOf(catalog.protocols(arena), layeredId);
                if (layered == 0) {
                    throw new CatalogException("WSCInstallProvider " + layeredId,
                            "the layered entry is not in the catalog after it was installed", null);
                }
                catalog.install(chainsId, dll, ProtocolChains.chainEntries(over, layered, name, chainsId, arena), over.size());
                catalog.writeOrder(ProtocolChains.orderWithChainsFirst(catalog.protocols(arena), layered));
                return InstalledLayer.of(catalog, layeredId, chainsId, layered, catalog.protocols(arena));
            } catch (CatalogException | InstallerFailure e) {
                rollBack(catalog, layeredId, chainsId, arena, e);
                throw e;
            }
        }
    }

    /** Removes every entry of both GUIDs, chains first; a GUID with no entries is skipped. */
    public static void uninstall(WritableCatalog catalog, ProviderId layeredId, ProviderId chainsId) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] entries = catalog.protocols(arena);
            if (has(entries, chainsId)) {
                catalog.deinstall(chainsId);
            }
            if (has(entries, layeredId)) {
                catalog.deinstall(layeredId);
            }
        }
    }

    /** Removes whatever a failed install added; a failure here is added to the first one. */
    private static void rollBack(WritableCatalog catalog, ProviderId layeredId, ProviderId chainsId, Arena arena,
                                 RuntimeException first) {
        try {
            uninstall(catalog, layeredId, chainsId);
        } catch (CatalogException e) {
            first.addSuppressed(e);
        }
    }

    private static boolean has(MemorySegment[] entries, ProviderId id) {
        for (MemorySegment e : entries) {
            if (ProtocolInfo.providerId(e).equals(id)) {
                return true;
            }
        }
        return false;
    }

    private static int catalogIdOf(MemorySegment[] entries, ProviderId id) {
        for (MemorySegment e : entries) {
            if (ProtocolInfo.providerId(e).equals(id)) {
                return ProtocolInfo.catalogId(e);
            }
        }
        return 0;
    }

    private static String describeMore(List<MemorySegment> entries) {
        return entries.isEmpty() ? "" : ", " + JwspEntries.describe(entries);
    }

    /** The chain entries of {@code chainsId} in {@code entries}, in catalog order. */
    static List<MemorySegment> entriesOf(MemorySegment[] entries, ProviderId chainsId) {
        List<MemorySegment> found = new ArrayList<>();
        for (MemorySegment e : entries) {
            if (ProtocolInfo.providerId(e).equals(chainsId)) {
                found.add(e);
            }
        }
        return found;
    }
}
