package org.jwsp.provider;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;

/**
 * The one lower send a socket's {@link SubmissionQueue} is issuing, and the issuing itself, which
 * runs <em>outside</em> the socket lock so no sender, completion or close waits on the monitor
 * while the lower provider works.
 *
 * <p>The life of one issue: under the lock, a thread that finds the socket idle takes the job
 * ({@link SubmissionQueue#claim}, or {@link SubmissionQueue#submit} for a send on an idle socket):
 * the queue is then <em>issuing</em>, and {@link #build} (from the queue, merging) or
 * {@link #alone} record here what goes down (a leader, the WSABUF array and its count, the sends
 * it carries). Sends that arrive
 * meanwhile queue behind it as behind a send in flight (answered WSA_IO_PENDING). The thread
 * leaves the lock and {@link #call}s the lower provider; then it takes the lock again and the
 * queue applies the answer exactly as it did when the call ran under the lock. A packet for the
 * leader that reaches the completion worker before that (the lower send may complete on another
 * thread at once) is kept here ({@link #completedEarly}) and applied by the issuing thread.
 *
 * <p>Which thread issues: a caller whose send found the socket idle issues it itself
 * ({@code SendPath}, then {@link SubmissionQueue#submitted}); a job taken from the queue is
 * remembered in the thread's {@link ThreadScratch#issuing} until {@link #issueClaimed} runs it
 * after the lock ({@link CompletionDelivery#deliverAll} and {@link CompletionDelivery#delivered}
 * do, so every path that leaves a lock with a done list leaves with the job run). The WSABUF array it passes is the leader's own capture or the
 * socket's gather array, which nothing else writes while the queue is issuing.
 *
 * <p>Fields are read and written under the socket lock, except by the issuing thread during
 * {@link #call}, when no other thread touches them. Allocates nothing.
 */
final class LowerIssue {

    /**
     * A merged lower send grows to at most this many bytes: merging pays for small sends (fewer
     * system calls); past a few socket buffers' worth it only delays the completions it carries.
     */
    static final long MERGE_BYTES = 256 * 1024;

    /**
     * Test hook: run on the issuing thread outside the socket lock, right before the lower call,
     * with the leader ({@code ConcurrentIssueTest}). Null in production; a plain static read.
     */
    private static Consumer<OverlappedRequest> beforeLowerCall;
    /** Test hook: run right after the lower call returned, before the lock is taken again. Null in production. */
    private static Consumer<OverlappedRequest> afterLowerCall;

    /** The request whose OVERLAPPED leads the lower send being issued; null when none is. */
    OverlappedRequest leader;
    /** The sends the lower send carries (0 for a TransmitFile or TransmitPackets, which go alone). */
    int members;
    /** Whether the leader goes alone from its own capture ({@link SubmissionQueue#submit}: the caller applies the answer). */
    boolean direct;
    private long buffers;
    private int count;
    /** The lower provider's packet for the leader reached the worker while it was being issued. */
    boolean completedEarly;
    int earlyError;
    int earlyBytes;

    /** For tests: hooks around the lower call of every issue (null: none). */
    static void injectAroundLowerCall(Consumer<OverlappedRequest> before,
                                      Consumer<OverlappedRequest> after) {
        beforeLowerCall = before;
        afterLowerCall = after;
    }

    boolean active() {
        return leader != null;
    }

    /** Under the lock: {@code r} goes down alone from its own capture (or as a TransmitFile). */
    void alone(OverlappedRequest r) {
        prepare(r, r.buffers.array(), 0, r.buffers.count(), 0);
        direct = true;
    }

    /** Under the lock: the leader goes down with {@code count} WSABUFs at {@code array} + {@code at}, carrying {@code members} sends. */
    void prepare(OverlappedRequest leader, MemorySegment array, long at, int count, int members) {
        this.leader = leader;
        this.members = members;
        this.buffers = array.address() + at;
        this.count = count;
        this.direct = false;
        this.completedEarly = false;
        leader.atLower = true; // from now on its packet may come: see completedEarly
    }

    /**
     * Under the lock: the next lower send from the head of {@code queue} (not empty, its head not
     * held). A TransmitFile goes alone; a send with more WSABUFs than a gather array holds goes
     * alone from its own capture (trimmed past what a short completion sent, at most one lower
     * send's bytes); else the head and every consecutive waiting send with the same flags, up to
     * {@link #MERGE_BYTES}, are merged into the socket's gather array (descriptors only), led by
     * the head's OVERLAPPED and chained by {@link OverlappedRequest#nextInBatch}. Message-oriented
     * sockets never merge.
     */
    void build(SubmissionQueue queue) {
        SocketContext socket = queue.socket;
        OverlappedRequest leader = queue.waiting().pop();
        if (leader.kind == OverlappedRequest.TRANSMIT) {
            prepare(leader, leader.buffers.array(), 0, 0, 0);
            return;
        }
        OverlappedRequest next = queue.waiting().first();
        boolean alone = socket.messageOriented || next == null || next.held || next.flags != leader.flags
                || next.kind != OverlappedRequest.SEND;
        long max = WsaBufCapture.LOWER_SEND_MAX; // a larger send goes down in parts (see SubmissionQueue's split)
        if (leader.buffers.count() > SocketTable.GATHER_CAPACITY) {
            // More WSABUFs than a gather array holds: alone, from its own capture, trimmed past
            // what a short lower completion already sent, as many whole entries as a lower
            // send takes, or the first entry's first part when that alone is larger.
            int first = leader.buffers.skipSent(leader.sent);
            int n = leader.buffers.entriesWithin(first, max);
            if (n > 0) {
                prepare(leader, leader.buffers.array(), first * WsaBufCapture.SIZEOF_WSABUF, n, 1);
            } else {
                prepare(leader, socket.gather, 0, leader.buffers.copyTo(socket.gather, 0, SocketTable.GATHER_CAPACITY, first, 0, max), 1);
            }
            return;
        }
        if (alone && leader.sent == 0 && leader.buffers.totalBytes() <= max) {
            prepare(leader, leader.buffers.array(), 0, leader.buffers.count(), 1);
            return;
        }
        MemorySegment gather = socket.gather;
        int n = leader.buffers.copyTo(gather, 0, SocketTable.GATHER_CAPACITY, 0, leader.sent, max);
        long total = leader.remaining(); // past MERGE_BYTES when it was cut at max: nothing merges
        int merged = 1;
        OverlappedRequest last = leader;
        for (next = queue.waiting().first(); !socket.messageOriented && next != null && !next.held && next.flags == leader.flags
                && next.kind == OverlappedRequest.SEND && total + next.buffers.totalBytes() <= MERGE_BYTES; next = queue.waiting().first()) {
            int added = next.buffers.copyTo(gather, n, SocketTable.GATHER_CAPACITY, 0, 0, max);
            if (added < 0) {
                break;
            }
            n += added;
            total += next.buffers.totalBytes();
            OverlappedRequest member = queue.waiting().pop();
            merged++;
            last.nextInBatch = member;
            last = member;
        }
        prepare(leader, gather, 0, n, merged);
    }

    /** Under the lock (worker): the leader's packet came before its issuing thread took the lock back. */
    void completedEarly(int error, int bytes) {
        completedEarly = true;
        earlyError = error;
        earlyBytes = bytes;
    }

    /** Under the lock: the issue is over (its answer applied). */
    void end() {
        leader = null;
        completedEarly = false;
    }

    /**
     * Outside the lock, on the issuing thread: the lower call. Answers as {@link LowerProvider#sendRaw}
     * (count in {@code s.bytes}, code in {@code s.errno}); never throws, for the queue must hear an answer.
     */
    int call(SocketContext socket, ThreadScratch s) {
        OverlappedRequest r = leader;
        int rc;
        try {
            Consumer<OverlappedRequest> hook = beforeLowerCall;
            if (hook != null) {
                hook.accept(r);
            }
            rc = r.kind == OverlappedRequest.TRANSMIT ? r.transmitter.issue(r, socket, s)
                    : socket.lower.sendRaw(socket.lowerHandle, buffers, count, s.bytes.address(), r.flags, r.overlapped.address(),
                            s.errno.address());
            hook = afterLowerCall;
            if (hook != null) {
                hook.accept(r);
            }
        } catch (Throwable t) {
            Errno.fault(MemorySegment.NULL, "the lower WSPSend", t);
            s.errno.set(ValueLayout.JAVA_INT, 0, WsaCondition.PROVIDER_FAULT.code());
            rc = Errno.SOCKET_ERROR;
        }
        return rc;
    }

    /**
     * Outside the lock: if this thread took the job of issuing (under a lock it has left), issues
     * until the queue has nothing ready or results to deliver, then returns {@code done} (a done
     * list this thread is delivering already, or null) with the results of its issues appended
     * (counted as one delivery with it).
     */
    static OverlappedRequest issueClaimed(OverlappedRequest done, ThreadScratch s) {
        SubmissionQueue q = s.issuing;
        while (q != null) {
            s.issuing = null;
            int rc = q.issue.call(q.socket, s);
            synchronized (q.socket) {
                q.issued(rc, s); // may take the job again: s.issuing
                if (s.issuing == null) {
                    done = q.takeDoneJoining(done);
                }
            }
            q = s.issuing;
        }
        return done;
    }
}
