package org.jwsp.samples.filter;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import org.HdrHistogram.AtomicHistogram;
import org.HdrHistogram.Histogram;
import org.jwsp.provider.filter.SendFilter;
import org.jwsp.provider.filter.SendView;

/**
 * A {@link SendFilter} that meters sends per destination (the socket's WSPConnect address) and
 * per sending thread: sends, bytes, completions, failures, and two HdrHistograms, the send sizes
 * and the completion latencies (from jwsp accepting the send to its completion, before the
 * application is told). {@link MeterReport} turns a snapshot into CSV and Log4j 2 lines.
 *
 * <p>Threads: {@link #onSend} runs on the thread that called WSASend, {@link #onComplete} on the
 * thread that completes the send; any number at once. Nothing is allocated per send: a
 * (destination, thread) pair is a cell of a fixed table found by a linear scan, its counters are
 * one {@link AtomicLongArray} and its histograms are {@link AtomicHistogram}s (fixed range, no
 * resizing, wait-free recording). A cell is made (and allocated) the first time a thread sends to
 * a destination; after {@link #CELLS} - 1 pairs, the rest share cell 0 ("other").
 */
public final class SendMeter implements SendFilter {

    /** AF_INET6 as Windows numbers it (sockaddr_in6.sin6_family). */
    private static final int AF_INET6 = 23;

    /** Cells at most, cell 0 included. */
    public static final int CELLS = 64;
    /** Largest latency told apart (larger ones are recorded as this): one minute. */
    public static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final int SENDS = 0, BYTES = 1, COMPLETED = 2, FAILED = 3, FIELDS = 4;
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Per cell: family and port, the address's two halves, the thread id. */
    private final long[] keys = new long[CELLS * 4];
    private final String[] destinations = new String[CELLS];
    private final String[] threads = new String[CELLS];
    private final AtomicLongArray counts = new AtomicLongArray(CELLS * FIELDS);
    private final AtomicHistogram[] sizes = new AtomicHistogram[CELLS];
    private final AtomicHistogram[] latencies = new AtomicHistogram[CELLS];
    /** Cells in use; a volatile write publishes a new cell's keys and histograms. */
    private volatile int cells;

    public SendMeter() {
        destinations[0] = "other";
        threads[0] = "other";
        newHistograms(0);
        cells = 1;
    }

    private void newHistograms(int cell) {
        sizes[cell] = new AtomicHistogram(1, Integer.MAX_VALUE, 2);
        latencies[cell] = new AtomicHistogram(1, MAX_LATENCY_NANOS, 2);
    }

    @Override
    public int onSend(SendView send) {
        int cell = cellOf(send, true);
        long bytes = send.totalBytes();
        int base = cell * FIELDS;
        counts.incrementAndGet(base + SENDS);
        counts.addAndGet(base + BYTES, bytes);
        sizes[cell].recordValue(bytes);
        return PASS;
    }

    @Override
    public void onComplete(SendView send, int error, long bytes) {
        int cell = cellOf(send, false);
        counts.incrementAndGet(cell * FIELDS + (error == 0 ? COMPLETED : FAILED));
        long latency = System.nanoTime() - send.acceptedNanos();
        latencies[cell].recordValue(Math.clamp(latency, 1, MAX_LATENCY_NANOS));
    }

    /** The cell of the send's (destination, calling thread); made if {@code make} and there is room, else 0. */
    private int cellOf(SendView send, boolean make) {
        MemorySegment peer = send.peer();
        int family = Short.toUnsignedInt(peer.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
        long familyPort = (long) family << 16 | Short.toUnsignedInt(peer.get(NET_SHORT, 2));
        long hi;
        long lo;
        if (family == AF_INET6) {
            hi = peer.get(ValueLayout.JAVA_LONG_UNALIGNED, 8);
            lo = peer.get(ValueLayout.JAVA_LONG_UNALIGNED, 16);
        } else {
            hi = peer.get(ValueLayout.JAVA_INT_UNALIGNED, 4);
            lo = 0;
        }
        long thread = send.callerThreadId();
        int n = cells;
        for (int i = 1; i < n; i++) {
            int k = i * 4;
            if (keys[k + 3] == thread && keys[k] == familyPort && keys[k + 1] == hi && keys[k + 2] == lo) {
                return i;
            }
        }
        return make ? make(familyPort, hi, lo, thread, peer) : 0;
    }

    /** A new cell (the sending thread's first send to this destination): allocates, once per pair. */
    private synchronized int make(long familyPort, long hi, long lo, long thread, MemorySegment peer) {
        int n = cells;
        for (int i = 1; i < n; i++) {
            int k = i * 4;
            if (keys[k + 3] == thread && keys[k] == familyPort && keys[k + 1] == hi && keys[k + 2] == lo) {
                return i;
            }
        }
        if (n == CELLS) {
            return 0;
        }
        int k = n * 4;
        keys[k] = familyPort;
        keys[k + 1] = hi;
        keys[k + 2] = lo;
        keys[k + 3] = thread;
        destinations[n] = name(peer);
        threads[n] = Thread.currentThread().getName(); // onSend runs on the sending thread
        newHistograms(n);
        cells = n + 1;
        return n;
    }

    private static String name(MemorySegment peer) {
        int port = Short.toUnsignedInt(peer.get(NET_SHORT, 2));
        if (Short.toUnsignedInt(peer.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0)) == AF_INET6) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < 16; i += 2) {
                b.append(i == 0 ? "" : ":").append(Integer.toHexString(Short.toUnsignedInt(peer.get(NET_SHORT, 8 + i))));
            }
            return b.append("]:").append(port).toString();
        }
        return (peer.get(ValueLayout.JAVA_BYTE, 4) & 0xFF) + "." + (peer.get(ValueLayout.JAVA_BYTE, 5) & 0xFF) + "."
                + (peer.get(ValueLayout.JAVA_BYTE, 6) & 0xFF) + "." + (peer.get(ValueLayout.JAVA_BYTE, 7) & 0xFF) + ":" + port;
    }

    /**
     * One cell, read now (the histograms are copies; counters and histograms are read one after
     * the other, so a send in flight may show in one and not yet in the other).
     *
     * @param destination "127.0.0.1:40000", or "other"
     * @param thread      the sending thread's name, or "other"
     * @param sizes       send sizes, bytes
     * @param latencies   completion latencies, nanoseconds
     */
    public record Cell(String destination, String thread, long sends, long bytes, long completed, long failed,
                       Histogram sizes, Histogram latencies) {
    }

    /** Every cell that has seen a send (cell 0 only if some send fell into it). */
    public java.util.List<Cell> snapshot() {
        int n = cells;
        java.util.List<Cell> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            int b = i * FIELDS;
            Cell c = new Cell(destinations[i], threads[i], counts.get(b + SENDS), counts.get(b + BYTES), counts.get(b + COMPLETED),
                    counts.get(b + FAILED), sizes[i].copy(), latencies[i].copy());
            if (i > 0 || c.sends() > 0 || c.completed() > 0) {
                out.add(c);
            }
        }
        return out;
    }
}
