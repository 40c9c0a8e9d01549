package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.kernel.KernelPort;

/**
 * jwsp's own I/O completion port and the worker thread that drains it. Every lower socket of
 * an overlapped jwsp socket is associated with this port (key = the socket's context value),
 * so each lower completion arrives here as a packet whose {@code lpOverlapped} is the OVERLAPPED
 * field of a {@link OverlappedRequest}: the request is found by arithmetic ({@link RequestSlab#ofOverlapped}).
 *
 * <p>Threads: one platform thread, "jwsp-completion", owns the dequeue loop: it dequeues up to
 * {@link #BATCH} packets at once, asks the lower provider for each operation's result
 * (WSPGetOverlappedResult, non-blocking), splits send results under the socket lock, issues the
 * next merged send, and delivers outside the lock. It is the only thread that reads
 * {@link #entries}. {@link #stop} posts a packet with {@link #STOP_KEY} and joins.
 * Memory: {@link #entries} belongs to the provider's arena.
 */
final class CompletionPort implements Runnable {

    private static final Logger LOG = LogManager.getLogger(CompletionPort.class);
    static final int BATCH = 64;
    static final long STOP_KEY = -1L;
    private static final long ENTRY_SIZE = OVERLAPPED_ENTRY.layout().byteSize();
    private static final long KEY_OFFSET = OVERLAPPED_ENTRY.lpCompletionKey$offset();
    private static final long OVERLAPPED_OFFSET = OVERLAPPED_ENTRY.lpOverlapped$offset();

    final long port;
    private final KernelPort kernel;
    private final RequestSlab slab;
    private final CompletionDelivery delivery;
    private final MemorySegment entries;
    private final Thread worker;

    CompletionPort(KernelPort kernel, RequestSlab slab, CompletionDelivery delivery, Arena arena) {
        this.kernel = kernel;
        this.slab = slab;
        this.delivery = delivery;
        this.port = kernel.createCompletionPort(1);
        this.entries = arena.allocate(OVERLAPPED_ENTRY.layout(), BATCH);
        this.worker = Thread.ofPlatform().daemon().name("jwsp-completion").unstarted(this);
    }

    void start() {
        worker.start();
    }

    /** Associates an overlapped lower socket with this port. */
    void associate(SocketContext s) {
        kernel.associate(port, s.lowerHandle, s.contextValue);
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
                try {
                    complete(ov, s);
                } catch (Throwable t) {
                    LOG.error("completion of request at {} failed", ov, t);
                }
            }
        }
    }

    private void complete(long ov, ThreadScratch s) {
        OverlappedRequest r = slab.ofOverlapped(ov);
        if (r == null || r.socket == null) {
            LOG.debug("packet for no live request of jwsp: {}", ov);
            return;
        }
        SocketContext socket = r.socket;
        int error = socket.lower.result(socket.lowerHandle, r.overlapped, s);
        int bytes = s.bytes();
        if (r.kind == OverlappedRequest.PROXY) {
            boolean early;
            synchronized (socket) {
                early = r.deliveredEarly;
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
