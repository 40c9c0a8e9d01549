package org.jwsp.host.base;

import org.jwsp.bindings.CallerMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.linux.iovec;
import org.jwsp.bindings.linux.msghdr;
import org.jwsp.bindings.windows.WSABUF;

/**
 * Copies a caller's transient {@code WSABUF} array into Linux {@code iovec}s and points a
 * {@code msghdr} at them; the data buffers are referenced, never copied or read.
 *
 * <pre>
 *   WSABUF { ULONG len; (pad) CHAR *buf; }  16 bytes   ->   iovec { void *iov_base; size_t iov_len; }  16 bytes
 * </pre>
 * Static; used by {@link IoRequest} (overlapped) and the synchronous paths ({@link CallScratch}).
 */
final class IovecCapture {

    private IovecCapture() {
    }


    /**
     * @param buffers the address of the caller's array of {@code count} {@code WSABUF}s
     * @return false if an entry has a null {@code buf} with a non-zero {@code len} ({@code WSAEFAULT})
     */
    static boolean capture(long buffers, int count, MemorySegment iov, MemorySegment message) {
        for (int i = 0; i < count; i++) {
            long at = buffers + i * WSABUF.sizeof();
            long len = CallerMemory.getInt(at + WSABUF.len$offset()) & 0xFFFFFFFFL;
            long buf = CallerMemory.getLong(at + WSABUF.buf$offset());
            if (buf == 0 && len != 0) {
                return false;
            }
            long v = i * iovec.sizeof();
            iov.set(ValueLayout.JAVA_LONG, v + iovec.iov_base$offset(), buf);
            iov.set(iovec.iov_len$layout(), v + iovec.iov_len$offset(), len);
        }
        message.fill((byte) 0);
        message.set(ValueLayout.JAVA_LONG, msghdr.msg_iov$offset(), iov.address());
        msghdr.msg_iovlen(message, count);
        return true;
    }
}
