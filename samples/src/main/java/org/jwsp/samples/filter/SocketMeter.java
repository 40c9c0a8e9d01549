package org.jwsp.samples.filter;

import java.util.concurrent.atomic.AtomicLongArray;

import org.jwsp.provider.filter.SendFilter;
import org.jwsp.provider.filter.SendView;

/**
 * A {@link SendFilter} that meters every send per socket (sends, bytes let through, verdicts)
 * and asks a policy — another SendFilter, pass-through by default — what to do with each.
 *
 * <p>jwsp calls {@link #onSend} on the thread that called WSASend, for every send of every jwsp
 * socket. It allocates nothing: sockets are looked up in a small fixed table (a linear scan,
 * {@link #CAPACITY} slots: a sample's few dozen sockets; slot 0 counts every socket not
 * {@link #watch watched}), and the counters are one {@link AtomicLongArray}, so any number of
 * threads may send at once.
 */
public final class SocketMeter implements SendFilter {

    /** Sockets watched at most (slot 0 is "other sockets"). */
    public static final int CAPACITY = 128;

    private static final int SENDS = 0, BYTES = 1, PASSED = 2, DELAYED = 3, REFUSED = 4, FIELDS = 5;

    private final long[] sockets = new long[CAPACITY];
    private volatile int watched = 1;
    private final AtomicLongArray counts = new AtomicLongArray(CAPACITY * FIELDS);
    private volatile SendFilter policy = SendFilter.PASS_THROUGH;

    /** Meters {@code socket} on its own row; returns its slot. Not on the send path. */
    public synchronized int watch(long socket) {
        int n = watched;
        if (n == CAPACITY) {
            throw new IllegalStateException("a SocketMeter watches at most " + (CAPACITY - 1) + " sockets");
        }
        sockets[n] = socket;
        watched = n + 1; // volatile write publishes sockets[n] to the send path
        return n;
    }

    /** What to do with each send: {@link SendFilter#PASS}, {@link SendFilter#DELAY} or a WSAE code. */
    public void policy(SendFilter p) {
        policy = p;
    }

    @Override
    public int onSend(SendView send) {
        int slot = slotOf(send.socket());
        int verdict = policy.onSend(send);
        int base = slot * FIELDS;
        counts.incrementAndGet(base + SENDS);
        if (verdict == PASS || verdict == DELAY) {
            counts.addAndGet(base + BYTES, send.totalBytes());
            counts.incrementAndGet(base + (verdict == PASS ? PASSED : DELAYED));
        } else {
            counts.incrementAndGet(base + REFUSED);
        }
        return verdict;
    }

    private int slotOf(long socket) {
        int n = watched;
        for (int i = 1; i < n; i++) {
            if (sockets[i] == socket) {
                return i;
            }
        }
        return 0;
    }

    /** The counters of one socket (slot 0 for "every other socket"), read now. */
    public Reading read(long socket) {
        int base = slotOf(socket) * FIELDS;
        return new Reading(counts.get(base + SENDS), counts.get(base + BYTES), counts.get(base + PASSED),
                counts.get(base + DELAYED), counts.get(base + REFUSED));
    }

    /**
     * One socket's counters.
     *
     * @param sends   sends the filter saw
     * @param bytes   bytes of the sends it let through (passed or delayed)
     * @param passed  sends it passed at once
     * @param delayed sends it held for later release
     * @param refused sends it failed with a WSAE code
     */
    public record Reading(long sends, long bytes, long passed, long delayed, long refused) {
    }
}
