package org.jwsp.provider;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows._WSAPROTOCOL_INFOA;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.bindings.windows.ws2spi_h;

/**
 * The questions about a socket's identity that jwsp answers itself instead of passing them down,
 * so that a program sees what is really there — a layered, non-IFS provider — and never a lower
 * handle that would let it bypass jwsp (Microsoft's nonifslsp answers the same ones):
 * <ul>
 * <li>{@code SO_PROTOCOL_INFOW} / {@code SO_PROTOCOL_INFOA} ({@code WSPGetSockOpt}): jwsp's own
 *     chain entry (its catalog id, {@code ChainLen} ≥ 2) without {@code XP1_IFS_HANDLES}, the flag
 *     libuv reads before it sets {@code FILE_SKIP_COMPLETION_PORT_ON_SUCCESS} on a handle;</li>
 * <li>{@code SIO_BSP_HANDLE} and {@code SIO_BSP_HANDLE_POLL} ({@code WSPIoctl}): jwsp's own handle,
 *     so {@code WSAPoll} and {@code WSASendMsg} stay on jwsp (the "base service provider" a program
 *     may talk to directly is jwsp); {@code SIO_BASE_HANDLE} and {@code SIO_BSP_HANDLE_SELECT} go down
 *     untouched (mio needs the real base handle; {@code select} on the base is what the reference
 *     does);</li>
 * <li>{@code WSPDuplicateSocket}: jwsp's chain entry with the lower provider's
 *     {@code dwProviderReserved}, so the duplicate is created through jwsp again
 *     ({@link SocketEntries} hands that reserved value back down).</li>
 * </ul>
 * Everything else passes through. Called by {@link PassThrough} and {@link SocketEntries} on the
 * client's thread, after they found the socket; writes only the caller's buffers, after checking
 * their lengths; never throws into native code (its callers catch).
 */
final class LayeredIdentity {

    /** Returned when the question is not one jwsp answers itself: the caller passes it down. */
    static final int NOT_MINE = Integer.MIN_VALUE;
    static final int INFO_W_SIZE = (int) WSAPROTOCOL_INFOW.layout().byteSize();
    static final int INFO_A_SIZE = (int) _WSAPROTOCOL_INFOA.sizeof();
    private static final long PROTOCOL_NAME_OFFSET = WSAPROTOCOL_INFOW.szProtocol$offset();
    private static final int PROTOCOL_NAME_CHARS = ws2spi_h.WSAPROTOCOL_LEN() + 1;

    private final Chains chains;
    private final OverlappedProxy proxy;

    LayeredIdentity(Chains chains, OverlappedProxy proxy) {
        this.chains = chains;
        this.proxy = proxy;
    }

    /** jwsp's own catalog entry for the chain {@code c} was created through. */
    private MemorySegment ownInfo(SocketContext c) {
        return chains.of(c.catalogEntryId).link().ownInfo();
    }

    /** {@code SO_PROTOCOL_INFOW}/{@code SO_PROTOCOL_INFOA} at {@code SOL_SOCKET}; else {@link #NOT_MINE}. */
    int getSockOpt(SocketContext c, int level, int name, MemorySegment value, MemorySegment len, MemorySegment lpErrno) {
        boolean wide = name == ws2spi_h.SO_PROTOCOL_INFOW();
        if (level != ws2spi_h.SOL_SOCKET() || !wide && name != ws2spi_h.SO_PROTOCOL_INFOA()) {
            return NOT_MINE;
        }
        int size = wide ? INFO_W_SIZE : INFO_A_SIZE;
        if (value.address() == 0 || len.address() == 0) {
            return Errno.fail(lpErrno, WsaCondition.BUFFERS_NOT_IN_USER_SPACE);
        }
        MemorySegment length = len.reinterpret(4);
        if (length.get(ValueLayout.JAVA_INT_UNALIGNED, 0) < size) {
            // Winsock's answer to a buffer shorter than the structure; the length it needs is reported
            length.set(ValueLayout.JAVA_INT_UNALIGNED, 0, size);
            return Errno.fail(lpErrno, WsaCondition.BUFFERS_NOT_IN_USER_SPACE);
        }
        MemorySegment out = value.reinterpret(size);
        writeOwnInfo(ownInfo(c), out, wide);
        length.set(ValueLayout.JAVA_INT_UNALIGNED, 0, size);
        return 0;
    }

    /**
     * Writes jwsp's entry as a program must see it: the catalog entry, minus {@code XP1_IFS_HANDLES}
     * (jwsp's handles come from WPUCreateSocketHandle: no file object of a driver backs them); the
     * ANSI form replaces the name's UTF-16 with bytes ('?' for what is not ASCII), as
     * {@code WideCharToMultiByte} with the default character would for the names catalogs use.
     */
    static void writeOwnInfo(MemorySegment own, MemorySegment out, boolean wide) {
        if (wide) {
            MemorySegment.copy(own, 0, out, 0, INFO_W_SIZE);
        } else {
            MemorySegment.copy(own, 0, out, 0, PROTOCOL_NAME_OFFSET);
            for (int i = 0; i < PROTOCOL_NAME_CHARS; i++) {
                char ch = own.get(ValueLayout.JAVA_CHAR_UNALIGNED, PROTOCOL_NAME_OFFSET + 2L * i);
                out.set(ValueLayout.JAVA_BYTE, PROTOCOL_NAME_OFFSET + i, (byte) (ch < 0x80 ? ch : '?'));
            }
        }
        int flags = own.get(ValueLayout.JAVA_INT_UNALIGNED, WSAPROTOCOL_INFOW.dwServiceFlags1$offset());
        out.set(ValueLayout.JAVA_INT_UNALIGNED, WSAPROTOCOL_INFOW.dwServiceFlags1$offset(), flags & ~ws2spi_h.XP1_IFS_HANDLES());
    }

    /** Whether {@code code} is an ioctl jwsp answers itself ({@link #ioctl}). */
    static boolean answersIoctl(int code) {
        return code == ws2spi_h.SIO_BSP_HANDLE() || code == ws2spi_h.SIO_BSP_HANDLE_POLL();
    }

    /**
     * {@code SIO_BSP_HANDLE}, {@code SIO_BSP_HANDLE_POLL}: jwsp's own handle, 8 bytes. An output
     * buffer under 8 bytes (or none) is {@code WSAEFAULT}. It completes at once; an overlapped call
     * still has its completion indicated ({@link OverlappedProxy#completeNow}).
     */
    int ioctl(SocketContext c, MemorySegment out, int cbOut, MemorySegment lpReturned, MemorySegment ov, MemorySegment routine,
              MemorySegment tid, MemorySegment lpErrno, ThreadScratch sc) {
        if (out.address() == 0 || cbOut < Long.BYTES) {
            return Errno.fail(lpErrno, WsaCondition.BUFFERS_NOT_IN_USER_SPACE);
        }
        out.reinterpret(Long.BYTES).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, c.handle);
        return proxy.completeNow(c, Long.BYTES, lpReturned, ov, routine, tid, lpErrno, sc);
    }

    /**
     * After the lower {@code WSPDuplicateSocket} filled {@code info}: jwsp's chain entry goes in its
     * place, keeping only the lower provider's {@code dwProviderReserved} (its key for the duplicate).
     */
    void duplicated(SocketContext c, MemorySegment info) {
        MemorySegment out = info.reinterpret(INFO_W_SIZE);
        int reserved = WSAPROTOCOL_INFOW.dwProviderReserved(out);
        writeOwnInfo(ownInfo(c), out, true);
        WSAPROTOCOL_INFOW.dwProviderReserved(out, reserved);
    }
}
