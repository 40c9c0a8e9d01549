package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.provider.SendFixture.PENDING;
import static org.jwsp.provider.SendFixture.SOCKET_ERROR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jwsp.bindings.windows.LPWSAOVERLAPPED_COMPLETION_ROUTINE;
import org.jwsp.bindings.windows.LPWSPRECV;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.kernel.KernelPort;
import org.jwsp.testkit.FakeLowerProvider;
import org.jwsp.testkit.FakeLowerProvider.Answer;
import org.jwsp.testkit.PeerReader;
import org.junit.jupiter.api.Test;

/**
 * WSPSend's ordering, re-entrance and cancellation sentences, through the native pointer over
 * the test harness (fake lower provider). "Pending" is the fake lower provider holding
 * sends until the test completes them.
 */
class WspSendOrderAndAbortTest {

    private static final int WAIT = 5_000;

    private static MemorySegment record(SendFixture f, int thread, int seq) {
        MemorySegment d = f.arena.allocate(8);
        d.set(ValueLayout.JAVA_INT_UNALIGNED, 0, thread);
        d.set(ValueLayout.JAVA_INT_UNALIGNED, 4, seq);
        return d;
    }

    @Test
    void postedBuffersAreSentInTheOrderSupplied_queuedSendsAreMergedIntoFewLowerSends() throws Exception {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            FakeLowerProvider.LowerSocket lower = f.lowerOf();
            f.c.lower.answer(lower, Answer.PENDING, 0);
            int n = 200;
            MemorySegment[] ovs = new MemorySegment[n];
            for (int i = 0; i < n; i++) {
                ovs[i] = f.overlapped(true);
                assertEquals(SOCKET_ERROR, f.send(s, f.bufs(record(f, 0, i)), 1, 0, ovs[i]));
                assertEquals(PENDING, f.errno());
            }
            int completed = 0;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (completed < n && System.nanoTime() < deadline) {
                if (f.c.lower.pendingCount(lower) > 0) {
                    f.c.lower.completePending(lower); // the lower provider finishes what jwsp gave it
                } else {
                    f.c.kernel.waitForSingleObject(f.event(ovs[completed]), 5, false); // jwsp's worker is splitting/issuing
                }
                while (completed < n && f.c.kernel.waitForSingleObject(f.event(ovs[completed]), 0, false) == KernelPort.WAIT_OBJECT_0) {
                    completed++;
                }
            }
            assertEquals(n, completed);
            ByteBuffer got = ByteBuffer.wrap(PeerReader.readExactly(lower.peerFd, n * 8)).order(java.nio.ByteOrder.nativeOrder());
            for (int i = 0; i < n; i++) {
                assertEquals(0, got.getInt());
                assertEquals(i, got.getInt(), "record " + i + " in order");
            }
            int perMerge = SocketTable.GATHER_CAPACITY;
            assertTrue(lower.sendCalls.get() <= 1 + (n - 1 + perMerge - 1) / perMerge + 1,
                    "merged: " + lower.sendCalls.get() + " lower sends for " + n);
        }
    }

    /** Merging stops at LowerIssue.MERGE_BYTES: large queued sends go down a few at a time, in order. */
    @Test
    void aMergedLowerSendCarriesAtMostMergeBytes_largeSendsStillArriveInOrder() throws Exception {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            FakeLowerProvider.LowerSocket lower = f.lowerOf();
            f.c.lower.answer(lower, Answer.PENDING, 0);
            int n = 10;
            int size = 64 * 1024;
            var reader = java.util.concurrent.CompletableFuture.supplyAsync(() -> PeerReader.readExactly(lower.peerFd, n * size),
                    r -> Thread.ofPlatform().daemon().start(r));
            MemorySegment[] ovs = new MemorySegment[n];
            for (int i = 0; i < n; i++) {
                MemorySegment data = f.arena.allocate(size);
                data.fill((byte) i);
                ovs[i] = f.overlapped(true);
                assertEquals(SOCKET_ERROR, f.send(s, f.bufs(data), 1, 0, ovs[i]));
                assertEquals(PENDING, f.errno());
            }
            int completed = 0;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (completed < n && System.nanoTime() < deadline) {
                if (f.c.lower.pendingCount(lower) > 0) {
                    f.c.lower.completePending(lower);
                } else {
                    f.c.kernel.waitForSingleObject(f.event(ovs[completed]), 5, false);
                }
                while (completed < n && f.c.kernel.waitForSingleObject(f.event(ovs[completed]), 0, false) == KernelPort.WAIT_OBJECT_0) {
                    completed++;
                }
            }
            assertEquals(n, completed);
            byte[] got = reader.get(30, TimeUnit.SECONDS);
            for (int i = 0; i < n; i++) {
                assertEquals((byte) i, got[i * size], "send " + i + " in order");
                assertEquals((byte) i, got[i * size + size - 1], "send " + i + " whole");
            }
            // The first goes alone (nothing was queued yet); the other nine merge at most 256 KiB = 4 sends
            // at a time: 4 + 4 + 1. Without the cap all nine would go as one.
            assertEquals(4, lower.sendCalls.get(), "lower sends");
            assertEquals(256 * 1024, LowerIssue.MERGE_BYTES, "the bound CONTRACT.md states");
        }
    }

    @Test
    void manyThreadsSendingAtOnceOnOneSocket_eachThreadsBuffersArriveInOrder_noneLostNoneTwice() throws Exception {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            FakeLowerProvider.LowerSocket lower = f.lowerOf();
            int threads = 8;
            int each = 300;
            var reader = java.util.concurrent.CompletableFuture.supplyAsync(() -> PeerReader.readExactly(lower.peerFd, threads * each * 8), r -> Thread.ofPlatform().daemon().start(r));
            List<Thread> senders = new ArrayList<>();
            List<MemorySegment> events = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicInteger refused = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            for (int t = 0; t < threads; t++) {
                int id = t;
                senders.add(Thread.ofPlatform().start(() -> {
                    try (Arena a = Arena.ofConfined()) {
                        MemorySegment errno = a.allocate(ValueLayout.JAVA_INT);
                        MemorySegment sent = a.allocate(ValueLayout.JAVA_INT);
                        go.await();
                        for (int i = 0; i < each; i++) {
                            MemorySegment ov = f.overlapped(true);
                            events.add(ov);
                            int rc = f.c.send(s, f.bufs(record(f, id, i)), 1, sent, 0, ov, MemorySegment.NULL, MemorySegment.NULL, errno);
                            if (rc != 0 && errno.get(ValueLayout.JAVA_INT, 0) != PENDING) {
                                refused.incrementAndGet();
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            go.countDown();
            for (Thread t : senders) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
            assertEquals(0, refused.get());
            ByteBuffer got = ByteBuffer.wrap(reader.get(30, TimeUnit.SECONDS)).order(java.nio.ByteOrder.nativeOrder());
            int[] next = new int[threads];
            for (int i = 0; i < threads * each; i++) {
                int t = got.getInt();
                int seq = got.getInt();
                assertEquals(next[t]++, seq, "thread " + t + "'s sends in the order it made them");
            }
            for (MemorySegment ov : events) {
                assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ov), WAIT, false));
                assertArrayEquals(new int[] {0, 8}, SendFixture.result(ov));
            }
            assertEquals(threads * each, f.c.ws2.completions.get(), "one completion per send");
        }
    }

    private static void abortScenario(boolean close) throws Exception {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            Map<Long, AtomicInteger> byOv = new ConcurrentHashMap<>();
            f.c.ws2.completionsByOverlapped = byOv;
            FakeLowerProvider.LowerSocket lower = f.lowerOf();
            f.c.lower.answer(lower, Answer.PENDING, 0);
            MemorySegment[] ovs = new MemorySegment[5];
            for (int i = 0; i < ovs.length; i++) {
                ovs[i] = f.overlapped(true);
                assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("pending" + i)), 1, 0, ovs[i]));
                assertEquals(PENDING, f.errno());
            }
            if (close) {
                assertEquals(0, f.c.closeSocket(s));
            } else {
                assertEquals(0, f.c.ioctl(s, ws2spi_h.SIO_FLUSH(), MemorySegment.NULL, 0, f.arena.allocate(ValueLayout.JAVA_INT)));
            }
            for (MemorySegment ov : ovs) {
                assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ov), WAIT, false));
                assertEquals(ws2spi_h.WSA_OPERATION_ABORTED(), SendFixture.result(ov)[0]);
            }
            for (MemorySegment ov : ovs) {
                assertEquals(1, byOv.get(ov.address()).get(), "exactly once");
            }
            assertEquals(ovs.length, byOv.size());
            if (!close) {
                f.c.lower.answer(lower, Answer.IMMEDIATE, 0);
                MemorySegment ov = f.overlapped(true);
                // At once, or pending for a moment: the worker may still be inside the delivery of the
                // aborted sends (their events are set before it leaves it), and nothing is issued
                // while a delivery of the socket is under way (SubmissionQueue: completions in call order).
                int rc = f.send(s, f.bufs(f.data("after")), 1, 0, ov);
                assertTrue(rc == 0 || f.errno() == PENDING, "the socket still sends after SIO_FLUSH: " + f.errno());
                assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ov), WAIT, false));
                assertArrayEquals(new int[] {0, 5}, SendFixture.result(ov));
                assertEquals(6, byOv.size());
            }
        }
    }

    @Test
    void closeEndsEveryPendingSendWithWsaOperationAborted_exactlyOnceEach() throws Exception {
        abortScenario(true);
    }

    /**
     * The close must not close the client's handle while the completion worker is still delivering
     * the aborted send it just took from the lower provider: through a closed handle
     * WPUCompleteOverlappedRequest refuses, and a client waiting on its port would never hear of
     * the send. Seen once on one CPU; here the worker's delivery waits (up to 500 ms) for the
     * handle to be closed, which happened every time before WSPCloseSocket waited for it.
     */
    @Test
    void closeWaitsForTheWorkerToDeliverTheAbortedSendBeforeClosingTheHandle() throws Exception {
        closeWhileTheWorkerDelivers((f, s, ov) -> f.send(s, f.bufs(f.data("in flight")), 1, 0, ov));
    }

    /** The same for an operation jwsp only proxies (an overlapped WSPRecv held by the lower provider). */
    @Test
    void closeWaitsForTheWorkerToDeliverAnAbortedProxiedReceiveBeforeClosingTheHandle() throws Exception {
        closeWhileTheWorkerDelivers((f, s, ov) -> {
            MemorySegment flags = f.arena.allocate(ValueLayout.JAVA_INT);
            return LPWSPRECV.invoke(WSPPROC_TABLE.lpWSPRecv(f.c.procTable), s, f.bufs(f.arena.allocate(16)), 1, f.sent, flags, ov,
                    MemorySegment.NULL, MemorySegment.NULL, f.errno);
        });
    }

    private interface PendingCall {
        int start(SendFixture f, long s, MemorySegment ov);
    }

    private static void closeWhileTheWorkerDelivers(PendingCall call) throws Exception {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            Map<Long, AtomicInteger> byOv = new ConcurrentHashMap<>();
            f.c.ws2.completionsByOverlapped = byOv;
            f.c.lower.answer(f.lowerOf(), Answer.PENDING, 0);
            MemorySegment ov = f.overlapped(true);
            assertEquals(SOCKET_ERROR, call.start(f, s, ov));
            assertEquals(PENDING, f.errno());
            CountDownLatch handleClosed = new CountDownLatch(1);
            f.c.ws2.afterCloseSocketHandle = handleClosed::countDown;
            f.c.ws2.beforeCompletion = () -> {
                if (Thread.currentThread().getName().equals("jwsp-completion")) {
                    try {
                        handleClosed.await(500, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            assertEquals(0, f.c.closeSocket(s));
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ov), WAIT, false));
            assertEquals(ws2spi_h.WSA_OPERATION_ABORTED(), SendFixture.result(ov)[0]);
            AtomicInteger told = byOv.get(ov.address());
            assertEquals(1, told == null ? 0 : told.get(), "completed through WPUCompleteOverlappedRequest, exactly once");
        }
    }

    @Test
    void sioFlushThroughWspIoctlEndsEveryPendingSendWithWsaOperationAborted_exactlyOnceEach() throws Exception {
        abortScenario(false);
    }

    @Test
    void wspSendIsCallableFromInsideACompletionRoutine() throws Exception {
        try (SendFixture f = new SendFixture(); Arena a = Arena.ofShared()) {
            long s = f.stream(true);
            MemorySegment threadId = f.c.openCurrentThread(a);
            AtomicInteger innerRc = new AtomicInteger(-2);
            MemorySegment inner = LPWSAOVERLAPPED_COMPLETION_ROUTINE.allocate((e, n, ov, fl) -> { }, a);
            MemorySegment innerOv = f.overlapped(false);
            MemorySegment innerBufs = f.bufs(f.data("second"));
            MemorySegment outer = LPWSAOVERLAPPED_COMPLETION_ROUTINE.allocate((e, n, ov, fl) ->
                    innerRc.set(f.c.send(s, innerBufs, 1, f.sent, 0, innerOv, inner, threadId, f.errno)), a);
            assertEquals(0, f.c.send(s, f.bufs(f.data("first ")), 1, f.sent, 0, f.overlapped(false), outer, threadId, f.errno));
            assertEquals(KernelPort.WAIT_IO_COMPLETION, f.c.kernel.sleep(WAIT, true));
            assertTrue(innerRc.get() == 0 || f.errno() == PENDING, "the send from inside the routine was accepted: " + innerRc.get());
            assertTrue(f.c.ws2.awaitApcsQueued(2, WAIT));
            assertEquals("first second", new String(PeerReader.readExactly(f.lowerOf().peerFd, 12), java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    @Test
    void completionRoutinesOfOneSocketAreNeverNested() throws Exception {
        try (SendFixture f = new SendFixture(); Arena a = Arena.ofShared()) {
            long s = f.stream(true);
            FakeLowerProvider.LowerSocket lower = f.lowerOf();
            f.c.lower.answer(lower, Answer.PENDING, 0);
            MemorySegment threadId = f.c.openCurrentThread(a);
            AtomicInteger depth = new AtomicInteger();
            AtomicInteger maxDepth = new AtomicInteger();
            AtomicInteger calls = new AtomicInteger();
            MemorySegment routine = LPWSAOVERLAPPED_COMPLETION_ROUTINE.allocate((e, n, ov, fl) -> {
                maxDepth.accumulateAndGet(depth.incrementAndGet(), Math::max);
                calls.incrementAndGet();
                f.c.kernel.sleep(0, true); // the client waits alertably inside its routine
                depth.decrementAndGet();
            }, a);
            assertEquals(SOCKET_ERROR, f.c.send(s, f.bufs(f.data("one")), 1, f.sent, 0, f.overlapped(false), routine, threadId, f.errno));
            assertEquals(PENDING, f.errno());
            assertEquals(SOCKET_ERROR, f.c.send(s, f.bufs(f.data("two")), 1, f.sent, 0, f.overlapped(false), routine, threadId, f.errno));
            assertEquals(PENDING, f.errno());
            assertEquals(1, lower.sendCalls.get(), "lower sends");
            assertEquals(1, f.c.lower.pendingCount(lower), "one send in flight at the lower provider, one queued in jwsp");
            assertEquals(1, f.c.lower.completePending(lower));
            assertTrue(f.c.lower.awaitPending(lower, 1, WAIT));
            assertEquals(1, f.c.lower.completePending(lower));
            assertTrue(f.c.ws2.awaitApcsQueued(2, WAIT), "both routines are queued to this thread");
            assertEquals(KernelPort.WAIT_IO_COMPLETION, f.c.kernel.sleep(WAIT, true));
            assertEquals(2, calls.get(), "both routines ran");
            assertEquals(1, maxDepth.get(), "never nested");
        }
    }

    @Test
    void requestPoolExhausted_overlappedSendAnswersWsaeWouldBlock_andRecovers() throws Exception {
        try (SendFixture f = new SendFixture(s -> s.withRequestPoolSize(4))) {
            long s = f.stream(true);
            FakeLowerProvider.LowerSocket lower = f.lowerOf();
            f.c.lower.answer(lower, Answer.PENDING, 0);
            for (int i = 0; i < 4; i++) {
                assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("x")), 1, 0, f.overlapped(true)));
                assertEquals(PENDING, f.errno());
            }
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("y")), 1, 0, f.overlapped(true)));
            assertEquals(ws2spi_h.WSAEWOULDBLOCK(), f.errno(), "too many outstanding overlapped I/O requests");
            f.c.lower.answer(lower, Answer.IMMEDIATE, 0);
            f.c.lower.completePending(lower);
            assertTrue(f.c.lower.awaitPending(lower, 0, WAIT));
            MemorySegment ov = f.overlapped(true);
            int rc = SOCKET_ERROR;
            for (int attempt = 0; attempt < 1000 && rc != 0 && (rc == 0 || f.errno() != PENDING); attempt++) {
                rc = f.send(s, f.bufs(f.data("z")), 1, 0, ov);
                if (rc != 0 && f.errno() == ws2spi_h.WSAEWOULDBLOCK()) {
                    f.c.kernel.waitForSingleObject(f.event(ov), 1, false); // the worker is still releasing requests
                }
            }
            assertTrue(rc == 0 || f.errno() == PENDING, "a request is free again");
        }
    }
}
