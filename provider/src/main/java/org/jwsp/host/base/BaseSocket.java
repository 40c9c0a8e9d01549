package org.jwsp.host.base;

import java.util.ArrayDeque;

import org.jwsp.host.upcall.SocketHandle;

/**
 * The base provider's context for one Winsock socket: the Linux fd behind it, what it was created
 * as, its Winsock modes and states, and its per-socket send queue.
 *
 * <p><b>Send order.</b> At most one {@code IORING_OP_SENDMSG} is in flight per socket: an
 * overlapped send issued while another is in flight waits in {@link #waitingSends} and is
 * submitted by the thread that reaps the previous one's completion. (Linked SQEs,
 * {@code IOSQE_IO_LINK}, only order SQEs submitted together, and io_uring may retry a short
 * stream send after a later one was issued, so independent SQEs could interleave bytes.) Stream
 * sends carry {@code MSG_WAITALL}, so a send completes with all its bytes or an error.
 *
 * <p><b>Threads.</b> Any application thread calls in; the completion side runs on the reaping
 * thread. Modes are volatile; the queue and in-flight counters are guarded by this object's
 * monitor. The fd is the one native resource; {@link SocketCalls#close} closes it once.
 */
final class BaseSocket {

    final int slot;
    final int fd;
    /** Windows address family ({@code AF_INET} 2, {@code AF_INET6} 23), type and protocol. */
    final int af;
    final int type;
    final int protocol;
    /** Created with {@code WSA_FLAG_OVERLAPPED}. */
    final boolean overlapped;
    final int catalogEntryId;

    volatile long handle;
    volatile SocketHandle socketHandle;
    volatile boolean nonBlocking;
    volatile boolean connected;
    /** A nonblocking connect answered {@code WSAEWOULDBLOCK} and has not been seen to finish. */
    volatile boolean connecting;
    /** Has a local address (bind, connect, or a first sendto). */
    volatile boolean bound;
    volatile boolean listening;
    volatile boolean sendShut;
    volatile boolean receiveShut;
    volatile boolean closed;

    /** Guarded by {@code this}. */
    final ArrayDeque<IoRequest> waitingSends = new ArrayDeque<>();
    /** Guarded by {@code this}. */
    boolean sendInFlight;
    /** Overlapped receives submitted and not completed; guarded by {@code this}. */
    int receivesInFlight;

    BaseSocket(int slot, int fd, int af, int type, int protocol, boolean overlapped, int catalogEntryId) {
        this.slot = slot;
        this.fd = fd;
        this.af = af;
        this.type = type;
        this.protocol = protocol;
        this.overlapped = overlapped;
        this.catalogEntryId = catalogEntryId;
    }

    boolean isStream() {
        return type == org.jwsp.bindings.windows.ws2spi_h.SOCK_STREAM();
    }

    /**
     * A send wants the wire: true if the caller must submit it now, false if it was queued
     * behind the one in flight.
     */
    synchronized boolean admitSend(IoRequest send) {
        if (sendInFlight) {
            waitingSends.addLast(send);
            return false;
        }
        sendInFlight = true;
        return true;
    }

    /** The send in flight finished: the next one to submit, or null (then nothing is in flight). */
    synchronized IoRequest nextSend() {
        IoRequest next = waitingSends.pollFirst();
        sendInFlight = next != null;
        return next;
    }

    /** Takes every queued (not yet submitted) send, for close and {@code SIO_FLUSH}. */
    synchronized IoRequest[] drainWaitingSends() {
        IoRequest[] all = waitingSends.toArray(new IoRequest[0]);
        waitingSends.clear();
        return all;
    }
}
