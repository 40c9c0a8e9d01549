package org.jwsp.host.base;

import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.linux.iovec;
import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.msghdr;
import org.jwsp.host.kernel.Libc;

/**
 * The nonblocking first attempt of an overlapped send or receive, which makes the host complete
 * at once what the kernel can satisfy at once, as Windows does: a {@code WSASend} whose data fits
 * in the socket's send buffer, a {@code WSARecv} with data already queued, returns 0 with the
 * count (and the completion is still indicated, see {@link OverlappedIo#issue}).
 *
 * <p>Order is the caller's: a send is tried only by the thread that holds the socket's wire (one
 * send in flight, {@link BaseSocket#admitSend}), a receive only when no receive of the socket is
 * at the ring, so nothing queued earlier can be overtaken. A stream send the kernel takes in part
 * keeps its place: the rest goes to the ring from where this attempt stopped
 * ({@link #skip}), and its completion reports both parts ({@link IoRequest#done}).
 *
 * <p>Static; runs on the caller's thread inside its call on the socket; touches only the
 * request's own {@code msghdr}/{@code iovec}s (captured from the caller's {@code WSABUF}s).
 */
final class AtOnce {

    private static final int DONTWAIT = linux_h.MSG_DONTWAIT() | linux_h.MSG_NOSIGNAL();

    private AtOnce() {
    }

    /** {@code sendmsg} or {@code recvmsg} of the request without waiting: bytes moved, or -1 (errno unread). */
    static long attempt(BaseSocket s, IoRequest r) {
        return Libc.attemptMessage(r.kind == IoRequest.SEND, s.fd, r.message, DONTWAIT);
    }

    /** The bytes the request's buffers hold in all. */
    static long total(IoRequest r) {
        long at = r.message.get(ValueLayout.JAVA_LONG, msghdr.msg_iov$offset()) - r.iov.address();
        long n = msghdr.msg_iovlen(r.message);
        long sum = 0;
        for (long i = 0; i < n; i++) {
            sum += r.iov.get(iovec.iov_len$layout(), at + i * iovec.sizeof() + iovec.iov_len$offset());
        }
        return sum;
    }

    /** True when the attempt's {@code recvmsg} cut a datagram short ({@code MSG_TRUNC}). */
    static boolean truncated(IoRequest r) {
        return (msghdr.msg_flags(r.message) & linux_h.MSG_TRUNC()) != 0;
    }

    /**
     * Drops the first {@code moved} bytes from the request's {@code iovec}s (whole entries are
     * skipped, the first partly moved one is trimmed), so the ring sends only the rest.
     */
    static void skip(IoRequest r, long moved) {
        long v = r.message.get(ValueLayout.JAVA_LONG, msghdr.msg_iov$offset()) - r.iov.address();
        long count = msghdr.msg_iovlen(r.message);
        long left = moved;
        while (count > 0 && left >= r.iov.get(iovec.iov_len$layout(), v + iovec.iov_len$offset())) {
            left -= r.iov.get(iovec.iov_len$layout(), v + iovec.iov_len$offset());
            v += iovec.sizeof();
            count--;
        }
        if (count > 0 && left > 0) {
            r.iov.set(ValueLayout.JAVA_LONG, v + iovec.iov_base$offset(),
                    r.iov.get(ValueLayout.JAVA_LONG, v + iovec.iov_base$offset()) + left);
            r.iov.set(iovec.iov_len$layout(), v + iovec.iov_len$offset(),
                    r.iov.get(iovec.iov_len$layout(), v + iovec.iov_len$offset()) - left);
        }
        r.message.set(ValueLayout.JAVA_LONG, msghdr.msg_iov$offset(), r.iov.address() + v);
        msghdr.msg_iovlen(r.message, count);
    }
}
