package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.provider.filter.SendFilter;
import org.jwsp.provider.filter.SendView;
import org.jwsp.testkit.PeerReader;
import org.junit.jupiter.api.Test;

/**
 * The hot path allocates nothing per send: measured with
 * {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes} on the sending thread and on
 * jwsp's completion worker, around many WSPSend calls made through the native pointer. Runs over
 * the test harness (its fake lower provider, upcall table and kernel port are allocation-free on
 * this path, with or without escape analysis, so the bytes counted are jwsp's).
 */
class HotPathAllocationTest {

    private static final int WARMUP = 60_000;
    private static final int MEASURED = 20_000;
    /** Slack for one-off events (a TLAB refill, a JIT deopt) that are not per send. */
    private static final long SLACK_BYTES = 16 * 1024;
    /** Measured windows tried before giving up on reaching the steady state. */
    private static final int ROUNDS = 10;

    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static long workerId() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("jwsp-completion"))
                .findFirst().orElseThrow().threadId();
    }

    @Test
    void overlappedSendsAllocateNothingPerSend_onTheCallerNorOnTheCompletionWorker() throws Exception {
        overlappedSends(s -> s);
    }

    /** A filter that reads the view in onSend and in onComplete (as a meter does) adds no allocation either. */
    @Test
    void overlappedSendsThroughAFilterAllocateNothingPerSend() throws Exception {
        long[] seen = new long[3];
        SendFilter meter = new SendFilter() {
            @Override
            public int onSend(SendView v) {
                seen[0] += v.totalBytes() + v.peer().byteSize();
                return PASS;
            }

            @Override
            public void onComplete(SendView v, int error, long bytes) {
                seen[1] += bytes; // completion worker or caller: a benign race on a test counter
                seen[2] += System.nanoTime() - v.acceptedNanos() + v.callerThreadId();
            }
        };
        overlappedSends(s -> s.withFilter(meter));
        assertTrue(seen[0] > 0 && seen[1] > 0, "the filter saw the sends and their completions");
    }

    private void overlappedSends(java.util.function.UnaryOperator<ProviderSettings> settings) throws Exception {
        try (SendFixture f = new SendFixture(settings)) {
            long s = f.stream(true);
            int peer = f.lowerOf().peerFd;
            AtomicBoolean done = new AtomicBoolean();
            Thread drain = Thread.ofPlatform().daemon().start(() -> {
                while (!done.get()) {
                    PeerReader.readAvailable(peer);
                }
            });
            MemorySegment data = f.arena.allocate(64);
            MemorySegment bufs = f.bufs(data);
            MemorySegment slab = f.arena.allocate(OVERLAPPED.layout(), 4096);
            MemorySegment[] ovs = new MemorySegment[4096];
            long[] events = new long[4096];
            for (int i = 0; i < ovs.length; i++) {
                ovs[i] = slab.asSlice(i * OVERLAPPED.layout().byteSize(), OVERLAPPED.layout().byteSize());
                events[i] = f.c.kernel.createEvent(true, false);
                OVERLAPPED.hEvent(ovs[i], MemorySegment.ofAddress(events[i]));
            }
            run(f, s, bufs, ovs, events, 0, WARMUP);
            long worker = workerId();
            long caller = Long.MAX_VALUE;
            long workerBytes = Long.MAX_VALUE;
            int accepted = 0;
            int first = WARMUP;
            for (int round = 0; round < ROUNDS && (caller >= SLACK_BYTES || workerBytes >= SLACK_BYTES); round++) {
                long callerBefore = THREADS.getCurrentThreadAllocatedBytes();
                long workerBefore = THREADS.getThreadAllocatedBytes(worker);
                accepted = run(f, s, bufs, ovs, events, first, MEASURED);
                caller = THREADS.getCurrentThreadAllocatedBytes() - callerBefore;
                workerBytes = THREADS.getThreadAllocatedBytes(worker) - workerBefore;
                first += MEASURED;
            }
            // Every send must be done before the drain stops: a send still queued in jwsp would go to the
            // lower provider with nobody reading the peer and block there, with WSPCleanup waiting behind it.
            assertTrue(awaitLast(f, events, first), "the last sends completed");
            done.set(true);
            drain.join(5_000);
            assertEquals(MEASURED, accepted, "every send was accepted");
            assertTrue(caller < SLACK_BYTES, "caller thread allocated " + caller + " B over " + MEASURED + " sends");
            assertTrue(workerBytes < SLACK_BYTES, "completion worker allocated " + workerBytes + " B over " + MEASURED + " sends");
        }
    }

    @Test
    void synchronousSendsAllocateNothingPerSend() throws Exception {
        synchronousSends(s -> s);
    }

    /** A blocking send through a filter that reads the view, its payload too, in onSend and onComplete: nothing either. */
    @Test
    void synchronousSendsThroughAFilterAllocateNothingPerSend() throws Exception {
        long[] seen = new long[3];
        MemorySegment copy = MemorySegment.ofArray(new byte[64]);
        SendFilter tap = new SendFilter() {
            @Override
            public int onSend(SendView v) {
                seen[0] += v.totalBytes() + v.bufferLength(0);
                return PASS;
            }

            @Override
            public void onComplete(SendView v, int error, long bytes) {
                v.copyPayload(0, copy, 0, v.totalBytes());
                seen[1] += bytes;
                seen[2] += System.nanoTime() - v.acceptedNanos() + v.callerThreadId();
            }
        };
        synchronousSends(s -> s.withFilter(tap));
        assertTrue(seen[0] > 0 && seen[1] > 0, "the filter saw the sends and their completions");
    }

    private void synchronousSends(java.util.function.UnaryOperator<ProviderSettings> settings) throws Exception {
        try (SendFixture f = new SendFixture(settings)) {
            long s = f.stream(false);
            int peer = f.lowerOf().peerFd;
            AtomicBoolean done = new AtomicBoolean();
            Thread drain = Thread.ofPlatform().daemon().start(() -> {
                while (!done.get()) {
                    PeerReader.readAvailable(peer);
                }
            });
            MemorySegment bufs = f.bufs(f.arena.allocate(64));
            syncSends(f, s, bufs, WARMUP);
            // Steady state: a few windows, for one-off events (a TLAB refill, a recompilation); a path
            // that allocates per send never gets under the bound. The build runs this class a second
            // time with escape analysis off, so no temporary may depend on C2 removing it.
            long allocated = Long.MAX_VALUE;
            for (int round = 0; round < ROUNDS && allocated >= SLACK_BYTES; round++) {
                long before = THREADS.getCurrentThreadAllocatedBytes();
                int ok = syncSends(f, s, bufs, MEASURED);
                allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
                assertEquals(MEASURED, ok);
            }
            done.set(true);
            drain.join(5_000);
            assertTrue(allocated < SLACK_BYTES, "allocated " + allocated + " B over " + MEASURED + " synchronous sends");
        }
    }

    /** The same loop warms up and is measured, so no call site is linked for the first time inside the window. */
    private static int syncSends(SendFixture f, long s, MemorySegment bufs, int n) {
        int ok = 0;
        for (int i = 0; i < n; i++) {
            if (f.send(s, bufs, 1, 0, MemorySegment.NULL) == 0) {
                ok++;
            }
        }
        return ok;
    }

    /** Waits (bounded) for the events of the last sends before {@code end} (at most the ring's 4096). */
    private static boolean awaitLast(SendFixture f, long[] events, int end) {
        for (int i = Math.max(0, end - events.length); i < end; i++) {
            if (f.c.kernel.waitForSingleObject(events[i & 4095], 5_000, false) != org.jwsp.kernel.KernelPort.WAIT_OBJECT_0) {
                return false;
            }
        }
        return true;
    }

    /**
     * n sends, each with its own OVERLAPPED of a ring of 4096; an OVERLAPPED is reused only after
     * its previous send completed (its event), as the contract requires.
     */
    private static int run(SendFixture f, long s, MemorySegment bufs, MemorySegment[] ovs, long[] events, int first, int n) {
        int accepted = 0;
        for (int i = first; i < first + n; i++) {
            MemorySegment ov = ovs[i & 4095];
            if (i >= 4096) {
                if (f.c.kernel.waitForSingleObject(events[i & 4095], 5_000, false) != org.jwsp.kernel.KernelPort.WAIT_OBJECT_0) {
                    return accepted;
                }
                f.c.kernel.resetEvent(events[i & 4095]);
            }
            int rc = f.send(s, bufs, 1, 0, ov);
            // Pool exhausted (the worker lags behind): WSAEWOULDBLOCK, as the contract says; try again.
            for (int spin = 0; rc != 0 && f.errno.get(ValueLayout.JAVA_INT, 0) == ws2spi_h.WSAEWOULDBLOCK() && spin < 1_000_000; spin++) {
                Thread.onSpinWait();
                rc = f.send(s, bufs, 1, 0, ov);
            }
            if (rc == 0 || f.errno.get(ValueLayout.JAVA_INT, 0) == ws2spi_h.WSA_IO_PENDING()) {
                accepted++;
            }
        }
        return accepted;
    }
}
