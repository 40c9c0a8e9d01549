package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.windows.LPWSPIOCTL;
import org.jwsp.bindings.windows.WSAPOLLDATA;
import org.jwsp.bindings.windows.WSAPOLLFD;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.bindings.windows.ws2spi_h;

/**
 * {@code SIO_EXT_POLL} on a jwsp socket: ws2_32's {@code WSAPoll} reaches jwsp this way once
 * {@code SIO_BSP_HANDLE_POLL} named jwsp's socket ({@link LayeredIdentity}). The
 * {@code WSAPOLLDATA} is copied with every jwsp handle replaced by its lower socket (a handle that
 * is not jwsp's becomes {@code INVALID_SOCKET}, which the lower provider reports as
 * {@code POLLNVAL}), the lower provider polls it with the same ioctl on the lower socket, and the
 * {@code revents} and the result are copied back into the caller's structure, whose handles stay
 * jwsp's. Synchronous, as {@code WSAPoll} is.
 *
 * <p>Called by {@link SocketEntries#ioctl} on the client's thread; the copy lives in a confined
 * arena of the call.
 */
final class ExtPoll {

    private ExtPoll() {
    }

    static int poll(SocketTable sockets, SocketContext c, MemorySegment in, int cbIn, MemorySegment out, int cbOut,
                    MemorySegment lpReturned, MemorySegment lpErrno) {
        if (in.address() == 0 || out.address() == 0 || cbIn < WSAPOLLDATA.sizeof() || cbOut < cbIn) {
            return Errno.fail(lpErrno, WsaCondition.BUFFERS_NOT_IN_USER_SPACE);
        }
        long count = Integer.toUnsignedLong(WSAPOLLDATA.fds(in.reinterpret(WSAPOLLDATA.sizeof())));
        long size = WSAPOLLDATA.fdArray$offset() + count * WSAPOLLFD.sizeof();
        if (size > cbIn) {
            return Errno.fail(lpErrno, WsaCondition.BUFFERS_NOT_IN_USER_SPACE);
        }
        MemorySegment caller = in.reinterpret(size);
        ThreadScratch sc = ThreadScratch.get();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment lower = call.allocate(size, 8).copyFrom(caller);
            for (long i = 0; i < count; i++) {
                MemorySegment entry = lower.asSlice(WSAPOLLDATA.fdArray$offset() + i * WSAPOLLFD.sizeof(), WSAPOLLFD.sizeof());
                SocketContext member = sockets.socketOf(WSAPOLLFD.fd(entry), sc);
                WSAPOLLFD.fd(entry, member == null ? Errno.INVALID_SOCKET : member.lowerHandle);
            }
            int rc = LPWSPIOCTL.invoke(WSPPROC_TABLE.lpWSPIoctl(c.lower.table), c.lowerHandle, ws2spi_h.SIO_EXT_POLL(), lower,
                    (int) size, lower, (int) size, lpReturned, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, lpErrno);
            if (rc != 0) {
                return rc;
            }
            MemorySegment result = out.reinterpret(size);
            if (result.address() != caller.address()) {
                result.copyFrom(caller);
            }
            for (long i = 0; i < count; i++) {
                long at = WSAPOLLDATA.fdArray$offset() + i * WSAPOLLFD.sizeof();
                WSAPOLLFD.revents(result.asSlice(at, WSAPOLLFD.sizeof()), WSAPOLLFD.revents(lower.asSlice(at, WSAPOLLFD.sizeof())));
            }
            WSAPOLLDATA.result(result, WSAPOLLDATA.result(lower));
            return 0;
        }
    }
}
