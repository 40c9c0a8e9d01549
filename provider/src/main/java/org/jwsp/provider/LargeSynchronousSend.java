package org.jwsp.provider;

import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.CallerMemory;
import org.jwsp.bindings.windows.WSABUF;
import org.jwsp.bindings.windows.ws2spi_h;

/**
 * A synchronous WSPSend larger than one lower send takes ({@link WsaBufCapture#LOWER_SEND_MAX}):
 * the caller's WSABUF array goes down in parts, in order, each at most that many bytes. Whole
 * entries that fit together go down in place from the caller's array (jwsp never writes it); an
 * entry larger than a part, or the rest of one a part cut, goes as one descriptor from this
 * thread's {@link ThreadScratch#part}.
 *
 * <p>The answer: 0 and the bytes sent when every part went out, or when a nonblocking socket took
 * less than offered (a short count, as a nonblocking send reports; also when a later part would
 * block after earlier parts went out, since those bytes are on their way and must be counted);
 * else the lower provider's error (a blocking send that fails after earlier parts went out
 * reports the failure, as one lower send failing midway does).
 *
 * <p>Called by {@link SendPath} on the caller's thread between {@code enterSynchronous} and
 * {@code leaveSynchronous}, so no overlapped send of the socket goes down between the parts. The
 * caller's array was validated ({@link WsaBufCapture#validate}); allocates nothing.
 */
final class LargeSynchronousSend {

    private static final long MAX = WsaBufCapture.LOWER_SEND_MAX;
    private static final int WOULD_BLOCK = ws2spi_h.WSAEWOULDBLOCK();

    private LargeSynchronousSend() {
    }

    static int send(SocketContext ctx, long wsabufs, int count, long lpSent, int flags, long errno, ThreadScratch sc) {
        int before = CallerMemory.getInt(errno);
        long sent = 0;
        int i = 0;
        long offset = 0; // bytes of entry i already sent
        while (true) {
            while (i < count && offset >= WsaBufCapture.length(wsabufs, i)) {
                i++;
                offset = 0;
            }
            if (i == count) {
                break;
            }
            long len = WsaBufCapture.length(wsabufs, i);
            long at;
            int n;
            long want;
            if (offset > 0 || len > MAX) {
                want = Math.min(len - offset, MAX);
                sc.part.set(ValueLayout.JAVA_INT, WSABUF.len$offset(), (int) want);
                sc.part.set(ValueLayout.JAVA_LONG, WSABUF.buf$offset(), WsaBufCapture.address(wsabufs, i) + offset);
                at = sc.part.address();
                n = 1;
            } else {
                n = 0;
                want = 0;
                while (i + n < count && want + WsaBufCapture.length(wsabufs, i + n) <= MAX) {
                    want += WsaBufCapture.length(wsabufs, i + n);
                    n++;
                }
                at = wsabufs + i * WsaBufCapture.SIZEOF_WSABUF;
            }
            if (ctx.lower.sendRaw(ctx.lowerHandle, at, n, sc.bytes.address(), flags, 0L, errno) != 0) {
                if (sent > 0 && CallerMemory.getInt(errno) == WOULD_BLOCK) {
                    break;
                }
                return Errno.SOCKET_ERROR;
            }
            long got = Math.min(sc.bytes() & 0xFFFF_FFFFL, want); // never more than it was offered
            sent += got;
            for (long left = got; left > 0 && i < count; ) {
                long rest = WsaBufCapture.length(wsabufs, i) - offset;
                if (left >= rest) {
                    left -= rest;
                    i++;
                    offset = 0;
                } else {
                    offset += left;
                    left = 0;
                }
            }
            if (got < want) {
                break; // a nonblocking socket took what it could
            }
        }
        CallerMemory.putInt(lpSent, (int) sent); // a DWORD: sent <= 2^32 - 1
        CallerMemory.putInt(errno, before); // a success leaves lpErrno as it was
        return 0;
    }
}
