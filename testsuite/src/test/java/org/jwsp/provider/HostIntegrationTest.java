package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.jwsp.provider.OverTheHost.overlapped;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.jwsp.bindings.windows.LPWSAOVERLAPPED_COMPLETION_ROUTINE;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Leaks;
import org.jwsp.testkit.Pair;
import org.jwsp.kernel.KernelPort;
import org.junit.jupiter.api.Test;

/**
 * jwsp over the REAL Linux host (org.jwsp.host: catalog, ws2_32-like Ws2 client, upcall table,
 * base provider on real loopback sockets, LinuxKernelPort over io_uring): installed in the host's
 * catalog over the base TCP/UDP entries, started by Ws2 through {@link LayeredProvider#startupStub()},
 * called by Ws2 through its WSPPROC_TABLE. Only loopback.
 */
class HostIntegrationTest {

    private static final int WAIT = 10_000;

    private static void overTheHost(OverTheHost.Body body) throws Exception {
        OverTheHost.run(body);
    }

    @Test
    void overlappedSendsThroughJwsp_arriveWholeAndInOrder_eventsAndGetOverlappedResultGiveEachCount() throws Exception {
        overTheHost((ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                assertEquals(installed.chainOver(Catalog.BASE_TCP_V4), ws2.provider(p.client()).entry().catalogEntryId(),
                        "the socket is jwsp's");
                int n = 100;
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                List<MemorySegment> ovs = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    MemorySegment ov = overlapped(ws2, arena);
                    ovs.add(ov);
                    int rc = ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 512, i)), 1, sent, 0, ov, MemorySegment.NULL);
                    assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING(), "send " + i + ": " + ws2.lastError());
                }
                MemorySegment got = arena.allocate(512);
                for (int i = 0; i < n; i++) {
                    assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
                    Buffers.assertPattern(got, i);
                }
                MemorySegment bytes = arena.allocate(ValueLayout.JAVA_INT);
                MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
                for (MemorySegment ov : ovs) {
                    assertEquals(0, ws2.waitForEvent(OVERLAPPED.hEvent(ov).address(), WAIT, false));
                    assertTrue(ws2.getOverlappedResult(p.client(), ov, bytes, false, flags));
                    assertEquals(512, bytes.get(ValueLayout.JAVA_INT, 0));
                }
            }
        });
    }

    @Test
    void completionRoutineRunsInTheCallersAlertableWait_withErrorBytesOverlappedAndZeroFlags() throws Exception {
        overTheHost((ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                List<long[]> calls = new CopyOnWriteArrayList<>();
                MemorySegment routine = LPWSAOVERLAPPED_COMPLETION_ROUTINE.allocate(
                        (e, n, ov, fl) -> calls.add(new long[] {e, n, ov.address(), fl, Thread.currentThread().threadId()}), arena);
                MemorySegment ov = arena.allocate(OVERLAPPED.layout());
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                int rc = ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 300, 7)), 1, sent, 0, ov, routine);
                assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING());
                long deadline = System.nanoTime() + WAIT * 1_000_000L;
                while (calls.isEmpty() && System.nanoTime() < deadline) {
                    ws2.sleepEx(WAIT, true);
                }
                assertEquals(1, calls.size());
                assertArrayEquals(new long[] {0, 300, ov.address(), 0, Thread.currentThread().threadId()}, calls.get(0));
                MemorySegment got = arena.allocate(300);
                assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
                Buffers.assertPattern(got, 7);
            }
        });
    }

    @Test
    void manyThreadsSendingOnOneSocket_eachThreadsRecordsArriveInItsOrder() throws Exception {
        overTheHost((ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                int threads = 4;
                int each = 200;
                AtomicInteger refused = new AtomicInteger();
                List<Thread> senders = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    senders.add(Thread.ofPlatform().start(() -> {
                        MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                        for (int i = 0; i < each; i++) {
                            MemorySegment rec = arena.allocate(8);
                            rec.set(ValueLayout.JAVA_INT_UNALIGNED, 0, id);
                            rec.set(ValueLayout.JAVA_INT_UNALIGNED, 4, i);
                            int rc = ws2.send(p.client(), Buffers.wsabuf(arena, rec), 1, sent, 0, overlapped(ws2, arena), MemorySegment.NULL);
                            if (rc != 0 && ws2.lastError() != WSA_IO_PENDING()) {
                                refused.incrementAndGet();
                            }
                        }
                    }));
                }
                MemorySegment all = arena.allocate(threads * each * 8L);
                assertTrue(Buffers.receiveFully(ws2, p.server(), all, arena));
                for (Thread t : senders) {
                    t.join(WAIT);
                }
                assertEquals(0, refused.get());
                ByteBuffer b = all.asByteBuffer().order(java.nio.ByteOrder.nativeOrder());
                int[] next = new int[threads];
                for (int i = 0; i < threads * each; i++) {
                    int t = b.getInt();
                    assertEquals(next[t]++, b.getInt(), "thread " + t);
                }
            }
        });
    }

    @Test
    void WSAESHUTDOWN_overTheRealHost_afterShutdownSdSend() throws Exception {
        overTheHost((ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                assertEquals(0, ws2.shutdown(p.client(), SD_SEND()));
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                assertEquals(SOCKET_ERROR(), ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 4, 1)), 1, sent, 0,
                        overlapped(ws2, arena), MemorySegment.NULL));
                assertEquals(WSAESHUTDOWN(), ws2.lastError());
            }
        });
    }

    @Test
    void WSAENOTCONN_overTheRealHost_sendOnAnUnconnectedStreamSocket() throws Exception {
        overTheHost((ws2, installed, arena) -> {
            long s = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), 0);
            assertNotEquals(INVALID_SOCKET(), s);
            assertEquals(installed.chainOver(Catalog.BASE_TCP_V4), ws2.provider(s).entry().catalogEntryId());
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(SOCKET_ERROR(), ws2.send(s, Buffers.wsabuf(arena, Buffers.pattern(arena, 4, 1)), 1, sent, 0,
                    MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(WSAENOTCONN(), ws2.lastError());
            assertEquals(0, ws2.closesocket(s));
        });
    }

    @Test
    void closeEndsEveryPendingSend_eachCompletesOnce_abortedOrFullySent() throws Exception {
        overTheHost((ws2, installed, arena) -> {
            Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena);
            MemorySegment big = arena.allocate(1 << 20);
            MemorySegment wsabuf = Buffers.wsabuf(arena, big);
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            List<MemorySegment> ovs = new ArrayList<>();
            for (int i = 0; i < 32; i++) { // the server reads nothing: the socket buffers fill, sends stay pending
                MemorySegment ov = overlapped(ws2, arena);
                ovs.add(ov);
                int rc = ws2.send(p.client(), wsabuf, 1, sent, 0, ov, MemorySegment.NULL);
                assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING());
            }
            assertEquals(0, ws2.closesocket(p.client()));
            // The send in flight at the base provider may be blocked in the kernel (io-wq) where the
            // host's IORING_OP_ASYNC_CANCEL cannot always reach it; closing the peer ends it for sure.
            // The sends still queued in jwsp were aborted by closesocket itself.
            ws2.closesocket(p.server());
            int aborted = 0;
            for (MemorySegment ov : ovs) {
                assertEquals(0, ws2.waitForEvent(OVERLAPPED.hEvent(ov).address(), WAIT, false), "every send ends");
                int error = ov.get(ValueLayout.JAVA_INT, OVERLAPPED.OffsetHigh$offset());
                assertTrue(error == 0 || error == WSA_OPERATION_ABORTED(), "error " + error);
                aborted += error == WSA_OPERATION_ABORTED() ? 1 : 0;
            }
            assertTrue(aborted > 0, "the sends still pending at close were aborted");
            ws2.closesocket(p.listener());
        });
    }

    @Test
    void aWholeCycleLeavesNothingBehind() throws Exception {
        overTheHost((ws2, installed, arena) -> { }); // warm the host's one-time state
        Leaks before = Leaks.now();
        overTheHost((ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                MemorySegment ov = overlapped(ws2, arena);
                ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 64, 3)), 1, sent, 0, ov, MemorySegment.NULL);
                assertEquals(0, ws2.waitForEvent(OVERLAPPED.hEvent(ov).address(), WAIT, false));
                ws2.closeEvent(OVERLAPPED.hEvent(ov).address());
            }
        });
        // sockets, io_uring rings (jwsp's completion port), eventfds, host arenas and bytes, handles
        Leaks.now().assertNothingLeakedSince(before);
    }
}
