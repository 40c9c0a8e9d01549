package org.jwsp.samples.filter;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.jwsp.provider.filter.SendFilters;
import org.jwsp.provider.filter.SendView;

/**
 * Traffic shaping with {@link SendFilters#DELAY}: {@link #hold} parks an overlapped send's ticket
 * in a fixed ring and answers DELAY (the program gets WSA_IO_PENDING, the bytes wait in jwsp);
 * the pacer's own thread releases one ticket every {@code 1 / sendsPerSecond} seconds with
 * {@link SendFilters#release}, in the order they were held, and jwsp then sends it and
 * indicates its completion as usual.
 *
 * <p>{@link #hold} runs on the sending threads (a short lock, no allocation); a synchronous send
 * cannot be held, so it passes. When the ring is full {@link #hold} answers WSAEWOULDBLOCK, the
 * Winsock code for "too many outstanding overlapped requests". {@link #close()} stops the thread
 * after releasing every ticket still held, so no send is left hanging.
 */
public final class Pacer implements AutoCloseable {

    private final long[] ring;
    private int head;
    private int size;
    private final long periodNanos;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long released;

    /** Releases at most {@code sendsPerSecond} held sends per second; holds at most {@code capacity}. */
    public Pacer(int sendsPerSecond, int capacity) {
        ring = new long[capacity];
        periodNanos = TimeUnit.SECONDS.toNanos(1) / sendsPerSecond;
        thread = Thread.ofPlatform().daemon().name("jwsp-pacer").start(this::run);
    }

    /** A policy answer for one send: DELAY (ticket kept), PASS for a synchronous send, or WSAEWOULDBLOCK. */
    public int hold(SendView send) {
        if (send.ticket() == 0) {
            return SendFilters.PASS;
        }
        synchronized (this) {
            if (size == ring.length) {
                return SendFilters.WSAEWOULDBLOCK;
            }
            ring[(head + size) % ring.length] = send.ticket();
            size++;
        }
        return SendFilters.DELAY;
    }

    /** Sends released so far (written by the pacer's thread only). */
    public long released() {
        return released;
    }

    /** Sends held right now, waiting for their release. */
    public synchronized int held() {
        return size;
    }

    private synchronized long peek() {
        return size == 0 ? 0 : ring[head];
    }

    private synchronized void drop() {
        head = (head + 1) % ring.length;
        size--;
    }

    private void run() {
        long next = System.nanoTime();
        while (running) {
            // Never faster than the rate: a late wake-up delays the following releases, it is not caught up.
            next = Math.max(next + periodNanos, System.nanoTime());
            while (running && next - System.nanoTime() > 0) {
                LockSupport.parkNanos(next - System.nanoTime());
            }
            next = System.nanoTime();
            long t = peek();
            if (t == 0) {
                continue;
            }
            released++; // counted first: the release completes the send, and a reader may look at once
            if (!SendFilters.release(t)) {
                released--; // the ticket names no held send any more (its socket closed)
            }
            drop();
        }
        for (long t = peek(); t != 0; t = peek()) {
            if (SendFilters.release(t)) {
                released++;
            }
            drop();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        LockSupport.unpark(thread);
        thread.join(5_000);
    }
}
