package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.kernel.KernelPort;

/**
 * jwsp's own I/O completion port and the worker thread that drains it. Every lower socket of
 * an overlapped jwsp socket is associated with this port (key = the socket's context value),
 * so each lower completion arrives here as a packet whose {@code lpOverlapped} is the OVERLAPPED
 * field of a {@link OverlappedRequest}: the request is found by arithmetic ({@link RequestSlab#ofOverlapped}).
 *
 * <p>Threads: one platform thread, "jwsp-completion", owns the dequeue loop: it dequeues up to
 * {@link #BATCH} packets at once, asks the lower provider for each operation's error
 * (WSPGetOverlappedResult, non-blocking; the byte count is the packet's own), splits send results under the socket lock, issues the
 * next merged send, and delivers outside the lock. It is the only thread that reads
 * {@link #entries}. {@link #stop} posts a packet with {@link #STOP_KEY} and joins.
 * Memory: {@link #entries} belongs to the provider's arena.
 */
final class CompletionPort implements Runnable {

    private static final Logger LOG = LogManager.getLogger(CompletionPort.class);
    static final int BATCH = 64;
    static final long STOP_KEY = -1L;
    private static final int SKIP_PORT_ON_SUCCESS = ws2spi_h.FILE_SKIP_COMPLETION_PORT_ON_SUCCESS();
    private static final long ENTRY_SIZE = OVERLAPPED_ENTRY.layout().byteSize();
    private static final long KEY_OFFSET = OVERLAPPED_ENTRY.lpCompletionKey$offset();
    private static final long OVERLAPPED_OFFSET = OVERLAPPED_ENTRY.lpOverlapped$offset();
    private static final long BYTES_OFFSET = OVERLAPPED_ENTRY.dwNumberOfBytesTransferred$offset();

    /** Test hook: run on the worker with a hold's key before it ends the hold ({@code HeldSendTest}). Null in production. */
    private static LongConsumer beforeHoldEnded;

    final long port;
    private final KernelPort kernel;
    private final RequestSlab slab;
    private final SocketTable sockets;
    private final CompletionDelivery delivery;
    private final MemorySegment entries;
    private final Thread worker;
    /** {@link ProviderSettings#skipLowerPortOnSuccess}. */
    private final boolean skipLowerPortOnSuccess;

    CompletionPort(KernelPort kernel, RequestSlab slab, SocketTable sockets, CompletionDelivery delivery, Arena arena,
                   boolean skipLowerPortOnSuccess) {
        this.skipLowerPortOnSuccess = skipLowerPortOnSuccess;
        this.kernel = kernel;
        this.slab = slab;
        this.sockets = sockets;
        this.delivery = delivery;
        this.port = kernel.createCompletionPort(1);
        this.entries = arena.allocate(OVERLAPPED_ENTRY.layout(), BATCH);
        this.worker = Thread.ofPlatform().daemon().name("jwsp-completion").unstarted(this);
    }

    void start() {
        worker.start();
    }

    /**
     * Associates an overlapped lower socket with this port. When the lower provider's sockets are
     * kernel handles ({@code lowerIfs}), it also asks that a lower call that succeeds at once queue
     * no packet (FILE_SKIP_COMPLETION_PORT_ON_SUCCESS): such a send or proxied operation is then
     * finished and delivered by the caller's own thread, and this worker never hears of it
     * ({@link SocketContext#lowerPostsImmediate}). Before WSPSocket publishes the socket.
     */
    void associate(SocketContext s, boolean lowerIfs) {
        kernel.associate(port, s.lowerHandle, s.contextValue);
        s.port = this;
        if (skipLowerPortOnSuccess && lowerIfs && kernel.setFileCompletionNotificationModes(s.lowerHandle, SKIP_PORT_ON_SUCCESS)) {
            s.lowerPostsImmediate = false;
        }
    }

    /**
     * Posts again, for a lower send of {@code s} led by {@code leader} that completed at once with
     * {@code bytes}, the packet the lower provider posted for it while it was being issued: the
     * worker then finishes it as a lower completion ({@link SubmissionQueue#applyEarly}). Under
     * the socket lock. False if the port is gone (the caller then finishes it itself).
     */
    boolean postAgain(SocketContext s, OverlappedRequest leader, int bytes) {
        return kernel.post(port, bytes, s.contextValue, leader.overlapped);
    }

    /**
     * Posts the packet that ends a hold of {@code s} ({@link SubmissionQueue}, "Holding"): the
     * socket's context value as key, no OVERLAPPED. Under the socket lock. False if the port is gone
     * (then nothing is held).
     */
    boolean hold(SocketContext s) {
        return kernel.post(port, 0, s.contextValue, MemorySegment.NULL);
    }

    @Override
    public void run() {
        ThreadScratch s = ThreadScratch.get();
        while (true) {
            int n = kernel.dequeue(port, entries, KernelPort.INFINITE, false);
            if (n == KernelPort.DEQUEUE_CLOSED) {
                return;
            }
            for (int i = 0; i < n; i++) {
                long key = entries.get(ValueLayout.JAVA_LONG, i * ENTRY_SIZE + KEY_OFFSET);
                long ov = entries.get(ValueLayout.JAVA_LONG, i * ENTRY_SIZE + OVERLAPPED_OFFSET);
                if (ov == 0 && key == STOP_KEY) {
                    return;
                }
                if (ov == 0) {
                    holdEnded(key, s);
                    continue;
                }
                int bytes = entries.get(ValueLayout.JAVA_INT, i * ENTRY_SIZE + BYTES_OFFSET);
                try {
                    complete(ov, bytes, s);
                } catch (Throwable t) {
                    LOG.error("completion of request at {} failed", ov, t);
                }
            }
        }
    }

    /**
     * One packet: {@code bytes} is its dwNumberOfBytesTransferred, the count the lower provider
     * posted with it. That count, not WSPGetOverlappedResult's, is the operation's: a socket closed
     * under its operation has no lower handle left to ask (the base then answers WSAENOTSOCK
     * without a count), and the packet still says what was really sent.
     */
    private void complete(long ov, int bytes, ThreadScratch s) {
        OverlappedRequest r = slab.ofOverlapped(ov);
        if (r == null || r.socket == null) {
            LOG.debug("packet for no live request of jwsp: {}", ov);
            return;
        }
        SocketContext socket = r.socket;
        int error = socket.lower.result(socket.lowerHandle, r.overlapped, s);
        // Once WSPCloseSocket closed the lower socket, the lower WSPGetOverlappedResult answers
        // WSAENOTSOCK (and no count): the operation was cut by the close.
        boolean lowerClosed = error == ws2spi_h.WSAENOTSOCK();
        if (r.kind == OverlappedRequest.PROXY) {
            if (lowerClosed) {
                error = WsaCondition.ABORTED.code(); // WSPCloseSocket cut it: aborted, as the base says it
            }
            boolean early;
            synchronized (socket) {
                early = r.deliveredEarly;
                if (error != 0 && socket.closing) {
                    // Ended by WSPCloseSocket: the lower socket is gone, so its WSPGetOverlappedResult
                    // can only say WSAENOTSOCK; the program must see what Windows reports for it.
                    error = WsaCondition.ABORTED.code();
                }
            }
            if (!early) {
                r.result(error, bytes, s.flags.get(ValueLayout.JAVA_INT, 0));
                delivery.deliver(r, s);
                synchronized (socket) {
                    socket.queue.proxyDelivered();
                }
            }
            slab.unref(r);
            return;
        }
        OverlappedRequest done;
        synchronized (socket) {
            socket.queue.onLowerCompletion(r, error, bytes, s);
            done = socket.queue.takeDone();
        }
        delivery.deliverAll(done, s);
    }

    /**
     * A hold's packet: the socket with context value {@code key}, if it is still that socket (not
     * closed, its slot not reused), issues what waited behind the hold. Never throws: the worker
     * must go on.
     */
    private void holdEnded(long key, ThreadScratch s) {
        try {
            LongConsumer hook = beforeHoldEnded;
            if (hook != null) {
                hook.accept(key);
            }
            SocketContext socket = sockets.of(key);
            if (socket == null) {
                return; // closed since
            }
            OverlappedRequest done;
            synchronized (socket) {
                if (socket.contextValue != key) {
                    return; // closed and its slot reused since the lookup: that socket's hold is not this one
                }
                socket.queue.holdEnded(s);
                done = socket.queue.takeDone();
            }
            delivery.deliverAll(done, s);
        } catch (Throwable t) {
            LOG.error("the end of a hold (socket context {}) failed", key, t);
        }
    }

    /** For tests: a hook the worker runs with each hold's key before it ends the hold (null: none). */
    static void injectBeforeHoldEnded(LongConsumer hook) {
        beforeHoldEnded = hook;
    }

    /** Stops the worker and closes the port (last WSPCleanup). */
    void stop() {
        kernel.post(port, 0, STOP_KEY, MemorySegment.NULL);
        try {
            worker.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kernel.closeHandle(port);
    }
}
