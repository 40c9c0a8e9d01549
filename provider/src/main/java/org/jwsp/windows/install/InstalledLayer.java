package org.jwsp.windows.install;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What {@link LayeredInstall} added for one layered provider, as plain values read back from the
 * catalog after the install: the GUIDs, the layered entry's catalog id and the chains (their
 * catalog id, the entry each layers over, their name), in catalog order. {@link #close()}
 * uninstalls both GUIDs through the same catalog. Immutable; holds no native memory.
 */
public record InstalledLayer(WritableCatalog catalog, ProviderId layeredId, ProviderId chainsId, int layeredCatalogId,
                             List<Chain> chains) implements AutoCloseable {

    /** One installed protocol chain: its catalog id, the catalog id of the entry it layers over (a base or a chain), its name. */
    public record Chain(int catalogId, int belowId, String name) {
    }

    static InstalledLayer of(WritableCatalog catalog, ProviderId layeredId, ProviderId chainsId, int layeredCatalogId,
                             MemorySegment[] entries) {
        List<Chain> chains = new ArrayList<>();
        for (MemorySegment e : LayeredInstall.entriesOf(entries, chainsId)) {
            chains.add(new Chain(ProtocolInfo.catalogId(e), below(entries, ProtocolInfo.chain(e)), ProtocolInfo.name(e)));
        }
        return new InstalledLayer(catalog, layeredId, chainsId, layeredCatalogId, List.copyOf(chains));
    }

    /** The entry a chain layers over: its second link for {@code [layered, base]}, else the chain that is its tail. */
    private static int below(MemorySegment[] entries, int[] chain) {
        if (chain.length == 2) {
            return chain[1];
        }
        int[] tail = Arrays.copyOfRange(chain, 1, chain.length);
        for (MemorySegment e : entries) {
            if (Arrays.equals(ProtocolInfo.chain(e), tail)) {
                return ProtocolInfo.catalogId(e);
            }
        }
        return 0;
    }

    /** The catalog id of the chain over the entry {@code belowId}, or -1. */
    public int chainOver(int belowId) {
        for (Chain c : chains) {
            if (c.belowId() == belowId) {
                return c.catalogId();
            }
        }
        return -1;
    }

    /** The chains' names, e.g. "jwsp over [MSAFD Tcpip [TCP/IP]]". */
    public List<String> chainNames() {
        return chains.stream().map(Chain::name).toList();
    }

    /** {@code WSCDeinstallProvider} for the chains, then the layered entry. */
    @Override
    public void close() {
        LayeredInstall.uninstall(catalog, layeredId, chainsId);
    }
}
