package org.jwsp.samples.filter;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.locks.LockSupport;

import org.jwsp.provider.filter.SendFilter;
import org.jwsp.provider.filter.SendFilters;
import org.jwsp.provider.filter.SendView;

/**
 * Rate limiting per destination with {@link SendFilter#DELAY}: each {@link #limit limited}
 * destination has a {@link TokenBucket}; an overlapped send to it that the bucket does not admit
 * at once is held (the program gets WSA_IO_PENDING and goes on) and the shaper's own thread
 * releases it ({@link SendFilters#release}) when the bucket says, so the program sees
 * its completions at the configured rate and its own thread never waits. A send the bucket admits
 * at once passes; a synchronous send cannot be held and passes (its bytes still take tokens);
 * sends to other destinations pass. When a destination already holds {@link #HELD} sends, the
 * next one is refused with WSAEWOULDBLOCK (too many outstanding overlapped requests).
 *
 * <p>{@link #onComplete} keeps, per destination, when the sends completed and the bytes in
 * between, after the first {@link #WARMUP}: {@link #measuredRate}. Threads: {@link #onSend} on the sending threads
 * and {@link #onComplete} on the completing ones, each under the destination's lock (short, no
 * allocation); one shaper thread releases. {@link #close()} releases everything still held and
 * stops the thread.
 */
public final class TokenBucketShaper implements SendFilter, AutoCloseable {

    /** AF_INET6 as Windows numbers it (sockaddr_in6.sin6_family). */
    private static final int AF_INET6 = 23;

    /** Destinations at most. */
    public static final int DESTINATIONS = 16;
    /** Held sends per destination at most. */
    public static final int HELD = 4096;
    /** Completions per destination not measured: the rate is the steady state's, after start-up (JIT, connection). */
    public static final int WARMUP = 10;
    static final int WOULD_BLOCK = SendFilters.WSAEWOULDBLOCK;

    /** One limited destination: its key, bucket, held tickets (a ring, in release order) and measurements. */
    private static final class Destination {
        final long familyPort, hi, lo;
        final TokenBucket bucket;
        final long[] tickets = new long[HELD];
        final long[] releaseAt = new long[HELD];
        int head;
        int size;
        long sends, held, completed, firstDone, lastDone, bytesAfterFirst;

        Destination(long familyPort, long hi, long lo, TokenBucket bucket) {
            this.familyPort = familyPort;
            this.hi = hi;
            this.lo = lo;
            this.bucket = bucket;
        }
    }

    private final Destination[] destinations = new Destination[DESTINATIONS];
    private volatile int count;
    private final Thread thread;
    private volatile boolean running = true;

    public TokenBucketShaper() {
        thread = Thread.ofPlatform().daemon().name("jwsp-token-bucket").start(this::run);
    }

    /**
     * Limits sends to {@code sockaddr} (a Windows sockaddr_in/in6; address and port) to
     * {@code bytesPerSecond}, with {@code burstBytes} allowed at once beyond one send. Before the
     * first send to it; not on the send path.
     */
    public synchronized void limit(MemorySegment sockaddr, long bytesPerSecond, long burstBytes) {
        if (count == DESTINATIONS) {
            throw new IllegalStateException("at most " + DESTINATIONS + " destinations");
        }
        long[] k = key(sockaddr);
        destinations[count] = new Destination(k[0], k[1], k[2], new TokenBucket(bytesPerSecond, burstBytes));
        count = count + 1; // volatile write publishes it
    }

    private static long[] key(MemorySegment a) {
        long familyPort = familyPort(a);
        return a.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0) == AF_INET6
                ? new long[] {familyPort, a.get(ValueLayout.JAVA_LONG_UNALIGNED, 8), a.get(ValueLayout.JAVA_LONG_UNALIGNED, 16)}
                : new long[] {familyPort, a.get(ValueLayout.JAVA_INT_UNALIGNED, 4), 0};
    }

    private static long familyPort(MemorySegment a) {
        return (long) Short.toUnsignedInt(a.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0)) << 16
                | Short.toUnsignedInt(a.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2));
    }

    /** The destination of a send (allocation-free), or null if it is not limited. */
    private Destination of(MemorySegment peer) {
        long fp = familyPort(peer);
        boolean v6 = peer.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0) == AF_INET6;
        long hi = v6 ? peer.get(ValueLayout.JAVA_LONG_UNALIGNED, 8) : peer.get(ValueLayout.JAVA_INT_UNALIGNED, 4);
        long lo = v6 ? peer.get(ValueLayout.JAVA_LONG_UNALIGNED, 16) : 0;
        int n = count;
        for (int i = 0; i < n; i++) {
            Destination d = destinations[i];
            if (d.familyPort == fp && d.hi == hi && d.lo == lo) {
                return d;
            }
        }
        return null;
    }

    @Override
    public int onSend(SendView send) {
        Destination d = of(send.peer());
        if (d == null) {
            return PASS;
        }
        long now = System.nanoTime();
        synchronized (d) {
            if (send.ticket() != 0 && d.size == HELD) {
                return WOULD_BLOCK;
            }
            d.sends++;
            long at = d.bucket.admit(now, send.totalBytes());
            if (send.ticket() == 0 || d.size == 0 && at <= now) {
                return PASS; // conforms now (or cannot be held)
            }
            int tail = (d.head + d.size) % HELD;
            d.tickets[tail] = send.ticket();
            d.releaseAt[tail] = at;
            d.size++;
            d.held++;
        }
        LockSupport.unpark(thread);
        return DELAY;
    }

    @Override
    public void onComplete(SendView send, int error, long bytes) {
        Destination d = of(send.peer());
        if (d == null || error != 0) {
            return;
        }
        long now = System.nanoTime();
        synchronized (d) {
            long n = ++d.completed;
            if (n == WARMUP + 1) {
                d.firstDone = now;
            } else if (n > WARMUP + 1) {
                d.bytesAfterFirst += bytes;
            }
            d.lastDone = now;
        }
    }

    /** The shaper thread: releases every held send whose time has come, then parks until the next one's. */
    private void run() {
        while (running) {
            long now = System.nanoTime();
            long next = Long.MAX_VALUE;
            int n = count;
            for (int i = 0; i < n; i++) {
                Destination d = destinations[i];
                while (true) {
                    long ticket;
                    synchronized (d) {
                        if (d.size == 0) {
                            break;
                        }
                        if (d.releaseAt[d.head] - now > 0) {
                            next = Math.min(next, d.releaseAt[d.head] - now);
                            break;
                        }
                        ticket = d.tickets[d.head];
                        d.head = (d.head + 1) % HELD;
                        d.size--;
                    }
                    release(ticket);
                }
            }
            LockSupport.parkNanos(this, next == Long.MAX_VALUE ? 1_000_000_000L : next);
        }
        for (int i = 0; i < count; i++) {
            Destination d = destinations[i];
            synchronized (d) {
                for (; d.size > 0; d.size--, d.head = (d.head + 1) % HELD) {
                    release(d.tickets[d.head]);
                }
            }
        }
    }

    /** The one place a held send is let go (false: its socket was closed meanwhile). */
    private static boolean release(long ticket) {
        return SendFilters.release(ticket);
    }

    /**
     * What a destination's completions showed: bytes completed after completion {@link #WARMUP} + 1,
     * divided by the time from that one to the last, in bytes per second (0 until there are two).
     */
    public double measuredRate(MemorySegment sockaddr) {
        Destination d = of(sockaddr);
        if (d == null) {
            return 0;
        }
        synchronized (d) {
            return d.completed < WARMUP + 2 ? 0 : d.bytesAfterFirst * 1e9 / (d.lastDone - d.firstDone);
        }
    }

    /** Sends to the destination the filter saw, how many of them it held, and the measured span in nanoseconds. */
    public long[] sendsHeldSpan(MemorySegment sockaddr) {
        Destination d = of(sockaddr);
        if (d == null) {
            return new long[3];
        }
        synchronized (d) {
            return new long[] {d.sends, d.held, d.completed < WARMUP + 2 ? 0 : d.lastDone - d.firstDone};
        }
    }

    /** Releases every send still held and stops the shaper's thread. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        LockSupport.unpark(thread);
        thread.join(5_000);
    }
}
