package org.jwsp.windows.install;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;

/**
 * Removes jwsp from the catalog without breaking what was layered over it: every other provider
 * whose chains run through a jwsp entry is reinstalled under its own GUID and DLL with jwsp taken
 * out of its chains ({@code [other, jwsp, base]} becomes {@code [other, base]}), and put back in
 * the place its entries had in the order; then jwsp's two GUIDs are removed and the catalog is
 * checked to hold nothing of jwsp. The same repair {@code jwsp-admin uninstall} makes in C.
 *
 * <p>Everything that could make the repair impossible (a provider above jwsp whose hidden layered
 * entry shares its chains' GUID, so reinstalling its chains would drop its own layer; a DLL path the
 * catalog does not give) is checked before the first change, and refused with
 * {@link InstallerError#LAYERED_ABOVE} naming it. Called by {@link Installer} for {@code uninstall}
 * and {@code upgrade}; the installer's thread; native memory in a confined arena per call.
 */
final class JwspRemoval {

    /** What one provider above jwsp becomes: its GUID, DLL, and its entries with jwsp taken out of their chains. */
    private record Repair(ProviderId id, String dll, List<MemorySegment> entries) {
    }

    private JwspRemoval() {
    }

    /** Removes jwsp, repairing the providers above it; returns how many catalog entries of jwsp were removed (0: none there). */
    static int remove(WritableCatalog catalog, PrintStream out) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] before = catalog.protocols(arena);
            JwspEntries present = JwspEntries.in(before);
            if (!present.installed()) {
                return 0;
            }
            Set<Integer> ours = new LinkedHashSet<>();
            present.layered().forEach(e -> ours.add(ProtocolInfo.catalogId(e)));
            present.chains().forEach(e -> ours.add(ProtocolInfo.catalogId(e)));
            List<Repair> repairs = plan(catalog, before, present, ours, arena);
            int[] order = Arrays.stream(before).mapToInt(ProtocolInfo::catalogId).toArray();
            for (Repair r : repairs) {
                int[] oldIds = r.entries().stream().mapToInt(ProtocolInfo::catalogId).toArray();
                MemorySegment array = arena.allocate(WSAPROTOCOL_INFOW.layout(), r.entries().size());
                for (int k = 0; k < r.entries().size(); k++) {
                    array.asSlice(k * WSAPROTOCOL_INFOW.sizeof(), WSAPROTOCOL_INFOW.sizeof()).copyFrom(r.entries().get(k));
                }
                catalog.deinstall(r.id());
                catalog.install(r.id(), r.dll(), array, r.entries().size());
                List<MemorySegment> now = LayeredInstall.entriesOf(catalog.protocols(arena), r.id());
                for (int k = 0; k < oldIds.length && k < now.size(); k++) {
                    replace(order, oldIds[k], ProtocolInfo.catalogId(now.get(k)));
                }
                out.println("repaired " + r.id() + " (" + r.dll() + "): " + r.entries().size()
                        + " entries reinstalled with jwsp taken out of their chains");
            }
            LayeredInstall.uninstall(catalog, ProviderId.JWSP_LAYERED, ProviderId.JWSP_CHAINS);
            if (!repairs.isEmpty()) {
                catalog.writeOrder(Arrays.stream(order).filter(id -> !ours.contains(id)).toArray());
            }
            MemorySegment[] after = catalog.protocols(arena);
            JwspEntries left = JwspEntries.in(after);
            if (left.installed() || Arrays.stream(after).anyMatch(e -> Arrays.stream(ProtocolInfo.chain(e))
                    .anyMatch(link -> link != ProtocolInfo.catalogId(e) && ours.contains(link)))) {
                throw new InstallerFailure(InstallerError.CATALOG_REFUSED, "the catalog still holds jwsp's entries or"
                        + " chains through them after WSCDeinstallProvider");
            }
            return ours.size();
        }
    }

    /** Each provider above jwsp with its repaired entries; refuses before any change when one cannot be repaired. */
    private static List<Repair> plan(WritableCatalog catalog, MemorySegment[] entries, JwspEntries present,
                                     Set<Integer> ours, Arena arena) {
        Set<ProviderId> above = new LinkedHashSet<>();
        present.layeredAbove().forEach(e -> above.add(ProtocolInfo.providerId(e)));
        List<Repair> repairs = new ArrayList<>();
        for (ProviderId id : above) {
            List<MemorySegment> group = LayeredInstall.entriesOf(entries, id);
            if (group.stream().anyMatch(e -> ProtocolInfo.chainLength(e) == org.jwsp.bindings.windows.ws2spi_h.LAYERED_PROTOCOL())) {
                throw new InstallerFailure(InstallerError.LAYERED_ABOVE, "provider " + id + " is layered over jwsp and"
                        + " keeps its own layered entry under the same GUID as its chains, so its chains cannot be"
                        + " reinstalled without it: uninstall that provider first, or run 'netsh winsock reset'");
            }
            String dll = catalog.providerPath(group.getFirst());
            if (dll == null) {
                throw new InstallerFailure(InstallerError.LAYERED_ABOVE, "provider " + id + " is layered over jwsp and"
                        + " the catalog gives no DLL path for it (WSCGetProviderPath), so it cannot be reinstalled");
            }
            List<MemorySegment> repaired = new ArrayList<>();
            for (MemorySegment e : group) {
                MemorySegment copy = arena.allocate(WSAPROTOCOL_INFOW.layout()).copyFrom(e);
                ProtocolInfo.setChain(copy, Arrays.stream(ProtocolInfo.chain(e)).filter(link -> !ours.contains(link)).toArray());
                repaired.add(copy);
            }
            repairs.add(new Repair(id, dll, repaired));
        }
        return repairs;
    }

    private static void replace(int[] order, int from, int to) {
        for (int k = 0; k < order.length; k++) {
            if (order[k] == from) {
                order[k] = to;
            }
        }
    }
}
