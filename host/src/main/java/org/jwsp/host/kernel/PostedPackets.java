package org.jwsp.host.kernel;

import java.util.Arrays;

/**
 * The packets posted to one {@link CompletionPortObject} ({@code PostQueuedCompletionStatus},
 * {@code WPUCompleteOverlappedRequest}) and not yet dequeued, in the order they were posted, plus
 * the two facts the port needs to post without entering the kernel: how many threads sleep on the
 * port's ring, and whether a doorbell (a NOP that makes the ring readable) is already on its way.
 *
 * <p><b>Order with the ring.</b> Each packet carries its <em>mark</em>: the ring's CQ tail when it
 * was posted, i.e. how many CQEs had arrived before it. The port hands out a packet before the
 * CQE at index {@code mark} and after every CQE before it, so the port stays one FIFO of what
 * arrived, as a Windows port is (posts among themselves are strictly FIFO).
 *
 * <p><b>Sleepers and the doorbell.</b> A thread registers as a sleeper ({@link #sleep}) with its
 * last look at this queue under the same monitor, then waits in {@code poll} on the ring fd. A
 * post enqueues under the monitor and, in that same critical section, decides whether it must
 * ring ({@link #post} returns true): only when someone sleeps and no doorbell is pending. So either
 * the sleeper saw the packet in its last look, or the poster saw the sleeper and rings. A pending
 * doorbell (its CQE not yet reaped) keeps the ring fd readable, which wakes every sleeper; its
 * reaper clears the flag ({@link #doorbellAnswered}), and a reaper that leaves packets behind while
 * threads sleep rings again ({@link #needsDoorbell}), so a packet is never left with every waiter
 * asleep.
 *
 * <p>Circular parallel arrays under the object's monitor; posting allocates nothing unless the
 * queue must grow (it doubles). Any thread posts; reapers (under the ring's reap lock) take. No
 * native memory.
 */
final class PostedPackets {

    /** Receives a packet taken from the queue (the port's reaper writes it as an OVERLAPPED_ENTRY). */
    interface Sink {
        void packet(long key, long overlapped, int bytes);
    }

    /** {@link #cqesBeforeOldest} when the queue is empty. */
    static final int NONE = Integer.MAX_VALUE;

    private long[] keys = new long[64];
    private long[] overlappeds = new long[64];
    private int[] bytes = new int[64];
    private int[] marks = new int[64];
    private int head;  // index of the oldest packet (masked)
    private int count;
    /** Written under the monitor; read without it by a reaper's quick "anything posted?" look. */
    private volatile int size;
    private int sleepers;
    private boolean doorbellPending;

    /**
     * Queues a packet posted when the CQ tail was {@code mark}; true if the caller must now ring
     * the doorbell (a thread sleeps and none is pending: the flag is set for the caller).
     */
    synchronized boolean post(int byteCount, long key, long overlapped, int mark) {
        if (count == keys.length) {
            grow();
        }
        int at = (head + count) & (keys.length - 1);
        keys[at] = key;
        overlappeds[at] = overlapped;
        bytes[at] = byteCount;
        marks[at] = mark;
        size = ++count;
        return claimDoorbell();
    }

    private void grow() {
        int n = keys.length * 2;
        keys = unwrap(keys, n);
        overlappeds = unwrap(overlappeds, n);
        int[] b = new int[n], m = new int[n];
        for (int i = 0; i < count; i++) {
            int from = (head + i) & (bytes.length - 1);
            b[i] = bytes[from];
            m[i] = marks[from];
        }
        bytes = b;
        marks = m;
        head = 0;
    }

    private long[] unwrap(long[] a, int n) {
        long[] r = new long[n];
        int first = Math.min(count, a.length - head);
        System.arraycopy(a, head, r, 0, first);
        System.arraycopy(a, 0, r, first, count - first);
        return r;
    }

    /**
     * How many CQEs from {@code cqHead} on arrived before the oldest packet (0: the packet goes
     * first), or {@link #NONE} if nothing is queued.
     */
    int cqesBeforeOldest(int cqHead) {
        if (size == 0) {
            return NONE;
        }
        synchronized (this) {
            return count == 0 ? NONE : Math.max(0, marks[head] - cqHead);
        }
    }

    /**
     * Hands {@code sink} the packets, oldest first, that arrived before the CQE at {@code cqHead}
     * (at least the oldest one), at most {@code max}; returns how many.
     */
    synchronized int take(int cqHead, int max, Sink sink) {
        int n = 0;
        while (count > 0 && n < max && (n == 0 || marks[head] - cqHead <= 0)) {
            sink.packet(keys[head], overlappeds[head], bytes[head]);
            head = (head + 1) & (keys.length - 1);
            count--;
            n++;
        }
        size = count;
        return n;
    }

    /**
     * A thread's last look before it sleeps on the ring: false if packets are queued (take them
     * instead), else the thread is counted as a sleeper until {@link #awake}.
     */
    synchronized boolean sleep() {
        if (count > 0) {
            return false;
        }
        sleepers++;
        return true;
    }

    /** The thread is back from its wait (woken, timed out or interrupted). */
    synchronized void awake() {
        sleepers--;
    }

    /** The doorbell's CQE was reaped: the next post that finds a sleeper rings again. */
    synchronized void doorbellAnswered() {
        doorbellPending = false;
    }

    /** A ring of the doorbell failed: the next post or reaper tries again. */
    synchronized void doorbellFailed() {
        doorbellPending = false;
    }

    /** After a reap: true if packets are left while threads sleep and no doorbell is pending (the flag is set). */
    synchronized boolean needsDoorbell() {
        return count > 0 && claimDoorbell();
    }

    private boolean claimDoorbell() {
        if (sleepers == 0 || doorbellPending) {
            return false;
        }
        doorbellPending = true;
        return true;
    }

    /** Packets posted and not yet dequeued. */
    int queued() {
        return size;
    }

    /** Threads asleep on the port right now (for tests and diagnostics). */
    synchronized int sleepers() {
        return sleepers;
    }
}
