package org.jwsp.windows.install;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.bindings.windows.ws2spi_h;

/**
 * The pure part of installing jwsp as a layered provider: which base entries to layer over, the
 * hidden layered entry, one protocol chain entry per base, and the catalog order that puts the
 * chains first. No catalog calls here: {@link Installer} feeds in what a {@link CatalogSource}
 * enumerated and hands the results to a {@link WritableCatalog}.
 *
 * <p>The mechanics are Winsock's (as Microsoft's LSP sample installs a non-IFS LSP): the layered
 * entry is a copy of a base entry with {@code ChainLen = LAYERED_PROTOCOL}, {@code PFL_HIDDEN} and
 * no IFS handles; it must be installed first because a chain names it by the catalog id Windows
 * assigns. Each chain entry is a copy of its base with the chain {@code [layered id, base id]},
 * named {@code "<name> over [<base name>]"}, without {@code XP1_IFS_HANDLES} (jwsp's sockets are
 * not IFS handles). The chains then go to the front of the catalog so that
 * {@code socket(AF_INET, SOCK_STREAM, 0)} picks jwsp's chain before the base provider.
 *
 * <p>All entries built here are new {@code WSAPROTOCOL_INFOW}s owned by the caller's arena.
 * Stateless; any thread.
 */
public final class ProtocolChains {

    private ProtocolChains() {
    }

    /**
     * The base providers jwsp layers over: visible base entries ({@code ChainLen == BASE_PROTOCOL},
     * not {@code PFL_HIDDEN}) of TCP ({@code SOCK_STREAM/IPPROTO_TCP}) and UDP
     * ({@code SOCK_DGRAM/IPPROTO_UDP}) over IPv4 and IPv6, the first in catalog order for each of
     * those four, in catalog order.
     */
    public static List<MemorySegment> basesToLayerOver(MemorySegment[] catalog) {
        List<MemorySegment> bases = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        for (MemorySegment entry : catalog) {
            if (ProtocolInfo.chainLength(entry) != ws2spi_h.BASE_PROTOCOL()
                    || (WSAPROTOCOL_INFOW.dwProviderFlags(entry) & ws2spi_h.PFL_HIDDEN()) != 0
                    || ProtocolInfo.providerId(entry).isJwsp()) {
                continue;
            }
            int family = WSAPROTOCOL_INFOW.iAddressFamily(entry);
            int type = WSAPROTOCOL_INFOW.iSocketType(entry);
            int protocol = WSAPROTOCOL_INFOW.iProtocol(entry);
            boolean ip = family == ws2spi_h.AF_INET() || family == ws2spi_h.AF_INET6();
            boolean tcp = type == ws2spi_h.SOCK_STREAM() && protocol == ws2spi_h.IPPROTO_TCP();
            boolean udp = type == ws2spi_h.SOCK_DGRAM() && protocol == ws2spi_h.IPPROTO_UDP();
            if (ip && (tcp || udp) && taken.add(family + "/" + type + "/" + protocol)) {
                bases.add(entry);
            }
        }
        return bases;
    }

    /** The hidden layered entry of jwsp, modelled on {@code base} (the first base it layers over). */
    public static MemorySegment layeredEntry(MemorySegment base, String name, Arena arena) {
        return layeredEntry(base, name, ProviderId.JWSP_LAYERED, arena);
    }

    /** A hidden layered entry under {@code id}, modelled on {@code base}. */
    public static MemorySegment layeredEntry(MemorySegment base, String name, ProviderId id, Arena arena) {
        MemorySegment layered = copy(base, arena);
        WSAPROTOCOL_INFOW.dwServiceFlags1(layered,
                WSAPROTOCOL_INFOW.dwServiceFlags1(base) & ~ws2spi_h.XP1_IFS_HANDLES());
        WSAPROTOCOL_INFOW.dwProviderFlags(layered,
                (WSAPROTOCOL_INFOW.dwProviderFlags(base) | ws2spi_h.PFL_HIDDEN()) & ~ws2spi_h.PFL_MATCHES_PROTOCOL_ZERO());
        WSAPROTOCOL_INFOW.iSocketType(layered, 0);
        WSAPROTOCOL_INFOW.iProtocol(layered, 0);
        WSAPROTOCOL_INFOW.dwCatalogEntryId(layered, 0);
        ProtocolInfo.providerId(layered, id);
        ProtocolInfo.setChain(layered); // ChainLen = LAYERED_PROTOCOL (0)
        ProtocolInfo.name(layered, name);
        return layered;
    }

    /**
     * One chain entry per base, contiguous as {@code WSCInstallProvider} takes them
     * ({@code WSAPROTOCOL_INFOW[bases.size()]}), each {@code [layeredId, base id]}; over an entry
     * that is itself a chain (another layered provider's), {@code [layeredId, that chain...]}, as
     * Winsock allows up to {@code MAX_PROTOCOL_CHAIN} links.
     */
    public static MemorySegment chainEntries(List<MemorySegment> bases, int layeredId, String name, Arena arena) {
        return chainEntries(bases, layeredId, name, ProviderId.JWSP_CHAINS, arena);
    }

    /** One chain entry per base under {@code id} (see above). */
    public static MemorySegment chainEntries(List<MemorySegment> bases, int layeredId, String name, ProviderId id,
                                             Arena arena) {
        MemorySegment chains = WSAPROTOCOL_INFOW.allocateArray(bases.size(), arena);
        for (int i = 0; i < bases.size(); i++) {
            MemorySegment base = bases.get(i);
            MemorySegment chain = WSAPROTOCOL_INFOW.asSlice(chains, i);
            chain.copyFrom(base.asSlice(0, WSAPROTOCOL_INFOW.sizeof()));
            WSAPROTOCOL_INFOW.dwServiceFlags1(chain,
                    WSAPROTOCOL_INFOW.dwServiceFlags1(base) & ~ws2spi_h.XP1_IFS_HANDLES());
            WSAPROTOCOL_INFOW.dwCatalogEntryId(chain, 0);
            ProtocolInfo.providerId(chain, id);
            ProtocolInfo.setChain(chain, over(layeredId, base));
            ProtocolInfo.name(chain, name + " over [" + ProtocolInfo.name(base) + "]");
        }
        return chains;
    }

    /** The chain of an entry layered by {@code layeredId} over {@code below} (a base entry or a chain). */
    static int[] over(int layeredId, MemorySegment below) {
        int[] rest = ProtocolInfo.chainLength(below) == ws2spi_h.BASE_PROTOCOL()
                ? new int[] {ProtocolInfo.catalogId(below)} : ProtocolInfo.chain(below);
        if (rest.length == 0 || rest.length + 1 > ws2spi_h.MAX_PROTOCOL_CHAIN()) {
            throw new InstallerFailure(InstallerError.NO_BASE_PROVIDERS, "cannot layer over catalog entry "
                    + ProtocolInfo.catalogId(below) + " (" + ProtocolInfo.name(below) + "): its chain has "
                    + ProtocolInfo.chainLength(below) + " links");
        }
        int[] chain = new int[rest.length + 1];
        chain[0] = layeredId;
        System.arraycopy(rest, 0, chain, 1, rest.length);
        return chain;
    }

    /**
     * The entries of {@code catalog} with these catalog ids, in the order given: what a layered
     * provider other than jwsp's installer chooses to layer over (a base entry or another chain).
     *
     * @throws InstallerFailure {@link InstallerError#NO_BASE_PROVIDERS} for an id the catalog does not have
     */
    public static List<MemorySegment> entries(MemorySegment[] catalog, int... catalogIds) {
        List<MemorySegment> chosen = new ArrayList<>();
        for (int id : catalogIds) {
            MemorySegment found = null;
            for (MemorySegment entry : catalog) {
                if (ProtocolInfo.catalogId(entry) == id) {
                    found = entry;
                }
            }
            if (found == null) {
                throw new InstallerFailure(InstallerError.NO_BASE_PROVIDERS, "the catalog has no entry " + id);
            }
            chosen.add(found);
        }
        return chosen;
    }

    /**
     * The catalog ids in the order {@code WSCWriteProviderOrder} should write: every entry whose
     * chain is headed by {@code layeredId} first, then all others, each group in its current order
     * (so removing jwsp's entries later leaves the others exactly in the order they had).
     */
    public static int[] orderWithChainsFirst(MemorySegment[] catalog, int layeredId) {
        int[] order = new int[catalog.length];
        int next = 0;
        for (MemorySegment entry : catalog) {
            if (ProtocolInfo.topLayer(entry) == layeredId) {
                order[next++] = ProtocolInfo.catalogId(entry);
            }
        }
        for (MemorySegment entry : catalog) {
            if (ProtocolInfo.topLayer(entry) != layeredId) {
                order[next++] = ProtocolInfo.catalogId(entry);
            }
        }
        return order;
    }

    private static MemorySegment copy(MemorySegment entry, Arena arena) {
        MemorySegment copy = WSAPROTOCOL_INFOW.allocate(arena);
        copy.copyFrom(entry.asSlice(0, WSAPROTOCOL_INFOW.sizeof()));
        return copy;
    }
}
