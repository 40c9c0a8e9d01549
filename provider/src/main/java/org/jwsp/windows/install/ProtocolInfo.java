package org.jwsp.windows.install;

import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.windows.WSAPROTOCOLCHAIN;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.bindings.windows.ws2spi_h;

/**
 * Reads and writes the parts of one catalog entry ({@code WSAPROTOCOL_INFOW}, 628 bytes) that the
 * installer and the listing need and the generated accessors do not give directly: the wide
 * {@code szProtocol} name, the provider GUID and the protocol chain.
 *
 * <pre>
 *   WSAPROTOCOL_INFOW { ...; GUID ProviderId; DWORD dwCatalogEntryId;
 *       WSAPROTOCOLCHAIN { int ChainLen; DWORD ChainEntries[MAX_PROTOCOL_CHAIN = 7]; } ProtocolChain;
 *       ...; WCHAR szProtocol[WSAPROTOCOL_LEN + 1 = 256]; }
 *   ChainLen: 0 = layered (hidden) entry, 1 = base provider, 2..7 = protocol chain,
 *   ChainEntries[0] = the top layer's layered entry, ChainEntries[ChainLen - 1] = the base provider.
 * </pre>
 *
 * <p>Stateless; the caller owns every segment. Any thread.
 */
public final class ProtocolInfo {

    private ProtocolInfo() {
    }

    /** {@code szProtocol}, up to its terminating NUL (or all 256 WCHARs if it has none). */
    public static String name(MemorySegment entry) {
        StringBuilder name = new StringBuilder();
        long max = WSAPROTOCOL_INFOW.szProtocol$dimensions()[0];
        for (long i = 0; i < max; i++) {
            char c = (char) WSAPROTOCOL_INFOW.szProtocol(entry, i);
            if (c == 0) {
                break;
            }
            name.append(c);
        }
        return name.toString();
    }

    /** Writes {@code name} into {@code szProtocol}, cut to {@code WSAPROTOCOL_LEN} WCHARs, NUL-terminated and NUL-padded. */
    public static void name(MemorySegment entry, String name) {
        long max = WSAPROTOCOL_INFOW.szProtocol$dimensions()[0];
        int length = (int) Math.min(name.length(), ws2spi_h.WSAPROTOCOL_LEN());
        for (long i = 0; i < max; i++) {
            WSAPROTOCOL_INFOW.szProtocol(entry, i, i < length ? (short) name.charAt((int) i) : 0);
        }
    }

    public static ProviderId providerId(MemorySegment entry) {
        return ProviderId.read(WSAPROTOCOL_INFOW.ProviderId(entry));
    }

    public static void providerId(MemorySegment entry, ProviderId id) {
        id.write(WSAPROTOCOL_INFOW.ProviderId(entry));
    }

    public static int catalogId(MemorySegment entry) {
        return WSAPROTOCOL_INFOW.dwCatalogEntryId(entry);
    }

    public static int chainLength(MemorySegment entry) {
        return WSAPROTOCOLCHAIN.ChainLen(WSAPROTOCOL_INFOW.ProtocolChain(entry));
    }

    /** {@code ProtocolChain.ChainEntries[0 .. ChainLen-1]} (empty for a layered entry, clamped to the array). */
    public static int[] chain(MemorySegment entry) {
        MemorySegment chain = WSAPROTOCOL_INFOW.ProtocolChain(entry);
        int length = Math.clamp(WSAPROTOCOLCHAIN.ChainLen(chain), 0, ws2spi_h.MAX_PROTOCOL_CHAIN());
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = WSAPROTOCOLCHAIN.ChainEntries(chain, i);
        }
        return ids;
    }

    /** Sets the chain to exactly {@code ids} and zeroes the unused slots. */
    public static void setChain(MemorySegment entry, int... ids) {
        if (ids.length > ws2spi_h.MAX_PROTOCOL_CHAIN()) {
            throw new IllegalArgumentException("a protocol chain holds at most " + ws2spi_h.MAX_PROTOCOL_CHAIN()
                    + " entries, not " + ids.length);
        }
        MemorySegment chain = WSAPROTOCOL_INFOW.ProtocolChain(entry);
        WSAPROTOCOLCHAIN.ChainLen(chain, ids.length);
        for (int i = 0; i < ws2spi_h.MAX_PROTOCOL_CHAIN(); i++) {
            WSAPROTOCOLCHAIN.ChainEntries(chain, i, i < ids.length ? ids[i] : 0);
        }
    }

    /** The layered (hidden, ChainLen 0) entry that heads this entry's chain, or 0 for a base or layered entry. */
    public static int topLayer(MemorySegment entry) {
        int[] chain = chain(entry);
        return chain.length > 1 ? chain[0] : 0;
    }
}
