package org.jwsp.provider;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.windows.ws2spi_h;

/**
 * One socket's send order: the overlapped sends jwsp has accepted, issued to the lower
 * provider one gathered send at a time, in call order (the lower provider is FIFO, so the
 * bytes go out in the order the sends were supplied, however many threads call WSPSend).
 *
 * <p>While a lower send is in flight, new sends wait here; when it completes, every
 * consecutive waiting send with the same flags is merged into one gathered lower send, built
 * from their captured WSABUF arrays into the socket's gather array (descriptors only), led by
 * the first request's OVERLAPPED; its completion is split back over the members by byte count.
 * A member the lower provider consumed only in part keeps its place at the head and its
 * remainder goes in the next lower send. Message-oriented sockets are never merged.
 *
 * <p><b>Parts.</b> No lower send carries more than {@link WsaBufCapture#LOWER_SEND_MAX} bytes: a
 * send larger than that (up to 2^32 - 1, counts unsigned) is queued even on an idle socket and
 * issued from the gather array cut at the bound; its completion leaves it unfinished, at the
 * head, and the rest goes down next exactly as the remainder of a short lower completion does.
 *
 * <p><b>No hole in a stream.</b> When the lower provider refuses, at issue, a send jwsp has
 * already accepted, or fails a send at completion (other than with WSA_OPERATION_ABORTED, which
 * WSPCloseSocket and SIO_FLUSH ask for), the bytes behind it can no longer follow
 * in order: on a stream socket the queue {@linkplain #broken breaks}. That lower send's members
 * complete with the lower provider's code (a "try again" code, which means nothing as a
 * completion status, becomes {@link WsaCondition#STREAM_BROKEN}); every send still waiting, and
 * every later send, fails with {@link WsaCondition#STREAM_BROKEN} (WSAECONNABORTED).
 *
 * <p>Threads: every method runs under the owning {@link SocketContext}'s monitor (callers of
 * WSPSend, the completion worker, WSPCloseSocket/SIO_FLUSH, filter releases). Requests that
 * finish are collected on a done list and delivered by the caller after it leaves the lock
 * ({@link #takeDone}), so no upcall to ws2_32 or the client runs under the lock.
 *
 * <p><b>Issuing outside the lock.</b> No lower call (WSPSend, TransmitFile, TransmitPackets) runs
 * under the lock either: the thread that takes the job ({@link #claim}, or {@link #submit}'s
 * {@link #CALL_LOWER}) calls it after the lock ({@link LowerIssue}) and applies the answer under
 * it again ({@link #issued}, {@link #submitted}). Meanwhile the queue is <em>issuing</em>, as busy
 * as with a send in flight: sends queue and merge behind it, close and SIO_FLUSH abort those
 * ({@link #abortWaiting}), {@link #drained} and {@link #quiet} wait for it, WSPCloseSocket closes
 * the lower socket only after it ({@link Until#ISSUED}), and its packet, if it reaches the worker
 * first, is left to the issuing thread ({@link #onLowerCompletion}).
 *
 * <p><b>Completions in call order.</b> Results are delivered on more than one thread (the
 * completion worker delivers done lists, a caller whose send completed at once delivers its own),
 * so the queue issues nothing while a delivery is under way ({@code delivering}): a send that
 * arrives then waits here (answered WSA_IO_PENDING) instead of completing at once, and the thread
 * whose delivery ends last issues it ({@link #delivered}). Without this a send completed at once
 * could reach the caller's port, and the filter's {@code onComplete}, before earlier sends of the
 * same socket still being delivered on the worker.
 *
 * <p><b>Holding.</b> Where the lower socket skips the port on success, the socket may be
 * <em>held</em> after an at-once lower send so later sends wait and merge; when, is
 * {@link HoldRule}'s. The held send's members are finished at once (the kernel took their bytes;
 * their thread delivers them); what holds is {@code held}, ended by the one packet the hold posted
 * to jwsp's port ({@link #holdEnded}). Like a send in flight it makes later sends wait, but
 * nothing of it is at the lower provider, so {@link #quiet} and {@link #drained} do not wait
 * for it, and a close needs nothing from it: its packet then finds no socket.
 */
final class SubmissionQueue {

    private static final Logger LOG = LogManager.getLogger(SubmissionQueue.class);
    private static final int PENDING = ws2spi_h.WSA_IO_PENDING();
    private static final int ABORTED = ws2spi_h.WSA_OPERATION_ABORTED();
    private static final int WOULD_BLOCK = ws2spi_h.WSAEWOULDBLOCK();
    private static final int NO_BUFFERS = ws2spi_h.WSAENOBUFS();
    private static final int IN_PROGRESS = ws2spi_h.WSAEINPROGRESS();

    /** {@link #submit}'s answer when the caller is to issue its send itself: outside the lock, then {@link #submitted}. */
    static final int CALL_LOWER = Integer.MIN_VALUE;

    final SocketContext socket;
    /** The lower send being issued outside the lock, if any ({@link LowerIssue#active}). */
    final LowerIssue issue = new LowerIssue();
    /** Sends waiting for their turn, in call order. */
    private final WaitingSends waiting = new WaitingSends();
    /** Leader of the lower send in flight, or null. */
    private OverlappedRequest inFlight;
    /** Requests finished and not yet taken for delivery. */
    private final DoneList done = new DoneList();
    /** Scratch of {@link #split}: the sends a lower completion cut short, on their way back to the front. */
    private final WaitingSends unfinished = new WaitingSends();
    /** Synchronous sends now inside the lower provider: overlapped ones queue behind them. */
    private int syncInProgress;
    /** Threads waiting in {@link #await} on the socket monitor. */
    private int waiters;
    /** Done lists taken ({@link #takeDone}) and not yet delivered ({@link #delivered}). */
    private int delivering;
    /** Proxied overlapped operations (WSPRecv, WSPSendTo, WSPIoctl...) pending at the lower provider. */
    private int proxiesPending;
    /** 0 while the stream keeps its order; else the code every later send fails with ({@link #broken}). */
    private int brokenCode;
    /** When to hold an at-once lower send (see "Holding"). */
    private final HoldRule holdRule = new HoldRule();
    /**
     * An at-once lower send is held: its sends are finished, and new ones wait until the worker
     * takes the hold's packet from jwsp's port ({@link #holdEnded}). One packet per hold.
     */
    private boolean held;
    /** A WSPShutdown's {@code how} to pass down once the queue drains ({@link #shutdownWhenDrained}), or -1. */
    private int deferredShutdown = -1;

    /** What a thread waits for in {@link #await}. */
    enum Until {
        /** {@link #drained}, or the socket is closing: a synchronous send or SD_SEND may go on. */
        DRAINED_OR_CLOSING,
        /** {@link #quiet}: WSPCloseSocket may close the client's handle. */
        QUIET,
        /** No lower send is being issued: WSPCloseSocket may close the lower socket. */
        ISSUED
    }

    SubmissionQueue(SocketContext socket) {
        this.socket = socket;
    }

    /**
     * The one wait of jwsp's entries: on the socket's monitor, which the caller holds, until
     * {@code until} holds or {@code timeoutMillis} passed (0: no limit). The waiter is counted,
     * so every change that can make it hold wakes it ({@link #wakeWaiters}).
     *
     * @return whether {@code until} holds
     */
    boolean await(Until until, long timeoutMillis) throws InterruptedException {
        long deadline = timeoutMillis > 0 ? System.nanoTime() + timeoutMillis * 1_000_000 : 0;
        while (!holds(until)) {
            long waitMillis = 0;
            if (timeoutMillis > 0) {
                waitMillis = (deadline - System.nanoTime()) / 1_000_000;
                if (waitMillis <= 0) {
                    return false;
                }
            }
            waiters++;
            try {
                socket.wait(waitMillis);
            } finally {
                waiters--;
            }
        }
        return true;
    }

    private boolean holds(Until until) {
        return switch (until) {
            case QUIET -> quiet();
            case ISSUED -> !issue.active();
            case DRAINED_OR_CLOSING -> drained() || socket.closing;
        };
    }

    /** A synchronous send enters the lower provider; overlapped sends queue behind it until {@link #endSync}. */
    void beginSync() {
        syncInProgress++;
    }

    void reset() {
        waiting.takeAll();
        done.take();
        inFlight = null;
        issue.end();
        syncInProgress = 0;
        // not waiters: threads of the slot's previous socket may still be waiting on the monitor
        // (they wake, see it closed or reused, and leave, each counting itself out)
        delivering = 0;
        proxiesPending = 0;
        brokenCode = 0;
        deferredShutdown = -1;
        holdRule.reset();
        held = false; // a packet still out for it names the old context value: the worker finds no socket
    }

    /**
     * WSPShutdown came while sends are queued: the lower socket is shut down with {@code how}
     * when they have gone out (or failed), so the FIN follows every byte jwsp accepted before.
     * The lower provider's answer then reaches no one (the caller was told 0); a closing socket
     * skips it (the close ends everything).
     */
    void shutdownWhenDrained(int how) {
        deferredShutdown = how;
    }

    /** Passes a deferred WSPShutdown down once nothing of jwsp's is queued or in flight. */
    private void shutdownIfDrained(ThreadScratch s) {
        if (deferredShutdown < 0 || !drained() || syncInProgress > 0) {
            return;
        }
        int how = deferredShutdown;
        deferredShutdown = -1;
        if (!socket.closing && socket.lower.shutdown(socket.lowerHandle, how, s.errno) != 0) {
            LOG.debug("deferred WSPShutdown({}) of the lower socket failed: {}", how, s.errno());
        }
    }

    /**
     * 0 while sends may go on; else the code a new send fails with: a stream whose order jwsp
     * could not keep (see the class comment).
     */
    int broken() {
        return brokenCode;
    }

    /** Nothing of jwsp's is queued or in flight, so a synchronous send keeps the order. */
    boolean drained() {
        return inFlight == null && waiting.isEmpty() && !issue.active();
    }

    /**
     * Nothing of this socket is at the lower provider or on its way to the client: no send in
     * flight or inside a synchronous call, no done list or result given at once being delivered, no proxied operation
     * pending. WSPCloseSocket waits for this before it closes the client's handle, so every
     * completion still reaches the client through that handle (its port, not only its event).
     */
    boolean quiet() {
        return inFlight == null && !issue.active() && syncInProgress == 0 && delivering == 0 && proxiesPending == 0;
    }

    /**
     * Accepts an overlapped send (caller thread). When the socket is idle the send goes to the
     * lower provider at once from its own capture, issued by the caller outside the lock.
     *
     * <p>The caller has taken the operation's reference ({@link OverlappedRequests#accept}).
     *
     * @return {@link #CALL_LOWER} when the caller is to issue it ({@link LowerIssue#call} after
     *         the lock, then {@link #submitted} under it), WSA_IO_PENDING when queued, else the
     *         code the socket refuses sends with (nothing kept, no completion will be indicated)
     */
    int submit(OverlappedRequest r, ThreadScratch s) {
        if (brokenCode != 0) {
            return brokenCode;
        }
        if (inFlight != null || held || issue.active() || !waiting.isEmpty() || syncInProgress > 0 || r.held || delivering > 0
                || !done.isEmpty()) {
            waiting.append(r);
            return PENDING;
        }
        if (r.kind == OverlappedRequest.SEND && r.buffers.totalBytes() > WsaBufCapture.LOWER_SEND_MAX) {
            // More than one lower send takes: it goes down in parts from the queue, which splits it
            // and re-issues the rest as for a short completion; if the parts complete at once, the
            // caller finds it on the done list (takeDone) and delivers it after the lock.
            waiting.append(r);
            pump(s);
            return PENDING;
        }
        issue.alone(r);
        return CALL_LOWER;
    }

    /**
     * The lower provider's answer to a send {@link #submit} gave its caller to issue (the caller,
     * back under the lock): as the lower provider answered it when {@link #submit} called it.
     *
     * @return 0 when the lower provider completed it at once ({@code r.transferred} set; the
     *         caller delivers), WSA_IO_PENDING when in flight (or completed already: it is then on
     *         the done list), else the lower provider's error (nothing kept, no completion)
     */
    int submitted(OverlappedRequest r, int rc, ThreadScratch s) {
        boolean early = issue.completedEarly;
        int earlyError = issue.earlyError;
        int earlyBytes = issue.earlyBytes;
        issue.end();
        int result;
        if (rc == 0) {
            r.result(0, s.bytes(), 0);
            r.sent = s.bytes() & 0xFFFF_FFFFL; // a DWORD
            if (socket.lowerPostsImmediate) {
                // Its packet will still come: the operation's reference (taken by the caller) waits for it.
                r.deliveredEarly = true;
                inFlight = r;
            } else {
                r.atLower = false;
                if (r.kind == OverlappedRequest.SEND && holds()) {
                    hold();
                }
            }
            result = 0;
        } else {
            result = s.errno();
            if (result == PENDING) {
                inFlight = r;
            } else {
                r.atLower = false;
            }
        }
        if (early) {
            applyEarly(r, rc == 0, earlyError, earlyBytes);
        }
        if (result != 0) {
            // Sends that queued behind it while it was issued go on (not after an at-once result:
            // its caller delivers it first, and the delivery's end issues them, see "Completions in call order").
            pump(s);
        }
        wakeWaiters();
        return result;
    }

    /** Whether to hold the at-once send being issued (see "Holding"). */
    private boolean holds() {
        return socket.port != null && !socket.lowerPostsImmediate && !socket.messageOriented && holdRule.holdsNext();
    }

    /** Holds the socket after an at-once lower send: later sends wait until the worker takes the hold's packet. */
    private void hold() {
        held = socket.port.hold(socket);
    }

    /**
     * The worker took a hold's packet ({@link CompletionPort#hold}): the sends that waited behind
     * it go down as one merged send, or, if none did, the hold merged nothing.
     */
    void holdEnded(ThreadScratch s) {
        if (!held) {
            return;
        }
        held = false;
        if (waiting.isEmpty()) {
            holdRule.mergedNothing();
        }
        pump(s);
        wakeWaiters();
    }

    /**
     * The lower send led by {@code leader} completed (completion worker). A packet for a request
     * that has no send at the lower provider (a lower that completed twice) changes nothing and is
     * logged once per socket: its caller heard, or will hear, of the first completion only.
     */
    void onLowerCompletion(OverlappedRequest leader, int error, int bytes, ThreadScratch s) {
        if (leader.atLower && issue.leader == leader && !issue.completedEarly) {
            // Completed before the thread issuing it took the lock back: that thread applies it.
            issue.completedEarly(error, bytes);
            return;
        }
        if (!leader.atLower || issue.leader == leader) {
            lowerMisbehaved(error, bytes);
            return;
        }
        lowerCompleted(leader, error, bytes);
        pump(s);
        wakeWaiters();
    }

    private void lowerCompleted(OverlappedRequest leader, int error, int bytes) {
        leader.atLower = false;
        if (inFlight == leader) {
            inFlight = null;
        }
        split(leader, error, bytes);
        if (waiting.isEmpty()) {
            holdRule.mergedNothing(); // nothing queued behind it to merge
        }
    }

    /**
     * The packet that came while {@code leader} was issued ({@link LowerIssue#completedEarly}).
     * For a send the lower provider completed at once and still posted for (no skip mode), that
     * packet is what keeps the send in flight so later sends queue and merge behind it, as they
     * did while the worker had to wait for the lock: it is posted again to jwsp's port and the
     * worker applies it then, exactly once. Otherwise it is applied now.
     */
    private void applyEarly(OverlappedRequest leader, boolean atOnce, int error, int bytes) {
        if (atOnce && socket.lowerPostsImmediate && leader.atLower && socket.port != null && socket.port.postAgain(socket, leader, bytes)) {
            return;
        }
        completedWhileIssuing(leader, error, bytes);
    }

    /** The packet that came while {@code leader} was issued, applied now that its answer is: once, if it is in flight. */
    private void completedWhileIssuing(OverlappedRequest leader, int error, int bytes) {
        if (leader.atLower) {
            lowerCompleted(leader, error, bytes);
        } else {
            lowerMisbehaved(error, bytes); // a packet for a send it answered at once (or refused)
        }
    }

    private void lowerMisbehaved(int error, int bytes) {
        if (!socket.lowerMisbehaviourLogged) {
            socket.lowerMisbehaviourLogged = true;
            LOG.warn("the lower provider completed a send of socket {} that it had completed already (error {}, {} bytes): ignored "
                    + "(logged once per socket)", socket.handle, error, Integer.toUnsignedLong(bytes));
        }
    }

    /**
     * WSPCloseSocket gave up waiting for the lower provider, which never completed the send it
     * holds: that send (and the sends merged into it) end with WSA_OPERATION_ABORTED and the bytes
     * counted so far, as a close reports what it cuts, instead of never; a late packet for it is
     * ignored ({@code atLower} cleared). The leader keeps one reference for good: the lower
     * provider may still write its OVERLAPPED, so its record is not reused before cleanup.
     */
    void abandonInFlight() {
        OverlappedRequest r = inFlight;
        if (r == null || !r.atLower) {
            return;
        }
        r.atLower = false;
        inFlight = null;
        r.refs.incrementAndGet(); // quarantined until the runtime's memory goes
        LOG.warn("the lower provider never completed a send of socket {}: ended with WSA_OPERATION_ABORTED at close", socket.handle);
        split(r, ABORTED, 0);
        wakeWaiters();
    }

    /** A filter released a held send. */
    void release(OverlappedRequest r, ThreadScratch s) {
        r.held = false;
        pump(s);
    }

    /** A synchronous send left the lower provider. */
    void endSync(ThreadScratch s) {
        syncInProgress--;
        pump(s);
        wakeWaiters();
    }

    /** Close or SIO_FLUSH: every send still waiting here ends with WSA_OPERATION_ABORTED. */
    void abortWaiting() {
        finishAll(waiting.takeAll(), WsaCondition.ABORTED.code());
        shutdownIfDrained(ThreadScratch.get());
        wakeWaiters();
    }

    /**
     * Requests finished since the last call; the caller delivers them after unlocking
     * ({@link CompletionDelivery#deliverAll}, which reports {@link #delivered}).
     */
    OverlappedRequest takeDone() {
        OverlappedRequest d = done.take();
        if (d != null) {
            delivering++;
        }
        return d;
    }

    /**
     * {@link #takeDone} for the thread that issued ({@link LowerIssue#issueClaimed}): with no done
     * list of its own, as {@link #takeDone}; else the requests finished since are appended to
     * {@code done}, which that thread is delivering already (one delivery, counted once).
     */
    OverlappedRequest takeDoneJoining(OverlappedRequest delivering) {
        if (delivering == null) {
            return takeDone();
        }
        done.appendTo(delivering);
        return delivering;
    }

    /**
     * A caller got a result at once and will deliver it after leaving the lock: counted like a
     * done list, so {@link #quiet} waits for it ({@link #delivered} when done).
     */
    void deliveringAtOnce() {
        delivering++;
    }

    /**
     * A done list taken from {@link #takeDone}, or a result given at once, has been delivered:
     * when it was the last delivery under way, the sends that waited for it are issued (their
     * results, if given at once, are on the done list for the caller to take).
     */
    void delivered(ThreadScratch s) {
        delivering--;
        if (delivering == 0) {
            pump(s);
        }
        wakeWaiters();
    }

    /** A proxied operation went pending at the lower provider; its packet will come to the worker. */
    void proxyPending() {
        proxiesPending++;
    }

    /** The worker delivered a proxied operation's completion. */
    void proxyDelivered() {
        proxiesPending--;
        wakeWaiters();
    }

    /** Wakes synchronous senders waiting for {@link #drained}, WSPCloseSocket waiting for {@link #quiet} or {@link Until#ISSUED}. */
    private void wakeWaiters() {
        if (waiters > 0 && (drained() || quiet() || socket.closing && !issue.active())) {
            socket.notifyAll();
        }
    }

    /** Finishes every request of the chain {@code r} (linked through {@code next}) with {@code error} and the bytes each sent. */
    private void finishAll(OverlappedRequest r, int error) {
        while (r != null) {
            OverlappedRequest next = r.next;
            r.next = null;
            done.finish(r, error, (int) r.sent);
            r = next;
        }
    }

    /**
     * Ends the batch led by {@code leader} with a lower completion ({@link BatchSplit}); sends cut
     * short go back to the front, in order; a failure other than an asked-for abort breaks a stream.
     */
    private void split(OverlappedRequest leader, int error, int bytes) {
        BatchSplit.split(socket, leader, error, bytes, done, unfinished);
        if (error != 0 && error != ABORTED && !socket.closing && !socket.messageOriented) {
            // (an aborted send was asked for: WSPCloseSocket or SIO_FLUSH, which discard by design)
            breakStream();
        }
        waiting.pushFront(unfinished);
    }

    /** Takes the job of issuing the waiting sends if the socket is idle, then a deferred shutdown once drained. */
    private void pump(ThreadScratch s) {
        claim(s);
        shutdownIfDrained(s);
    }

    /**
     * While the socket is idle and sends wait: takes the job of issuing the next lower send for
     * this thread ({@code s.issuing}; it calls the lower provider after the lock, see
     * {@link LowerIssue}), built from the head of the queue ({@link LowerIssue#build}).
     */
    private void claim(ThreadScratch s) {
        if (issue.active() || inFlight != null || held || syncInProgress > 0 || delivering > 0 || waiting.isEmpty()
                || waiting.first().held || socket.closing) {
            return;
        }
        s.issuing = this;
        issue.build(this);
    }

    /**
     * What the lower provider answered to the lower send this thread issued from the queue (back
     * under the lock): 0 (count in {@code s.bytes}) or SOCKET_ERROR (code in {@code s.errno}).
     * Applied as a packet would be; then, unless results wait to be delivered, this thread takes
     * the job of issuing what queued meanwhile ({@code s.issuing}).
     */
    void issued(int rc, ThreadScratch s) {
        OverlappedRequest leader = issue.leader;
        int members = issue.members;
        boolean early = issue.completedEarly;
        int earlyError = issue.earlyError;
        int earlyBytes = issue.earlyBytes;
        issue.end();
        if (members > 0 && socket.port != null && !socket.lowerPostsImmediate && !socket.messageOriented) {
            holdRule.issued(members);
        }
        if (rc == 0 && socket.lowerPostsImmediate) {
            inFlight = leader;
        } else if (rc == 0) {
            leader.atLower = false;
            split(leader, 0, s.bytes());
            if (members > 0 && holdRule.holding()) {
                hold();
            }
        } else if (s.errno() == PENDING) {
            inFlight = leader;
        } else {
            leader.atLower = false;
            split(leader, completionCode(s.errno()), 0);
        }
        if (early) {
            applyEarly(leader, rc == 0, earlyError, earlyBytes);
        }
        if (done.isEmpty()) {
            pump(s); // the next lower send; with results to deliver, the delivery's end issues it
        } else {
            shutdownIfDrained(s);
        }
        wakeWaiters();
    }

    /**
     * A refusal at issue as the completion status of a send that was answered WSA_IO_PENDING:
     * a code that says "try again" cannot be one (the send cannot be retried in its place).
     */
    private int completionCode(int refusal) {
        if (socket.messageOriented) {
            return refusal;
        }
        return refusal == WOULD_BLOCK || refusal == NO_BUFFERS || refusal == IN_PROGRESS || refusal == PENDING
                ? WsaCondition.STREAM_BROKEN.code() : refusal;
    }

    /** The stream lost its order: every send still waiting fails, and so will every later one. */
    private void breakStream() {
        brokenCode = WsaCondition.STREAM_BROKEN.code();
        finishAll(waiting.takeAll(), brokenCode);
    }

    /** The sends waiting for their turn ({@link LowerIssue#build} takes them off in order). */
    WaitingSends waiting() {
        return waiting;
    }
}
