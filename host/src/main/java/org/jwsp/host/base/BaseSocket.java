package org.jwsp.host.base;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;

import org.jwsp.host.kernel.Libc;
import org.jwsp.host.upcall.OverlappedStatus;
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
 * monitor.
 *
 * <p><b>Lifetime of the fd</b> (the one native resource). {@link #state} counts references: one
 * for the open {@code SOCKET} handle plus one per thread inside a proc-table call on it (taken by
 * {@link BaseSocketTable#acquire}, dropped by {@link #release}; one atomic each, no allocation), with
 * {@link #CLOSING} as its sign bit. {@code WSPCloseSocket} sets {@code CLOSING} (from then on
 * {@link #acquire} fails, so new calls answer {@code WSAENOTSOCK}), cancels and shuts the fd down
 * (blocked calls return) and drops the handle's reference; whoever drops the last reference
 * closes the fd. So no call can reach the fd's number after it was closed and reused by another
 * open: a call that got in holds the fd open until it leaves. Overlapped operations in flight do
 * not need a reference: io_uring takes its own reference to the file when the SQE is submitted
 * (inside the submitting call), and the next queued send is submitted under a reference taken
 * by the reaping thread ({@link OverlappedIo}).
 *
 * <p><b>Waiting for a completion</b> ({@code WSPGetOverlappedResult} with {@code fWait} and no
 * event: Windows waits on the socket handle, which every completion on it signals):
 * {@link #awaitCompletion}/{@link #signalCompletion} over the {@link #completions} monitor; the
 * waiter count and the {@code OVERLAPPED} status are ordered by full fences (Dekker), so the
 * completing thread takes the monitor only when someone waits.
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
    /** {@code SO_EXCLUSIVEADDRUSE} was set (Linux binds exclusively anyway unless SO_REUSEADDR is on). */
    volatile boolean exclusiveAddress;
    /** SO_SNDTIMEO / SO_RCVTIMEO as the program set them (DWORD ms; Linux would round them). */
    volatile int sendTimeoutMillis;
    volatile int receiveTimeoutMillis;

    /** Sign bit of {@link #state}: {@code WSPCloseSocket} has begun. */
    static final int CLOSING = Integer.MIN_VALUE;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(BaseSocket.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** References (the open handle's + one per call inside), {@link #CLOSING} as the sign bit. */
    private volatile int state = 1;
    /** Threads in {@link #awaitCompletion}; written under {@link #completions}, read by completers. */
    private volatile int completionWaiters;
    private final Object completions = new Object();

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

    /** <em>Hot.</em> Takes a call's reference; false once the socket is closing. */
    boolean acquire() {
        for (;;) {
            int v = state;
            if (v < 0) {
                return false;
            }
            if (STATE.compareAndSet(this, v, v + 1)) {
                return true;
            }
        }
    }

    /** <em>Hot.</em> Drops a reference; the last one after {@code CLOSING} closes the fd (exactly once). */
    void release() {
        if ((int) STATE.getAndAdd(this, -1) - 1 == CLOSING) {
            Libc.close(fd);
        }
    }

    /** A null-safe {@link #release} for {@code finally} blocks. */
    static void release(BaseSocket sock) {
        if (sock != null) {
            sock.release();
        }
    }

    /** Sets {@code CLOSING}; false if a close had already begun (double or concurrent close). */
    boolean markClosing() {
        for (;;) {
            int v = state;
            if (v < 0) {
                return false;
            }
            if (STATE.compareAndSet(this, v, v | CLOSING)) {
                return true;
            }
        }
    }

    /** {@code WSPCloseSocket} has begun on this socket. */
    boolean closing() {
        return state < 0;
    }

    /** References held now (the handle's and calls'), for tests and diagnostics. */
    int references() {
        return state & ~CLOSING;
    }

    /**
     * <em>Hot</em> (every completion). Wakes {@link #awaitCompletion} waiters, if any; called after
     * the {@code OVERLAPPED} status was written.
     */
    void signalCompletion() {
        VarHandle.fullFence(); // the status write before the waiter count read (pairs with awaitCompletion)
        if (completionWaiters > 0) {
            synchronized (completions) {
                completions.notifyAll();
            }
        }
    }

    /** Blocks until the operation of the {@code OVERLAPPED} at {@code ov} is no longer pending. */
    void awaitCompletion(long ov) throws InterruptedException {
        synchronized (completions) {
            completionWaiters++;
            try {
                VarHandle.fullFence(); // the waiter count write before the status read
                while (OverlappedStatus.isPending(ov)) {
                    completions.wait();
                }
            } finally {
                completionWaiters--;
            }
        }
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

    /** Takes the queued (not yet submitted) sends of {@code ov}, or all when it is 0, for {@code CancelIoEx}. */
    synchronized IoRequest[] takeWaitingSends(long ov) {
        if (ov == 0) {
            return drainWaitingSends();
        }
        IoRequest[] taken = waitingSends.stream().filter(r -> r.overlapped == ov).toArray(IoRequest[]::new);
        for (IoRequest r : taken) {
            waitingSends.remove(r);
        }
        return taken;
    }

    /** Takes every queued (not yet submitted) send, for close and {@code SIO_FLUSH}. */
    synchronized IoRequest[] drainWaitingSends() {
        IoRequest[] all = waitingSends.toArray(new IoRequest[0]);
        waitingSends.clear();
        return all;
    }
}
