package org.jwsp.host.catalog;

import java.lang.foreign.MemorySegment;
import java.util.UUID;

import org.jwsp.bindings.windows.WSAPROTOCOLCHAIN;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.host.kernel.CountedArena;

/**
 * One entry of the Winsock catalog: a {@code WSAPROTOCOL_INFOW} in native memory (what
 * {@code WSCEnumProtocols} copies out and what {@code WSPStartup}/{@code WSPSocket} receive) and the
 * module path of its provider (what {@code WSCGetProviderPath} answers for its GUID).
 *
 * <p>Immutable after {@link Catalog} builds it; owns its {@link CountedArena}, closed when the entry
 * is uninstalled. Read from any thread.
 */
public final class CatalogEntry {

    private final CountedArena arena = new CountedArena();
    private final MemorySegment info;
    private final String modulePath;

    CatalogEntry(String modulePath) {
        this.modulePath = modulePath;
        this.info = WSAPROTOCOL_INFOW.allocate(arena);
    }

    /** The entry's {@code WSAPROTOCOL_INFOW} (628 bytes). Do not write it. */
    public MemorySegment protocolInfo() {
        return info;
    }

    public String modulePath() {
        return modulePath;
    }

    public int catalogEntryId() {
        return WSAPROTOCOL_INFOW.dwCatalogEntryId(info);
    }

    public UUID providerId() {
        return Guids.read(WSAPROTOCOL_INFOW.ProviderId(info));
    }

    /** {@code ProtocolChain.ChainLen}: 0 layered, 1 base, &gt;1 a chain. */
    public int chainLength() {
        return WSAPROTOCOLCHAIN.ChainLen(WSAPROTOCOL_INFOW.ProtocolChain(info));
    }

    /** {@code ProtocolChain.ChainEntries[i]}. */
    public int chainEntry(int i) {
        return WSAPROTOCOLCHAIN.ChainEntries(WSAPROTOCOL_INFOW.ProtocolChain(info), i);
    }

    public int addressFamily() {
        return WSAPROTOCOL_INFOW.iAddressFamily(info);
    }

    public int socketType() {
        return WSAPROTOCOL_INFOW.iSocketType(info);
    }

    public int protocol() {
        return WSAPROTOCOL_INFOW.iProtocol(info);
    }

    public boolean hidden() {
        return (WSAPROTOCOL_INFOW.dwProviderFlags(info) & ws2spi_h.PFL_HIDDEN()) != 0;
    }

    /** {@code szProtocol}. */
    public String name() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < ws2spi_h.WSAPROTOCOL_LEN() + 1; i++) {
            char c = (char) WSAPROTOCOL_INFOW.szProtocol(info, i);
            if (c == 0) {
                break;
            }
            b.append(c);
        }
        return b.toString();
    }

    void setName(String name) {
        int n = Math.min(name.length(), ws2spi_h.WSAPROTOCOL_LEN());
        for (int i = 0; i <= ws2spi_h.WSAPROTOCOL_LEN(); i++) {
            WSAPROTOCOL_INFOW.szProtocol(info, i, i < n ? (short) name.charAt(i) : 0);
        }
    }

    void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return catalogEntryId() + ":" + name();
    }
}
