package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.LPWSAOVERLAPPED_COMPLETION_ROUTINE;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;
import org.jwsp.kernel.KernelPort;
import org.jwsp.provider.filter.SendFilter;
import org.jwsp.provider.filter.SendView;

/**
 * jwsp's completed-at-once path ({@code SendPath}'s immediate branch, {@code OverlappedProxy}'s
 * immediate receive) over the real host, whose base provider now completes at once what the
 * kernel can do at once, as Windows' does: the program sees 0 and the count, and its event, port
 * packet or completion routine all the same; sends that complete at once and sends that pend on one
 * socket arrive and complete in call order.
 */
class HostImmediateCompletionTest {

    private static final int BIG = 16 << 20;

    @Test
    void aSendThatFitsCompletesAtOnceThroughJwspAndStillSetsItsEventAndPostsItsPacket() throws Exception {
        OverTheHost.run((ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                assertEquals(installed.chainOver(Catalog.BASE_TCP_V4), ws2.provider(p.client()).entry().catalogEntryId());
                KernelPort kernel = ws2.kernel();
                long port = kernel.createCompletionPort(0);
                kernel.associate(port, p.client(), 0xAB);
                MemorySegment ov = OverTheHost.overlapped(ws2, arena);
                MemorySegment sent = arena.allocateFrom(ValueLayout.JAVA_INT, -1);
                assertEquals(0, ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 700, 4)), 1, sent, 0, ov,
                        MemorySegment.NULL), () -> "send: " + ws2.lastError());
                assertEquals(700, sent.get(ValueLayout.JAVA_INT, 0));
                assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(OVERLAPPED.hEvent(ov).address(), 10_000, false));
                MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(2, arena);
                assertEquals(1, kernel.dequeue(port, entries, 10_000, false));
                assertEquals(0xAB, OVERLAPPED_ENTRY.lpCompletionKey(entries));
                assertEquals(700, OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(entries));
                assertEquals(ov.address(), OVERLAPPED_ENTRY.lpOverlapped(entries).address());
                MemorySegment bytes = arena.allocate(ValueLayout.JAVA_INT);
                assertTrue(ws2.getOverlappedResult(p.client(), ov, bytes, false, arena.allocate(ValueLayout.JAVA_INT)));
                assertEquals(700, bytes.get(ValueLayout.JAVA_INT, 0));
                MemorySegment got = arena.allocate(700);
                assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
                Buffers.assertPattern(got, 4);
                assertEquals(KernelPort.DEQUEUE_TIMEOUT, kernel.dequeue(port, entries, 0, false), "one packet, not two");
                kernel.closeHandle(port);
            }
        });
    }

    @Test
    void anImmediateSendThroughJwspRunsItsRoutineInTheNextAlertableWait() throws Exception {
        OverTheHost.run((ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                List<int[]> calls = new CopyOnWriteArrayList<>();
                MemorySegment routine = LPWSAOVERLAPPED_COMPLETION_ROUTINE.allocate(
                        (e, n, o, f) -> calls.add(new int[] {e, n}), arena);
                MemorySegment ov = arena.allocate(OVERLAPPED.layout());
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                assertEquals(0, ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 300, 7)), 1, sent, 0, ov, routine));
                assertTrue(calls.isEmpty(), "not inside the call");
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (calls.isEmpty() && System.nanoTime() < deadline) {
                    ws2.sleepEx(1000, true);
                }
                assertEquals(1, calls.size());
                assertEquals(0, calls.get(0)[0]);
                assertEquals(300, calls.get(0)[1]);
            }
        });
    }

    @Test
    void aReceiveWithDataQueuedCompletesAtOnceThroughJwsp() throws Exception {
        OverTheHost.run((ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                assertEquals(0, ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 64, 9)), 1, sent, 0,
                        MemorySegment.NULL, MemorySegment.NULL));
                MemorySegment one = arena.allocate(1);
                assertEquals(0, ws2.recv(p.server(), Buffers.wsabuf(arena, one), 1, sent, arena.allocateFrom(ValueLayout.JAVA_INT, MSG_PEEK()),
                        MemorySegment.NULL, MemorySegment.NULL), "peek: the data is there");
                MemorySegment ov = OverTheHost.overlapped(ws2, arena);
                MemorySegment into = arena.allocate(64);
                MemorySegment got = arena.allocateFrom(ValueLayout.JAVA_INT, -1);
                assertEquals(0, ws2.recv(p.server(), Buffers.wsabuf(arena, into), 1, got, arena.allocateFrom(ValueLayout.JAVA_INT, 0), ov,
                        MemorySegment.NULL), () -> "recv: " + ws2.lastError());
                assertEquals(64, got.get(ValueLayout.JAVA_INT, 0));
                Buffers.assertPattern(into, 9);
                assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(OVERLAPPED.hEvent(ov).address(), 10_000, false));
            }
        });
    }

    /**
     * One send in flight at a time, each fitting in the socket buffer: every one completes at once,
     * and its completion is delivered by the caller's own thread (the filter's onComplete runs
     * where the delivery runs), but for the send after each probe. jwsp asks the base socket to skip its port on success, so no packet
     * of an at-once send reaches jwsp's worker and the next send never waits for it. Before, the
     * lower provider's packet for each at-once send kept the socket "in flight" until jwsp's worker
     * reaped it: the next send queued behind it and was issued and delivered by the worker.
     */
    @Test
    void atWindowOneEverySendCompletesAtOnceAndIsDeliveredOnTheCallersThread() throws Exception {
        int sends = 200;
        List<String> deliveredOn = new CopyOnWriteArrayList<>();
        SendFilter where = new SendFilter() {
            @Override
            public int onSend(SendView send) {
                return PASS;
            }

            @Override
            public void onComplete(SendView send, int error, long bytes) {
                deliveredOn.add(Thread.currentThread().getName());
            }
        };
        OverTheHost.run(settings -> settings.withFilter(where), (ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                KernelPort kernel = ws2.kernel();
                long port = kernel.createCompletionPort(0);
                kernel.associate(port, p.client(), 7);
                MemorySegment got = arena.allocate(64L * sends, 8);
                Thread reader = Thread.ofPlatform().start(() -> Buffers.receiveFully(ws2, p.server(), got, arena));
                MemorySegment ov = arena.allocate(OVERLAPPED.layout());
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(2, arena);
                List<Integer> answers = new ArrayList<>();
                for (int i = 0; i < sends; i++) {
                    MemorySegment data = Buffers.pattern(arena, 64, i);
                    answers.add(ws2.send(p.client(), Buffers.wsabuf(arena, data), 1, sent, 0, ov, MemorySegment.NULL) == 0
                            ? 0 : ws2.lastError());
                    assertEquals(1, kernel.dequeue(port, entries, 10_000, false), "send " + i + "'s packet");
                    assertEquals(ov.address(), OVERLAPPED_ENTRY.lpOverlapped(entries).address());
                    assertEquals(64, OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(entries));
                }
                reader.join();
                for (int i = 0; i < sends; i++) {
                    Buffers.assertPattern(got.asSlice(64L * i, 64), i);
                }
                String caller = Thread.currentThread().getName();
                // Only the probes (one at-once send in HoldRule.PROBE_EVERY is held to learn whether sends would
                // merge behind it) cost the send after them a hand-off; before, about every other send did.
                // A send made while the worker is still telling the queue that a delivery ended also pends
                // (completions stay in call order), and on a loaded machine a few in a row can: the bound
                // allows that, and still fails the old way (about half of the sends pended).
                int probes = sends / 4;
                long pended = answers.stream().filter(a -> a != 0).count();
                assertTrue(answers.stream().allMatch(a -> a == 0 || a == WSA_IO_PENDING()), answers::toString);
                assertTrue(pended <= probes, pended + " of " + sends + " sends pended: " + answers);
                long elsewhere = deliveredOn.stream().filter(t -> !t.equals(caller)).count();
                assertEquals(sends, deliveredOn.size());
                assertTrue(elsewhere <= probes, elsewhere + " of " + sends + " sends delivered off the caller's thread: " + deliveredOn);
                assertEquals(KernelPort.DEQUEUE_TIMEOUT, kernel.dequeue(port, entries, 0, false), "one packet per send");
                kernel.closeHandle(port);
            }
        });
    }

    /**
     * Sixteen sends in flight on a completion port, over the real host: sends complete at once,
     * are held so later ones merge behind them ({@code HoldRule}), or pend when
     * the kernel pushes back; whichever way, every send's packet arrives once, in call order, with
     * its own count, the filter hears of each once in call order, and the peer reads every byte
     * once, in order.
     */
    @Test
    void sixteenInFlightThroughJwsp_heldMergedAndAtOnceSendsCompleteOnceInCallOrder() throws Exception {
        int sends = 3000;
        int window = 16;
        List<Long> told = new CopyOnWriteArrayList<>();
        SendFilter counts = new SendFilter() {
            @Override
            public int onSend(SendView send) {
                return PASS;
            }

            @Override
            public void onComplete(SendView send, int error, long bytes) {
                told.add(error == 0 ? bytes : -error);
            }
        };
        OverTheHost.run(settings -> settings.withFilter(counts), (ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                KernelPort kernel = ws2.kernel();
                long port = kernel.createCompletionPort(0);
                kernel.associate(port, p.client(), 5);
                long total = 0;
                int[] sizes = new int[sends];
                for (int i = 0; i < sends; i++) {
                    sizes[i] = 1 + (i * 37) % 200;
                    total += sizes[i];
                }
                MemorySegment got = arena.allocate(total, 8);
                Thread reader = Thread.ofPlatform().start(() -> Buffers.receiveFully(ws2, p.server(), got, arena));
                MemorySegment ovs = OVERLAPPED.allocateArray(window, arena);
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(window, arena);
                MemorySegment[] data = new MemorySegment[sends];
                int completed = 0;
                for (int i = 0; i < sends; i++) {
                    if (i - completed == window) {
                        int n = kernel.dequeue(port, entries, 10_000, false);
                        assertTrue(n > 0, "dequeue: " + n);
                        for (int j = 0; j < n; j++, completed++) {
                            MemorySegment e = OVERLAPPED_ENTRY.asSlice(entries, j);
                            assertEquals(OVERLAPPED.asSlice(ovs, completed % window).address(), OVERLAPPED_ENTRY.lpOverlapped(e).address(),
                                    "packet of send " + completed);
                            assertEquals(sizes[completed], OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(e), "count of send " + completed);
                        }
                    }
                    data[i] = Buffers.pattern(arena, sizes[i], i);
                    MemorySegment ov = OVERLAPPED.asSlice(ovs, i % window).asSlice(0, OVERLAPPED.sizeof());
                    ov.fill((byte) 0);
                    int rc = ws2.send(p.client(), Buffers.wsabuf(arena, data[i]), 1, sent, 0, ov, MemorySegment.NULL);
                    assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING(), "send " + i + ": " + ws2.lastError());
                }
                while (completed < sends) {
                    int n = kernel.dequeue(port, entries, 10_000, false);
                    assertTrue(n > 0, "dequeue: " + n);
                    for (int j = 0; j < n; j++, completed++) {
                        MemorySegment e = OVERLAPPED_ENTRY.asSlice(entries, j);
                        assertEquals(OVERLAPPED.asSlice(ovs, completed % window).address(), OVERLAPPED_ENTRY.lpOverlapped(e).address(),
                                "packet of send " + completed);
                        assertEquals(sizes[completed], OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(e), "count of send " + completed);
                    }
                }
                assertEquals(KernelPort.DEQUEUE_TIMEOUT, kernel.dequeue(port, entries, 0, false), "one packet per send");
                reader.join();
                long at = 0;
                for (int i = 0; i < sends; i++) {
                    Buffers.assertPattern(got.asSlice(at, sizes[i]), i);
                    at += sizes[i];
                }
                List<Long> expected = new ArrayList<>();
                for (int size : sizes) {
                    expected.add((long) size);
                }
                assertEquals(expected, told, "the filter hears of each send once, in call order");
                kernel.closeHandle(port);
            }
        });
    }

    /** Immediate, pending and queued sends through jwsp on one socket: call order on the wire and on the port. */
    @Test
    void immediateAndPendingSendsThroughJwspKeepCallOrder() throws Exception {
        OverTheHost.run((ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                KernelPort kernel = ws2.kernel();
                long port = kernel.createCompletionPort(0);
                kernel.associate(port, p.client(), 1);
                int[] sizes = {1000, BIG, 2000, 3000};
                MemorySegment ovs = OVERLAPPED.allocateArray(sizes.length, arena);
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                List<Integer> answers = new ArrayList<>();
                for (int i = 0; i < sizes.length; i++) {
                    int r = ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, sizes[i], i)), 1, sent, 0,
                            OVERLAPPED.asSlice(ovs, i), MemorySegment.NULL);
                    answers.add(r == 0 ? 0 : ws2.lastError());
                }
                assertEquals(0, answers.get(0), "the first fits at once");
                assertEquals(WSA_IO_PENDING(), answers.get(1), "the big one pends");
                for (int i = 0; i < sizes.length; i++) {
                    MemorySegment got = arena.allocate(sizes[i], 8);
                    assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
                    Buffers.assertPattern(got, i);
                }
                MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(8, arena);
                int next = 0;
                while (next < sizes.length) {
                    int n = kernel.dequeue(port, entries, 10_000, false);
                    assertTrue(n > 0, "dequeue: " + n);
                    for (int j = 0; j < n; j++, next++) {
                        MemorySegment e = OVERLAPPED_ENTRY.asSlice(entries, j);
                        assertEquals(OVERLAPPED.asSlice(ovs, next).address(), OVERLAPPED_ENTRY.lpOverlapped(e).address(), "packet " + next);
                        assertEquals(sizes[next], OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(e));
                    }
                }
                kernel.closeHandle(port);
            }
        });
    }

    /**
     * A send that could complete at once while the worker is still delivering an earlier send of
     * the same socket must wait for that delivery: otherwise its caller delivers it first, and the
     * port (and the filter's onComplete) see the later send before the earlier one. The window is
     * held open by the filter: the worker's onComplete for the big send waits for a latch.
     */
    @Test
    void aSendThatCouldCompleteAtOnceWaitsForTheEarlierSendStillBeingDelivered() throws Exception {
        CountDownLatch workerDelivering = new CountDownLatch(1);
        CountDownLatch letItFinish = new CountDownLatch(1);
        List<Long> told = new CopyOnWriteArrayList<>();
        SendFilter holdsTheBigOne = new SendFilter() {
            @Override
            public int onSend(SendView send) {
                return PASS;
            }

            @Override
            public void onComplete(SendView send, int error, long bytes) {
                if (bytes == BIG) {
                    workerDelivering.countDown();
                    try {
                        letItFinish.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                told.add(bytes);
            }
        };
        OverTheHost.run(settings -> settings.withFilter(holdsTheBigOne), (ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                KernelPort kernel = ws2.kernel();
                long port = kernel.createCompletionPort(0);
                kernel.associate(port, p.client(), 1);
                MemorySegment ovs = OVERLAPPED.allocateArray(2, arena);
                MemorySegment big = OVERLAPPED.asSlice(ovs, 0).asSlice(0, OVERLAPPED.sizeof());
                MemorySegment small = OVERLAPPED.asSlice(ovs, 1);
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                assertEquals(SOCKET_ERROR(), ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, BIG, 1)), 1, sent, 0,
                        big, MemorySegment.NULL));
                assertEquals(WSA_IO_PENDING(), ws2.lastError(), "the big send pends");
                MemorySegment bigGot = arena.allocate(BIG, 8);
                Thread reader = Thread.ofPlatform().start(() -> Buffers.receiveFully(ws2, p.server(), bigGot, arena));
                assertTrue(workerDelivering.await(10, TimeUnit.SECONDS), "the worker delivers the big send");
                reader.join();

                int answer = ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 500, 2)), 1, sent, 0, small,
                        MemorySegment.NULL) == 0 ? 0 : ws2.lastError();
                assertEquals(List.of(), told, "nothing told while the big send's delivery is held");
                assertEquals(WSA_IO_PENDING(), answer, "queued behind the delivery, not completed ahead of it");
                letItFinish.countDown();

                MemorySegment smallGot = arena.allocate(500);
                assertTrue(Buffers.receiveFully(ws2, p.server(), smallGot, arena));
                Buffers.assertPattern(bigGot, 1);
                Buffers.assertPattern(smallGot, 2);
                MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(2, arena);
                List<Long> packets = new ArrayList<>();
                while (packets.size() < 2) {
                    int n = kernel.dequeue(port, entries, 10_000, false);
                    assertTrue(n > 0, "dequeue: " + n);
                    for (int j = 0; j < n; j++) {
                        packets.add(OVERLAPPED_ENTRY.lpOverlapped(OVERLAPPED_ENTRY.asSlice(entries, j)).address());
                    }
                }
                assertEquals(List.of(big.address(), small.address()), packets, "the port in call order");
                assertEquals(List.of((long) BIG, 500L), told, "the filter in call order");
                kernel.closeHandle(port);
            } finally {
                letItFinish.countDown();
            }
        });
    }
}
