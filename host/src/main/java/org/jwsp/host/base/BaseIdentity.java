package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.SOL_SOCKET;
import static org.jwsp.bindings.windows.ws2spi_h.SO_PROTOCOL_INFOW;
import static org.jwsp.bindings.windows.ws2spi_h.WSAEFAULT;
import static org.jwsp.host.base.SocketCalls.fail;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ConcurrentHashMap;

import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.bindings.windows._WSAPROTOCOL_INFOA;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;

/**
 * What the base provider answers about a socket's identity, as msafd does: {@code SO_PROTOCOL_INFOW}
 * / {@code SO_PROTOCOL_INFOA} give the catalog entry the socket was created through (the one its
 * {@code WSPSocket} received), and {@code SIO_BASE_HANDLE}, {@code SIO_BSP_HANDLE},
 * {@code SIO_BSP_HANDLE_SELECT}, {@code SIO_BSP_HANDLE_POLL} give the base provider's own handle
 * (a layered provider above answers the BSP ones itself if it wants programs to stay on it).
 *
 * <p>The entries are kept by catalog id (a copy of the first {@code WSAPROTOCOL_INFOW} seen for each,
 * a handful per process); thread-safe. Upcall bodies call in on the caller's thread, inside their
 * own {@code try}.
 */
final class BaseIdentity {

    private static final int INFO_W = (int) WSAPROTOCOL_INFOW.sizeof();
    private static final int INFO_A = (int) _WSAPROTOCOL_INFOA.sizeof();
    private static final long NAME = WSAPROTOCOL_INFOW.szProtocol$offset();

    private final ConcurrentHashMap<Integer, byte[]> entries = new ConcurrentHashMap<>();

    /** Keeps a copy of the entry a {@code WSPSocket} (or {@code WSPStartup}) received, if not known yet. */
    void remember(MemorySegment lpProtocolInfo) {
        if (lpProtocolInfo.address() == 0) {
            return;
        }
        MemorySegment info = lpProtocolInfo.reinterpret(INFO_W);
        entries.computeIfAbsent(WSAPROTOCOL_INFOW.dwCatalogEntryId(info), id -> info.toArray(ValueLayout.JAVA_BYTE));
    }

    static boolean answersOption(int level, int optname) {
        return level == SOL_SOCKET() && (optname == SO_PROTOCOL_INFOW() || optname == ws2spi_h.SO_PROTOCOL_INFOA());
    }

    /** {@code SO_PROTOCOL_INFOW}/{@code A}: {@code optval} and {@code optlen} are not null (checked by the caller). */
    int protocolInfo(BaseSocket sock, int optname, MemorySegment optval, MemorySegment optlen, MemorySegment lpErrno) {
        boolean wide = optname == SO_PROTOCOL_INFOW();
        int size = wide ? INFO_W : INFO_A;
        MemorySegment len = optlen.reinterpret(4);
        byte[] entry = entries.get(sock.catalogEntryId);
        if (len.get(ValueLayout.JAVA_INT_UNALIGNED, 0) < size || entry == null) {
            len.set(ValueLayout.JAVA_INT_UNALIGNED, 0, size);
            return fail(lpErrno, WSAEFAULT());
        }
        MemorySegment out = optval.reinterpret(size);
        MemorySegment from = MemorySegment.ofArray(entry);
        if (wide) {
            out.copyFrom(from);
        } else {
            MemorySegment.copy(from, 0, out, 0, NAME);
            for (int i = 0; i < INFO_A - NAME; i++) {
                char c = from.get(ValueLayout.JAVA_CHAR_UNALIGNED, NAME + 2L * i);
                out.set(ValueLayout.JAVA_BYTE, NAME + i, (byte) (c < 0x80 ? c : '?'));
            }
        }
        len.set(ValueLayout.JAVA_INT_UNALIGNED, 0, size);
        return 0;
    }

    static boolean answersIoctl(int code) {
        return code == ws2spi_h.SIO_BASE_HANDLE() || code == ws2spi_h.SIO_BSP_HANDLE()
                || code == ws2spi_h.SIO_BSP_HANDLE_SELECT() || code == ws2spi_h.SIO_BSP_HANDLE_POLL();
    }

    /** Writes the socket's own handle; returns the byte count, or -WSAEFAULT for a missing or short buffer. */
    static int baseHandle(BaseSocket sock, MemorySegment out, int outLength) {
        if (out.address() == 0 || outLength < Long.BYTES) {
            return -WSAEFAULT();
        }
        out.reinterpret(Long.BYTES).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, sock.handle);
        return Long.BYTES;
    }
}
