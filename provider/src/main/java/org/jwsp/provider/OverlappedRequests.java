package org.jwsp.provider;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The life of every overlapped operation jwsp issues (WSPSend, and the proxied WSPRecv,
 * WSPRecvFrom, WSPSendTo, WSPIoctl), written once. Each entry follows the same shape:
 *
 * {@snippet :
 * OverlappedRequest r = requests.acquire(kind, socket, lpOverlapped, routine, lpThreadId);
 * if (r == null) { ... WSAEWOULDBLOCK ... }
 * try {
 *     ... checks that may refuse (return SOCKET_ERROR) ...
 *     requests.markInProgress(r);                    // caller's OVERLAPPED: Internal = 0x103
 *     synchronized (socket) {
 *         requests.accept(r);                        // the operation's own reference
 *         result = requests.issued(r, lowerCall(...) / queue.submit(r));
 *     }
 *     if (result == 0) { ... requests.deliverAtOnce(r, sc); }
 * } finally {
 *     requests.end(r, sc);                           // no exception skips it
 * }
 * }
 *
 * <p>References ({@link OverlappedRequest#refs}): the caller holds one from {@link #acquire}
 * to {@link #end}; the operation holds one from {@link #accept} until its completion was
 * delivered (the completion worker, or the socket's done list, drops it), or until
 * {@link #issued} learns no completion will come; a queued APC holds one more. The request
 * goes back to the pool at zero, so it is released on whichever thread lets go last and never
 * while anyone can still reach it.
 *
 * <p>{@link #end} settles what the caller's part left open: an OVERLAPPED marked in progress
 * for an operation that was refused (by jwsp, by the lower provider, or by an exception)
 * receives the refusal as its result, without a completion indication, so
 * WSPGetOverlappedResult answers the code instead of WSA_IO_INCOMPLETE forever; a result the
 * lower provider gave at once and no one delivered yet is delivered. Then the caller's
 * reference is dropped.
 *
 * <p>Threads: the caller's methods run on the entry's client thread; {@link #accept} and
 * {@link #issued} under the socket's lock. Allocates nothing.
 */
final class OverlappedRequests {

    /** Acquired, caller's checks under way; no completion will come. */
    static final int ACQUIRED = 0;
    /** Handed to the lower provider or the socket's queue; the outcome is not known yet. */
    static final int ACCEPTED = 1;
    /** Refused after all: jwsp or the lower provider answered an error; no completion will come. */
    static final int REFUSED = 2;
    /** Pending: its completion comes through the port (or the socket's done list). */
    static final int PENDING = 3;
    /** Completed at once; the caller delivers the result. */
    static final int DONE_AT_ONCE = 4;
    /** Completed at once and delivered by the caller. */
    static final int DELIVERED = 5;

    private static final int IO_PENDING = org.jwsp.bindings.windows.ws2spi_h.WSA_IO_PENDING();

    /**
     * Test hook: run right after a caller's OVERLAPPED was marked in progress, to inject an
     * exception after acquire (RequestLifeTest). Null in production; a plain static read.
     */
    private static Runnable faultAfterMark;
    /**
     * Test hook: run by a caller that got a result at once, after it left the socket lock and
     * before it delivers (ImmediateCompletionCloseRaceTest). Null in production.
     */
    private static Runnable beforeDeliverAtOnce;

    private final RequestSlab slab;
    private final CompletionDelivery delivery;

    OverlappedRequests(RequestSlab slab, CompletionDelivery delivery) {
        this.slab = slab;
        this.delivery = delivery;
    }

    /** For tests: a fault every {@link #markInProgress} runs afterwards (null: none). */
    static void injectFaultAfterMark(Runnable fault) {
        faultAfterMark = fault;
    }

    /** For tests: runs in every {@link #deliverAtOnce} before the delivery (null: none). */
    static void injectBeforeDeliverAtOnce(Runnable hook) {
        beforeDeliverAtOnce = hook;
    }

    /**
     * A request for an overlapped operation on {@code socket}, with the caller's reference, or
     * null when the pool is empty (the entry answers WSAEWOULDBLOCK). {@code lpThreadId} is
     * copied (its WSATHREADID) when a completion routine is given.
     */
    OverlappedRequest acquire(int kind, SocketContext socket, long lpOverlapped, long routine, long lpThreadId) {
        OverlappedRequest r = slab.acquire(false);
        if (r == null) {
            // Before the pool grows (or answers WSAEWOULDBLOCK at its bound): requests whose
            // completion routine's thread has ended will never be released by their APC.
            if (delivery.apcsDue()) {
                delivery.sweep();
            }
            r = slab.acquire(true);
        }
        if (r != null) {
            r.begin(kind, socket, lpOverlapped, routine, lpThreadId);
            r.watchedThread = routine != 0 ? delivery.watch(ThreadScratch.get(), r.threadId) : 0;
        }
        return r;
    }

    /** Writes "in progress" into the caller's OVERLAPPED; from here {@link #end} settles it if no completion comes. */
    void markInProgress(OverlappedRequest r) {
        CompletionDelivery.markInProgress(r.callerOverlappedAddress);
        r.marked = true;
        Runnable fault = faultAfterMark;
        if (fault != null) {
            fault.run();
        }
    }

    /** Under the socket lock, before the lower provider or the queue can see {@code r}: the operation's reference. */
    void accept(OverlappedRequest r) {
        r.refs.incrementAndGet();
        r.stage = ACCEPTED;
    }

    /** Under the socket lock: jwsp itself refuses {@code r} (the socket is closing) with {@code code}. */
    int refuse(OverlappedRequest r, int code) {
        r.stage = REFUSED;
        r.error = code;
        return code;
    }

    /**
     * Under the socket lock, right after the lower call or the queue's submit: {@code result} is
     * 0 (completed at once; {@link OverlappedRequest#deliveredEarly} says whether a packet will
     * still come), WSA_IO_PENDING, or the refusal's WSAE code. Drops the operation's reference
     * when no completion will come for it. Returns {@code result}.
     */
    int issued(OverlappedRequest r, int result) {
        if (result == IO_PENDING) {
            r.stage = PENDING;
            return result;
        }
        AtomicInteger refs = r.refs;
        if (result == 0) {
            r.stage = DONE_AT_ONCE;
            r.socket.queue.deliveringAtOnce();
            if (!r.deliveredEarly) {
                refs.decrementAndGet(); // the caller still holds one: never the last
            }
            return 0;
        }
        r.stage = REFUSED;
        r.error = result;
        refs.decrementAndGet();
        return result;
    }

    /**
     * The lower provider completed {@code r} at once: the caller gives the indication now (no
     * lock held).
     *
     * @return false when no indication can reach the caller (its completion routine could not be
     *         queued): the entry must not answer success ({@link WsaCondition#ROUTINE_NOT_QUEUED})
     */
    boolean deliverAtOnce(OverlappedRequest r, ThreadScratch sc) {
        Runnable hook = beforeDeliverAtOnce;
        if (hook != null) {
            hook.run();
        }
        r.stage = DELIVERED;
        return deliverCounted(r, sc);
    }

    /**
     * Delivers a result given at once, then tells the socket's queue, which counted it in
     * {@link #issued} so WSPCloseSocket waits for it ({@link SubmissionQueue#quiet}): the handle
     * stays open until WPUCompleteOverlappedRequest has been told.
     */
    private boolean deliverCounted(OverlappedRequest r, ThreadScratch sc) {
        SocketContext socket = r.socket;
        try {
            return delivery.deliver(r, sc);
        } finally {
            delivery.deliverAll(delivery.delivered(socket, sc), sc); // sends that waited for this delivery
        }
    }

    /** The caller's part is over (a {@code finally}): settle what it left open, then drop its reference. */
    void end(OverlappedRequest r, ThreadScratch sc) {
        try {
            switch (r.stage) {
                case ACQUIRED, REFUSED -> {
                    if (r.watcher != null) {
                        // Passed by the filter, then refused (closed, or the lower provider said no): it still hears.
                        if (r.stage != REFUSED) {
                            r.error = WsaCondition.PROVIDER_FAULT.code();
                        }
                        CompletionDelivery.tellFilter(r, sc);
                    }
                    if (r.marked) {
                        CompletionDelivery.settleRefused(r.callerOverlappedAddress,
                                r.stage == REFUSED ? r.error : WsaCondition.PROVIDER_FAULT.code());
                    }
                }
                case DONE_AT_ONCE -> {
                    r.stage = DELIVERED;
                    deliverCounted(r, sc);
                }
                default -> {
                    // ACCEPTED (an exception inside the lower call: the operation keeps its
                    // reference), PENDING, DELIVERED: nothing left to the caller
                }
            }
        } finally {
            slab.unref(r);
        }
    }

    /** The live request a filter's ticket names, or null ({@link RequestSlab#ofTicket}). */
    OverlappedRequest ofTicket(long ticket) {
        return slab.ofTicket(ticket);
    }

    /** Requests out of the pool now (0 when every operation completed). */
    int inUse() {
        return slab.inUse();
    }
}
