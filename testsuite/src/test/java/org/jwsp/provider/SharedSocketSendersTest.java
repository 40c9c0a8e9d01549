package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * Several threads sending overlapped on one socket through jwsp over the real host, each with
 * its own window of sends in flight: every send completes with its count, and the peer reads
 * each thread's records whole and in that thread's order (the sends of one thread keep their call
 * order; the threads' records interleave). Prints how often the senders blocked entering
 * a monitor ({@link ThreadMXBean}'s blocked count, a count, not a time): the contention on the
 * socket lock that issuing outside it ({@link LowerIssue}) reduces, as docs/PERFORMANCE.md reports.
 */
class SharedSocketSendersTest {

    private static final int THREADS = 2;
    private static final int SENDS = 20_000;
    private static final int WINDOW = 16;
    private static final int RECORD = 64;

    @Test
    void threadsSendingOnOneSocket_keepEachThreadsOrder_andEverySendCompletes() throws Exception {
        OverTheHost.run((ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
                try {
                    Future<long[]> reader = pool.submit(() -> read(ws2, p.server()));
                    List<Future<long[]>> senders = new ArrayList<>();
                    for (int t = 0; t < THREADS; t++) {
                        int id = t;
                        senders.add(pool.submit(() -> send(ws2, p.client(), id)));
                    }
                    long blocked = 0;
                    long waited = 0;
                    for (Future<long[]> f : senders) {
                        long[] counts = f.get(5, TimeUnit.MINUTES);
                        blocked += counts[0];
                        waited += counts[1];
                    }
                    long[] last = reader.get(5, TimeUnit.MINUTES);
                    for (int t = 0; t < THREADS; t++) {
                        assertEquals(SENDS - 1, last[t], "thread " + t + "'s records all arrived, in its order");
                    }
                    System.out.printf("%d threads x %d sends of %d B on one socket, %d in flight each: senders blocked on a monitor "
                            + "%d times (%.1f per 1000 sends), waited %d times%n", THREADS, SENDS, RECORD, WINDOW, blocked,
                            blocked * 1000.0 / (THREADS * SENDS), waited);
                } finally {
                    pool.shutdownNow();
                }
            }
        });
    }

    /** One sender: {@link #SENDS} records {thread, sequence}, {@link #WINDOW} in flight; {blocked count, waited count}. */
    private static long[] send(Ws2 ws2, long s, int id) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] ovs = new MemorySegment[WINDOW];
            MemorySegment[] data = new MemorySegment[WINDOW];
            MemorySegment[] wsabufs = new MemorySegment[WINDOW];
            for (int i = 0; i < WINDOW; i++) {
                ovs[i] = arena.allocate(OVERLAPPED.layout());
                OVERLAPPED.hEvent(ovs[i], MemorySegment.ofAddress(ws2.createEvent()));
                data[i] = arena.allocate(RECORD, 8);
                wsabufs[i] = Buffers.wsabuf(arena, data[i]);
            }
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().threadId();
            long blocked0 = mx.getThreadInfo(tid).getBlockedCount();
            long waited0 = mx.getThreadInfo(tid).getWaitedCount();
            try {
                for (int n = 0; n < SENDS + WINDOW; n++) {
                    int slot = n % WINDOW;
                    if (n >= WINDOW) {
                        long event = OVERLAPPED.hEvent(ovs[slot]).address();
                        assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(event, 30_000, false), "send completed");
                        assertEquals(0, (int) OVERLAPPED.Internal(ovs[slot]), "send " + (n - WINDOW) + " of thread " + id);
                        assertEquals(RECORD, (int) OVERLAPPED.InternalHigh(ovs[slot]));
                        ws2.resetEvent(event);
                    }
                    if (n >= SENDS) {
                        continue;
                    }
                    data[slot].set(ValueLayout.JAVA_INT, 0, id);
                    data[slot].set(ValueLayout.JAVA_INT, 4, n);
                    int rc = ws2.send(s, wsabufs[slot], 1, sent, 0, ovs[slot], MemorySegment.NULL);
                    assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING(), () -> "send: " + ws2.lastError());
                }
                return new long[] {mx.getThreadInfo(tid).getBlockedCount() - blocked0, mx.getThreadInfo(tid).getWaitedCount() - waited0};
            } finally {
                for (MemorySegment ov : ovs) {
                    ws2.closeEvent(OVERLAPPED.hEvent(ov).address());
                }
            }
        }
    }

    /** Reads every record; returns the last sequence number seen of each thread, after checking each thread's order. */
    private static long[] read(Ws2 ws2, long s) {
        long[] last = new long[THREADS];
        java.util.Arrays.fill(last, -1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chunk = arena.allocate(RECORD * 256L, 8);
            long records = (long) THREADS * SENDS;
            for (long got = 0; got < records; ) {
                int n = (int) Math.min(256, records - got);
                MemorySegment into = chunk.asSlice(0, (long) n * RECORD);
                assertTrue(Buffers.receiveFully(ws2, s, into, arena), "the peer reads every record");
                for (int i = 0; i < n; i++) {
                    int id = into.get(ValueLayout.JAVA_INT, (long) i * RECORD);
                    int seq = into.get(ValueLayout.JAVA_INT, (long) i * RECORD + 4);
                    assertEquals(last[id] + 1, seq, "thread " + id + "'s records in its order");
                    last[id] = seq;
                }
                got += n;
            }
        }
        return last;
    }
}
