package org.jwsp.provider;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.jwsp.provider.filter.SendFilter;
import org.jwsp.provider.filter.SendFilters;
import org.jwsp.provider.filter.SendView;

/**
 * The DELAY/release fault of {@link NativeSendStressTest}: a filter installed through jwsp's filter
 * API ({@link SendFilters#install}) that holds a seeded share of overlapped sends ({@code perMille}
 * per 1000, chosen by a hash of the seed and the send's ticket, so the choice does not depend on
 * which thread asks), and one releaser thread that takes the held tickets and releases them in
 * seeded random order, batches of 1 to 4, from a thread that is not the sender's. jwsp must keep
 * every socket's call order whatever the release order (a send held blocks the later sends of its
 * socket), complete each held send once, and abort those whose socket is closed while held.
 *
 * <p>With {@code pausePerMille}, a seeded share of sends (any kind) is also held inside
 * {@link #onSend} until the next connection is reopened: jwsp has resolved the send's handle and
 * not yet taken its socket lock, so the send meets the close of its handle and the reuse of its
 * slot, the race of issue 10's first defect, at stress scale.
 *
 * <p>{@link #onSend} runs on the sending pthreads (attached by jwsp's upcall), the releaser on its
 * own platform thread; {@link #close} releases what is still held and stops it. Holds no native memory.
 */
final class DelayingFilter implements SendFilter, AutoCloseable {

    private final int perMille;
    private final int pausePerMille;
    private final long seed;
    private final AtomicLong asked = new AtomicLong();
    private final Object reopens = new Object();
    private long reopened; // guarded by reopens
    private final LinkedBlockingQueue<Long> held = new LinkedBlockingQueue<>();
    private final Thread releaser;
    private volatile boolean stop;
    final AtomicLong delayed = new AtomicLong();
    final AtomicLong released = new AtomicLong();
    /** Releases refused: the ticket's send was already released (while filtering) or its socket closed. */
    final AtomicLong notHeld = new AtomicLong();
    final AtomicLong paused = new AtomicLong();
    /** Pauses that saw a connection closed and its successor opened while they held their send. */
    final AtomicLong pausedAcrossReopen = new AtomicLong();

    DelayingFilter(int perMille, int pausePerMille, long seed) {
        this.perMille = perMille;
        this.pausePerMille = pausePerMille;
        this.seed = seed;
        this.releaser = Thread.ofPlatform().daemon().name("stress-releaser").start(this::releaseLoop);
    }

    @Override
    public int onSend(SendView send) {
        if (pausePerMille > 0 && Long.remainderUnsigned(mix(~seed ^ asked.incrementAndGet()), 1000) < pausePerMille) {
            pauseUntilReopen();
        }
        if (!send.overlapped() || Long.remainderUnsigned(mix(seed ^ send.ticket()), 1000) >= perMille) {
            return PASS;
        }
        delayed.incrementAndGet();
        held.add(send.ticket()); // may be released before this returns: jwsp then holds nothing
        return DELAY;
    }

    /**
     * Holds this send inside jwsp, between its handle's resolution and its socket lock, until a
     * connection was closed and its successor opened (bounded: 200 ms), so sends on the closed
     * handle meet jwsp's reused slot.
     */
    private void pauseUntilReopen() {
        paused.incrementAndGet();
        long until = System.nanoTime() + 200_000_000L;
        synchronized (reopens) {
            long seen = reopened;
            try {
                for (long left; reopened == seen && (left = until - System.nanoTime()) > 0; ) {
                    reopens.wait(Math.max(1, left / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (reopened != seen) {
                pausedAcrossReopen.incrementAndGet();
            }
        }
    }

    /** A connection was replaced (StressConnections.open after the first ones). */
    void reopened() {
        synchronized (reopens) {
            reopened++;
            reopens.notifyAll();
        }
    }

    private void releaseLoop() {
        SplittableRandom random = new SplittableRandom(seed);
        List<Long> batch = new ArrayList<>();
        try {
            while (!stop || !held.isEmpty()) {
                Long first = held.poll(10, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                held.drainTo(batch, random.nextInt(4));
                for (int i = batch.size() - 1; i > 0; i--) { // seeded shuffle: release order is not call order
                    int j = random.nextInt(i + 1);
                    batch.set(i, batch.set(j, batch.get(i)));
                }
                for (long ticket : batch) {
                    (SendFilters.release(ticket) ? released : notHeld).incrementAndGet();
                }
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long mix(long z) { // SplitMix64's finaliser
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        releaser.join(60_000);
    }
}
