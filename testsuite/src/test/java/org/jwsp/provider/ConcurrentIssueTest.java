package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;
import org.jwsp.provider.filter.SendFilter;
import org.jwsp.provider.filter.SendView;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * jwsp calls the lower provider's WSPSend outside the socket lock ({@link LowerIssue}): while one
 * thread is inside the lower call, a second sender, a close, a SIO_FLUSH, a filter release and
 * the lower send's own completion on jwsp's worker each find the socket "issuing" and do their
 * part without waiting for that call. Over the real host, through ws2_32's entries into jwsp's WSPPROC_TABLE; the
 * window is held open by a latch in {@link LowerIssue}'s test hook, on the issuing thread outside
 * the lock, just before (or after) the lower call. Each asserts the bytes on the wire in call
 * order, one completion per send with its count, on the client's completion port.
 */
class ConcurrentIssueTest {

    private static final int WAIT = 10_000;

    private final ExecutorService threads = Executors.newCachedThreadPool();
    /** Completion ports a test made, closed after it (pass or fail) while its client is still up. */
    private final List<Long> ports = new CopyOnWriteArrayList<>();

    @AfterEach
    void noHooks() {
        LowerIssue.injectAroundLowerCall(null, null);
        threads.shutdownNow();
    }

    /** {@link OverTheHost#run}, closing the test's completion ports afterwards. */
    private void overTheHost(OverTheHost.Body body) throws Exception {
        overTheHost(SendFilter.PASS_THROUGH, body);
    }

    private void overTheHost(SendFilter filter, OverTheHost.Body body) throws Exception {
        overTheHostWith(settings -> filter == SendFilter.PASS_THROUGH ? settings : settings.withFilter(filter), body);
    }

    /** {@link OverTheHost#run} with {@code settings}, closing the test's completion ports afterwards. */
    private void overTheHostWith(java.util.function.UnaryOperator<ProviderSettings> settings, OverTheHost.Body body) throws Exception {
        OverTheHost.run(settings, (ws2, installed, arena) -> {
            try {
                body.run(ws2, installed, arena);
            } finally {
                for (long port : ports) {
                    ws2.kernel().closeHandle(port);
                }
                ports.clear();
            }
        });
    }

    /** A completion port of the test's (closed after it) with the client socket {@code s} associated, key 5. */
    private long portFor(KernelPort kernel, long s) {
        long port = kernel.createCompletionPort(0);
        ports.add(port);
        kernel.associate(port, s, 5);
        return port;
    }

    /** {@code n} OVERLAPPEDs with the host's events, for one send each. */
    private static MemorySegment[] overlappeds(Ws2 ws2, Arena arena, int n) {
        MemorySegment[] ovs = new MemorySegment[n];
        for (int i = 0; i < n; i++) {
            ovs[i] = OverTheHost.overlapped(ws2, arena);
        }
        return ovs;
    }

    /** Holds the lower call of the send whose OVERLAPPED is {@code ov} until {@link #release}. */
    private static final class Window {
        final long ov;
        final CountDownLatch inside = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        /** Sends each lower call carried, in order (a send issued alone by its caller counts 1). */
        final List<Integer> carried = new CopyOnWriteArrayList<>();
        final AtomicReference<SocketContext> socket = new AtomicReference<>();

        Window(MemorySegment ov) {
            this.ov = ov.address();
        }

        void hold(OverlappedRequest r) {
            LowerIssue issue = r.socket.queue.issue;
            carried.add(issue.direct ? 1 : issue.members);
            if (r.callerOverlappedAddress == ov && inside.getCount() > 0) {
                socket.set(r.socket);
                inside.countDown();
                try {
                    release.await(WAIT, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private Future<int[]> send(Ws2 ws2, long s, MemorySegment data, MemorySegment ov, Arena arena) {
        MemorySegment wsabuf = Buffers.wsabuf(arena, data);
        MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
        return threads.submit(() -> {
            int rc = ws2.send(s, wsabuf, 1, sent, 0, ov, MemorySegment.NULL);
            return new int[] {rc, rc == 0 ? 0 : ws2.lastError()};
        });
    }

    /**
     * Sends 100 pattern bytes seeded 1 with {@code ov} on another thread and waits until {@code w}
     * holds that send inside its lower call.
     */
    private Future<int[]> firstInsideItsLowerCall(Ws2 ws2, long s, Window w, MemorySegment ov, Arena arena)
            throws InterruptedException {
        Future<int[]> first = send(ws2, s, Buffers.pattern(arena, 100, 1), ov, arena);
        assertTrue(w.inside.await(WAIT, TimeUnit.MILLISECONDS), "the first send is inside its lower call");
        return first;
    }

    /** Sends {@code size} pattern bytes seeded {@code seed} with {@code ov}; it must be answered WSA_IO_PENDING at once: queued. */
    private void assertQueued(Ws2 ws2, long s, int seed, int size, MemorySegment ov, Arena arena, String why) throws Exception {
        assertArrayEquals(new int[] {SOCKET_ERROR(), WSA_IO_PENDING()},
                send(ws2, s, Buffers.pattern(arena, size, seed), ov, arena).get(WAIT, TimeUnit.MILLISECONDS), why);
    }

    /** {error, bytes} of a completed OVERLAPPED (the host's Internal and InternalHigh). */
    private static int[] result(MemorySegment ov) {
        return new int[] {(int) OVERLAPPED.Internal(ov), (int) OVERLAPPED.InternalHigh(ov)};
    }

    private static void assertReads(Ws2 ws2, long s, Arena arena, int... seedAndSize) {
        for (int i = 0; i < seedAndSize.length; i += 2) {
            MemorySegment got = arena.allocate(seedAndSize[i + 1]);
            assertTrue(Buffers.receiveFully(ws2, s, got, arena), "the peer reads send " + seedAndSize[i]);
            Buffers.assertPattern(got, seedAndSize[i]);
        }
    }

    /**
     * A second and third sender, while the first is inside its lower call, are answered
     * WSA_IO_PENDING at once (before, they waited for the socket lock the first held across the
     * call), and go down merged as one lower send after it; the peer reads the three in call
     * order and each completes once with its count.
     */
    @Test
    void sendersArrivingWhileTheFirstIsInsideItsLowerCall_queueAtOnce_andGoDownMergedInOrder() throws Exception {
        overTheHost((ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                KernelPort kernel = ws2.kernel();
                long port = portFor(kernel, p.client());
                MemorySegment[] ovs = overlappeds(ws2, arena, 3);
                Window w = new Window(ovs[0]);
                LowerIssue.injectAroundLowerCall(w::hold, null);
                Future<int[]> first = firstInsideItsLowerCall(ws2, p.client(), w, ovs[0], arena);
                assertQueued(ws2, p.client(), 2, 200, ovs[1], arena, "queued behind the send being issued");
                assertQueued(ws2, p.client(), 3, 300, ovs[2], arena, "send 3 queued");
                assertFalse(first.isDone(), "the first is still inside its lower call");
                w.release.countDown();
                int[] one = first.get(WAIT, TimeUnit.MILLISECONDS);
                assertTrue(one[0] == 0 || one[1] == WSA_IO_PENDING(), () -> "the first send: " + one[1]);
                List<long[]> got = PortPackets.take(kernel, port, 3, arena);
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(new long[] {ovs[i].address(), 100L * (i + 1)}, got.get(i), "completion " + i + " in call order");
                    assertArrayEquals(new int[] {0, 100 * (i + 1)}, result(ovs[i]));
                }
                assertReads(ws2, p.server(), arena, 1, 100, 2, 200, 3, 300);
                assertEquals(List.of(1, 2), w.carried, "the first alone, then the second and third as one lower send");
            }
        });
    }

    /**
     * WSPCloseSocket while the first send is inside its lower call: the send queued behind it is
     * aborted at once, and the close waits for the lower call to return before it closes the lower
     * socket (no lower call races the close of its handle); the first send completes once, its
     * bytes (and only they) reach the peer.
     */
    @Test
    void closeWhileASendIsInsideItsLowerCall_abortsTheOneQueuedBehind_andClosesTheLowerSocketAfterTheCall() throws Exception {
        overTheHost((ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                KernelPort kernel = ws2.kernel();
                long port = portFor(kernel, p.client());
                MemorySegment[] ovs = overlappeds(ws2, arena, 2);
                Window w = new Window(ovs[0]);
                AtomicBoolean closedDuringCall = new AtomicBoolean();
                AtomicReference<Future<Integer>> closed = new AtomicReference<>();
                LowerIssue.injectAroundLowerCall(w::hold, r -> {
                    Future<Integer> c = closed.get();
                    if (c != null && c.isDone()) {
                        closedDuringCall.set(true);
                    }
                });
                Future<int[]> first = firstInsideItsLowerCall(ws2, p.client(), w, ovs[0], arena);
                assertQueued(ws2, p.client(), 2, 200, ovs[1], arena, "send 2 queued");
                closed.set(threads.submit(() -> ws2.closesocket(p.client())));
                assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(OVERLAPPED.hEvent(ovs[1]).address(), WAIT, false),
                        "the send queued behind is aborted while the first is inside its lower call");
                assertArrayEquals(new int[] {WSA_OPERATION_ABORTED(), 0}, result(ovs[1]));
                assertFalse(first.isDone());
                w.release.countDown();
                assertTrue(first.get(WAIT, TimeUnit.MILLISECONDS)[0] == 0 || result(ovs[0])[0] != 0);
                assertEquals(0, closed.get().get(WAIT, TimeUnit.MILLISECONDS));
                assertFalse(closedDuringCall.get(), "the lower socket was closed only after the lower call returned");
                List<long[]> got = PortPackets.take(kernel, port, 2, arena);
                got.sort((x, y) -> Long.compare(x[0] == ovs[0].address() ? 0 : 1, y[0] == ovs[0].address() ? 0 : 1));
                int[] r0 = result(ovs[0]);
                assertArrayEquals(new long[] {ovs[0].address(), r0[1]}, got.get(0), "the first, once");
                assertArrayEquals(new long[] {ovs[1].address(), 0}, got.get(1), "the aborted one, once");
                if (r0[0] == 0) {
                    assertEquals(100, r0[1]);
                    assertReads(ws2, p.server(), arena, 1, 100);
                } else {
                    assertEquals(WSA_OPERATION_ABORTED(), r0[0], "cut by the close if it had pended");
                }
                assertFalse(Buffers.receiveFully(ws2, p.server(), arena.allocate(1), arena), "nothing of the aborted send");
            }
        });
    }

    /**
     * SIO_FLUSH while the first send is inside its lower call: it returns without waiting for that
     * call, the send queued behind ends aborted, the first completes with its bytes, and the socket
     * sends on: the peer reads the first and the one sent after the flush, in order.
     */
    @Test
    void sioFlushWhileASendIsInsideItsLowerCall_abortsTheOneQueuedBehind_withoutWaiting() throws Exception {
        overTheHost((ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                KernelPort kernel = ws2.kernel();
                long port = portFor(kernel, p.client());
                MemorySegment[] ovs = overlappeds(ws2, arena, 3);
                Window w = new Window(ovs[0]);
                LowerIssue.injectAroundLowerCall(w::hold, null);
                Future<int[]> first = firstInsideItsLowerCall(ws2, p.client(), w, ovs[0], arena);
                assertQueued(ws2, p.client(), 2, 200, ovs[1], arena, "send 2 queued");
                MemorySegment returned = arena.allocate(ValueLayout.JAVA_INT);
                int flushed = threads.submit(() -> ws2.ioctl(p.client(), SIO_FLUSH(), MemorySegment.NULL, 0, MemorySegment.NULL, 0,
                        returned, MemorySegment.NULL, MemorySegment.NULL)).get(WAIT, TimeUnit.MILLISECONDS);
                assertEquals(0, flushed, "SIO_FLUSH did not wait for the lower call");
                assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(OVERLAPPED.hEvent(ovs[1]).address(), WAIT, false));
                assertArrayEquals(new int[] {WSA_OPERATION_ABORTED(), 0}, result(ovs[1]));
                assertFalse(first.isDone());
                w.release.countDown();
                int[] one = first.get(WAIT, TimeUnit.MILLISECONDS);
                assertTrue(one[0] == 0 || one[1] == WSA_IO_PENDING());
                int[] after = send(ws2, p.client(), Buffers.pattern(arena, 300, 3), ovs[2], arena).get(WAIT, TimeUnit.MILLISECONDS);
                assertTrue(after[0] == 0 || after[1] == WSA_IO_PENDING(), () -> "the socket sends after SIO_FLUSH: " + after[1]);
                List<long[]> got = PortPackets.take(kernel, port, 3, arena);
                // The aborted one was told at the flush, before the first completed; their packets,
                // posted from two threads, may reach the port in either order.
                List<long[]> aborted = got.stream().filter(x -> x[0] == ovs[1].address()).toList();
                assertEquals(1, aborted.size(), "the aborted one, once");
                assertEquals(0, aborted.get(0)[1]);
                got.removeAll(aborted);
                assertArrayEquals(new long[] {ovs[0].address(), 100}, got.get(0), "then the first and the one after, in call order");
                assertArrayEquals(new long[] {ovs[2].address(), 300}, got.get(1));
                assertArrayEquals(new int[] {0, 100}, result(ovs[0]));
                assertArrayEquals(new int[] {0, 300}, result(ovs[2]));
                assertReads(ws2, p.server(), arena, 1, 100, 3, 300);
            }
        });
    }

    /**
     * The lower send pends and completes on the host's thread before the issuing thread has taken
     * the socket lock back: jwsp's worker finds it still being issued and leaves it to that thread,
     * which completes it once (and then issues the send queued behind it); no packet is taken for a
     * second completion. The hook after the lower call waits, outside the lock, until the worker
     * has handed the packet over, while the peer drains.
     */
    @Test
    void theLowerSendCompletingBeforeItsIssuerTakesTheLockBack_completesOnce_andTheQueueGoesOn() throws Exception {
        int big = 16 << 20;
        overTheHost((ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                KernelPort kernel = ws2.kernel();
                long port = portFor(kernel, p.client());
                MemorySegment[] ovs = overlappeds(ws2, arena, 2);
                CountDownLatch returned = new CountDownLatch(1);
                AtomicBoolean handedOver = new AtomicBoolean();
                AtomicReference<SocketContext> socket = new AtomicReference<>();
                LowerIssue.injectAroundLowerCall(null, r -> {
                    if (r.callerOverlappedAddress != ovs[0].address()) {
                        return;
                    }
                    socket.set(r.socket);
                    returned.countDown();
                    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT);
                    while (System.nanoTime() < deadline) {
                        synchronized (r.socket) {
                            if (r.socket.queue.issue.completedEarly) {
                                handedOver.set(true);
                                return;
                            }
                        }
                        Thread.onSpinWait();
                    }
                });
                Future<int[]> first = send(ws2, p.client(), Buffers.pattern(arena, big, 1), ovs[0], arena);
                assertTrue(returned.await(WAIT, TimeUnit.MILLISECONDS), "the lower call returned");
                assertQueued(ws2, p.client(), 2, 200, ovs[1], arena, "send 2 queued");
                Future<?> reader = threads.submit(() -> {
                    assertReads(ws2, p.server(), arena, 1, big, 2, 200);
                    return null;
                });
                int[] one = first.get(WAIT, TimeUnit.MILLISECONDS);
                assertTrue(handedOver.get(), "the worker handed the lower completion to the issuing thread");
                assertArrayEquals(new int[] {SOCKET_ERROR(), WSA_IO_PENDING()}, one, "the lower send had pended");
                reader.get(WAIT, TimeUnit.MILLISECONDS);
                List<long[]> got = PortPackets.take(kernel, port, 2, arena);
                assertArrayEquals(new long[] {ovs[0].address(), big}, got.get(0));
                assertArrayEquals(new long[] {ovs[1].address(), 200}, got.get(1));
                assertArrayEquals(new int[] {0, big}, result(ovs[0]));
                assertArrayEquals(new int[] {0, 200}, result(ovs[1]));
                assertFalse(socket.get().lowerMisbehaviourLogged, "no packet was taken for a second completion");
            }
        });
    }

    /**
     * Without the skip mode (a lower provider that posts a packet also for a send it completed at
     * once: {@code skipLowerPortOnSuccess(false)}), that packet can reach jwsp's worker while the
     * caller is still on its way back from the lower call. It is posted again to jwsp's port, so
     * the send stays in flight (the window later sends merge in) and the worker ends it: the
     * first send answers 0, the two queued behind it go down as one lower send, and each of the
     * three completes exactly once, in call order, with its count; no packet is taken for a
     * second completion.
     */
    @Test
    void withoutSkipMode_anAtOnceSendWhosePacketCameWhileItWasIssued_completesOnce_andTheNextOnesMerge() throws Exception {
        overTheHostWith(settings -> settings.withSkipLowerPortOnSuccess(false), (ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                KernelPort kernel = ws2.kernel();
                long port = portFor(kernel, p.client());
                MemorySegment[] ovs = overlappeds(ws2, arena, 3);
                CountDownLatch early = new CountDownLatch(1);
                CountDownLatch release = new CountDownLatch(1);
                AtomicReference<SocketContext> socket = new AtomicReference<>();
                List<Integer> carried = new CopyOnWriteArrayList<>();
                LowerIssue.injectAroundLowerCall(r -> carried.add(r.socket.queue.issue.direct ? 1 : r.socket.queue.issue.members), r -> {
                    if (r.callerOverlappedAddress != ovs[0].address()) {
                        return;
                    }
                    socket.set(r.socket);
                    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT);
                    while (System.nanoTime() < deadline && early.getCount() > 0) {
                        synchronized (r.socket) {
                            if (r.socket.queue.issue.completedEarly) {
                                early.countDown();
                            }
                        }
                        Thread.onSpinWait();
                    }
                    try {
                        release.await(WAIT, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                Future<int[]> first = send(ws2, p.client(), Buffers.pattern(arena, 100, 1), ovs[0], arena);
                assertTrue(early.await(WAIT, TimeUnit.MILLISECONDS), "the lower provider's packet reached the worker during the issue");
                assertQueued(ws2, p.client(), 2, 200, ovs[1], arena, "send 2 queued");
                assertQueued(ws2, p.client(), 3, 300, ovs[2], arena, "send 3 queued");
                release.countDown();
                assertArrayEquals(new int[] {0, 0}, first.get(WAIT, TimeUnit.MILLISECONDS), "the lower provider took the first at once");
                List<long[]> got = PortPackets.take(kernel, port, 3, arena);
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(new long[] {ovs[i].address(), 100L * (i + 1)}, got.get(i), "completion " + i + " in call order");
                    assertArrayEquals(new int[] {0, 100 * (i + 1)}, result(ovs[i]));
                }
                assertReads(ws2, p.server(), arena, 1, 100, 2, 200, 3, 300);
                assertEquals(List.of(1, 2), carried, "the first alone, then the second and third as one lower send");
                assertFalse(socket.get().lowerMisbehaviourLogged, "no packet was taken for a second completion");
            }
        });
    }

    /**
     * A filter releases the send it delayed while the send before it is inside its lower call:
     * the release returns without waiting for that call (before, it waited for the socket lock),
     * and the released send and the one queued behind it go down merged after the first; the
     * completions and the bytes keep call order.
     */
    @Test
    void aFilterReleaseWhileASendIsInsideItsLowerCall_doesNotWait_andTheReleasedSendFollowsInOrder() throws Exception {
        AtomicReference<Long> ticket = new AtomicReference<>();
        SendFilter delaySecond = new SendFilter() {
            @Override
            public int onSend(SendView send) {
                if (send.totalBytes() == 200) {
                    ticket.set(send.ticket());
                    return DELAY;
                }
                return PASS;
            }
        };
        overTheHost(delaySecond, (ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                KernelPort kernel = ws2.kernel();
                long port = portFor(kernel, p.client());
                MemorySegment[] ovs = overlappeds(ws2, arena, 3);
                Window w = new Window(ovs[0]);
                LowerIssue.injectAroundLowerCall(w::hold, null);
                Future<int[]> first = firstInsideItsLowerCall(ws2, p.client(), w, ovs[0], arena);
                assertQueued(ws2, p.client(), 2, 200, ovs[1], arena, "delayed");
                assertQueued(ws2, p.client(), 3, 300, ovs[2], arena, "send 3 queued");
                long t = ticket.get();
                assertTrue(threads.submit(() -> LayeredProvider.releaseDelayed(t)).get(WAIT, TimeUnit.MILLISECONDS),
                        "released while the first is inside its lower call");
                assertFalse(first.isDone());
                w.release.countDown();
                int[] one = first.get(WAIT, TimeUnit.MILLISECONDS);
                assertTrue(one[0] == 0 || one[1] == WSA_IO_PENDING());
                List<long[]> got = PortPackets.take(kernel, port, 3, arena);
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(new long[] {ovs[i].address(), 100L * (i + 1)}, got.get(i), "completion " + i + " in call order");
                }
                assertReads(ws2, p.server(), arena, 1, 100, 2, 200, 3, 300);
                assertEquals(List.of(1, 2), w.carried, "the released send and the one behind it as one lower send");
            }
        });
    }
}
