package org.jwsp.windows.install;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * What of jwsp a catalog holds: its hidden layered entry and its chain entries (found by
 * {@link ProviderId#JWSP_LAYERED} / {@link ProviderId#JWSP_CHAINS}), and any other provider's
 * entry that is layered on top of jwsp (whose chain names one of jwsp's catalog ids), which
 * would break if jwsp were removed under it.
 *
 * <p>A snapshot of one enumeration: the segments belong to the caller's arena. Immutable.
 */
public record JwspEntries(List<MemorySegment> layered, List<MemorySegment> chains, List<MemorySegment> layeredAbove) {

    /** Finds jwsp's entries in {@code catalog}. */
    public static JwspEntries in(MemorySegment[] catalog) {
        List<MemorySegment> layered = new ArrayList<>();
        List<MemorySegment> chains = new ArrayList<>();
        List<Integer> ours = new ArrayList<>();
        for (MemorySegment entry : catalog) {
            ProviderId id = ProtocolInfo.providerId(entry);
            if (id.equals(ProviderId.JWSP_LAYERED)) {
                layered.add(entry);
                ours.add(ProtocolInfo.catalogId(entry));
            } else if (id.equals(ProviderId.JWSP_CHAINS)) {
                chains.add(entry);
                ours.add(ProtocolInfo.catalogId(entry));
            }
        }
        List<MemorySegment> above = new ArrayList<>();
        for (MemorySegment entry : catalog) {
            if (ProtocolInfo.providerId(entry).isJwsp()) {
                continue;
            }
            for (int link : ProtocolInfo.chain(entry)) {
                if (link != ProtocolInfo.catalogId(entry) && ours.contains(link)) {
                    above.add(entry);
                    break;
                }
            }
        }
        return new JwspEntries(List.copyOf(layered), List.copyOf(chains), List.copyOf(above));
    }

    public boolean installed() {
        return !layered.isEmpty() || !chains.isEmpty();
    }

    /** The catalog id of jwsp's layered entry, or 0 if there is none. */
    public int layeredCatalogId() {
        return layered.isEmpty() ? 0 : ProtocolInfo.catalogId(layered.getFirst());
    }

    /** "1001, 1002 (name), ..." for messages. */
    public static String describe(List<MemorySegment> entries) {
        List<String> parts = new ArrayList<>();
        for (MemorySegment e : entries) {
            parts.add(ProtocolInfo.catalogId(e) + " (" + ProtocolInfo.name(e) + ")");
        }
        return String.join(", ", parts);
    }
}
