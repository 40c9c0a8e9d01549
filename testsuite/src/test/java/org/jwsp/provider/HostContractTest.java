package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.jwsp.provider.OverTheHost.overlapped;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jwsp.bindings.windows.LPWSAOVERLAPPED_COMPLETION_ROUTINE;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.host.ws2.SockAddr;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;
import org.jwsp.kernel.KernelPort;
import org.junit.jupiter.api.Test;

/**
 * Sentences of the WSPSend contract (and the overlapped pass-through of WSPRecv) over the REAL
 * Linux host: jwsp installed in the host's catalog, driven by its Ws2 client on loopback sockets.
 * The same sentences run over the fake lower provider in WspSendContractTest, where pending sends
 * can be held at will.
 */
class HostContractTest {

    private static final int WAIT = 10_000;

    private interface Body {
        void run(Ws2 ws2, Arena arena) throws Exception;
    }

    private static void overTheHost(Body body) throws Exception {
        OverTheHost.run((ws2, installed, arena) -> body.run(ws2, arena));
    }

    private static long event(MemorySegment ov) {
        return OVERLAPPED.hEvent(ov).address();
    }

    @Test
    void transientWsabufArray_poisonedRightAfterEachCall_theDataArriveIntact() throws Exception {
        overTheHost((ws2, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                MemorySegment array = Buffers.wsabuf(arena, Buffers.pattern(arena, 4096, 0));
                List<MemorySegment> ovs = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    MemorySegment data = Buffers.pattern(arena, 4096, i);
                    array.copyFrom(Buffers.wsabuf(arena, data));
                    MemorySegment ov = overlapped(ws2, arena);
                    ovs.add(ov);
                    int rc = ws2.send(p.client(), array, 1, sent, 0, ov, MemorySegment.NULL);
                    assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING());
                    array.fill((byte) 0x5A); // the application reuses its array at once
                }
                MemorySegment got = arena.allocate(4096);
                for (int i = 0; i < 16; i++) {
                    assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
                    Buffers.assertPattern(got, i);
                }
                for (MemorySegment ov : ovs) {
                    assertEquals(0, ws2.waitForEvent(event(ov), WAIT, false));
                }
            }
        });
    }

    @Test
    void overlappedSendOf500Buffers_throughJwspAndTheHost_arrivesWhole() throws Exception {
        overTheHost((ws2, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                int n = 500;
                int each = 100;
                MemorySegment data = Buffers.pattern(arena, n * each, 3);
                MemorySegment[] parts = new MemorySegment[n];
                for (int i = 0; i < n; i++) {
                    parts[i] = data.asSlice((long) i * each, each);
                }
                MemorySegment ov = overlapped(ws2, arena);
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                int rc = ws2.send(p.client(), Buffers.wsabuf(arena, parts), n, sent, 0, ov, MemorySegment.NULL);
                assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING(), () -> "send: " + ws2.lastError());
                MemorySegment got = arena.allocate(n * each);
                assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
                Buffers.assertPattern(got, 3);
                assertEquals(0, ws2.waitForEvent(event(ov), WAIT, false));
                assertEquals(n * each, (int) OVERLAPPED.InternalHigh(ov));
            }
        });
    }

    @Test
    void nonOverlappedSocket_overlappedArgumentsIgnored_synchronousSemantics() throws Exception {
        overTheHost((ws2, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), 0, arena)) {
                AtomicInteger routineCalls = new AtomicInteger();
                MemorySegment routine = LPWSAOVERLAPPED_COMPLETION_ROUTINE.allocate((e, n, o, f) -> routineCalls.incrementAndGet(), arena);
                MemorySegment ov = overlapped(ws2, arena);
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                assertEquals(0, ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 100, 2)), 1, sent, 0, ov, routine));
                assertEquals(100, sent.get(ValueLayout.JAVA_INT, 0));
                assertEquals(0, ws2.sleepEx(0, true), "no completion routine");
                assertEquals(0, routineCalls.get());
                assertEquals(WSA_WAIT_TIMEOUT(), ws2.waitForEvent(event(ov), 0, false), "no event");
                MemorySegment got = arena.allocate(100);
                assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
                Buffers.assertPattern(got, 2);
            }
        });
    }

    @Test
    void blockingSocket_sendWaitsUntilAllIsConsumed() throws Exception {
        overTheHost((ws2, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), 0, arena)) {
                int size = 8 << 20;
                MemorySegment big = Buffers.pattern(arena, size, 5);
                MemorySegment got = arena.allocate(size);
                CompletableFuture<Boolean> reader = CompletableFuture.supplyAsync(() -> Buffers.receiveFully(ws2, p.server(), got, arena), r -> Thread.ofPlatform().daemon().start(r));
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                assertEquals(0, ws2.send(p.client(), Buffers.wsabuf(arena, big), 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL));
                assertEquals(size, sent.get(ValueLayout.JAVA_INT, 0));
                assertTrue(reader.get(30, TimeUnit.SECONDS));
                Buffers.assertPattern(got, 5);
            }
        });
    }

    @Test
    void nonblockingStreamSocket_sendsPartiallyOrAnswersWsaeWouldBlock() throws Exception {
        overTheHost((ws2, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), 0, arena)) {
                MemorySegment on = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
                assertEquals(0, ws2.ioctl(p.client(), FIONBIO(), on, 4, MemorySegment.NULL, 0, arena.allocate(ValueLayout.JAVA_INT),
                        MemorySegment.NULL, MemorySegment.NULL));
                MemorySegment chunk = arena.allocate(1 << 20);
                MemorySegment array = Buffers.wsabuf(arena, chunk);
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                long total = 0;
                int rc;
                while ((rc = ws2.send(p.client(), array, 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL)) == 0) {
                    int n = sent.get(ValueLayout.JAVA_INT, 0);
                    assertTrue(n > 0 && n <= chunk.byteSize());
                    total += n;
                    assertTrue(total < (1L << 31), "a nonblocking socket never filled");
                }
                assertEquals(SOCKET_ERROR(), rc);
                assertEquals(WSAEWOULDBLOCK(), ws2.lastError());
                assertTrue(total > 0);
            }
        });
    }

    @Test
    void messageOriented_overSoMaxMsgSize_WSAEMSGSIZE_andMsgOob_WSAEOPNOTSUPP() throws Exception {
        overTheHost((ws2, arena) -> {
            long rx = ws2.socket(AF_INET(), SOCK_DGRAM(), IPPROTO_UDP(), 0);
            assertEquals(0, ws2.bind(rx, SockAddr.loopback(AF_INET(), 0, arena), SockAddr.size(AF_INET())));
            MemorySegment bound = SockAddr.loopback(AF_INET(), 0, arena);
            assertEquals(0, ws2.getsockname(rx, bound, arena.allocateFrom(ValueLayout.JAVA_INT, SockAddr.size(AF_INET()))));
            long tx = ws2.socket(AF_INET(), SOCK_DGRAM(), IPPROTO_UDP(), WSA_FLAG_OVERLAPPED());
            assertEquals(0, ws2.connect(tx, bound, SockAddr.size(AF_INET())));
            MemorySegment max = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, ws2.getsockopt(tx, SOL_SOCKET(), SO_MAX_MSG_SIZE(), max, arena.allocateFrom(ValueLayout.JAVA_INT, 4)));
            int limit = max.get(ValueLayout.JAVA_INT, 0);
            assertTrue(limit > 0 && limit < (1 << 20), "SO_MAX_MSG_SIZE " + limit);
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment ov = overlapped(ws2, arena);
            assertEquals(SOCKET_ERROR(), ws2.send(tx, Buffers.wsabuf(arena, arena.allocate(limit + 1)), 1, sent, 0, ov, MemorySegment.NULL));
            assertEquals(WSAEMSGSIZE(), ws2.lastError());
            assertEquals(SOCKET_ERROR(), ws2.send(tx, Buffers.wsabuf(arena, arena.allocate(8)), 1, sent, MSG_OOB(), ov, MemorySegment.NULL));
            assertEquals(WSAEOPNOTSUPP(), ws2.lastError());
            assertEquals(WSA_WAIT_TIMEOUT(), ws2.waitForEvent(event(ov), 0, false), "no completion indication");
            MemorySegment small = Buffers.pattern(arena, 32, 9);
            int rc = ws2.send(tx, Buffers.wsabuf(arena, small), 1, sent, 0, ov, MemorySegment.NULL);
            assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING());
            assertEquals(0, ws2.waitForEvent(event(ov), WAIT, false));
            MemorySegment got = arena.allocate(32);
            assertTrue(Buffers.receiveFully(ws2, rx, got, arena), "the refused messages were not transmitted: the first datagram is this one");
            Buffers.assertPattern(got, 9);
            ws2.closesocket(tx);
            ws2.closesocket(rx);
        });
    }

    @Test
    void noRoutine_completionGoesToTheCallersOwnCompletionPort() throws Exception {
        overTheHost((ws2, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                KernelPort k = ws2.kernel();
                long port = k.createCompletionPort(1);
                k.associate(port, p.client(), 99);
                MemorySegment ov = arena.allocate(OVERLAPPED.layout());
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                int rc = ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 77, 4)), 1, sent, 0, ov, MemorySegment.NULL);
                assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING());
                MemorySegment entry = arena.allocate(OVERLAPPED_ENTRY.layout());
                assertEquals(1, k.dequeue(port, entry, WAIT, false));
                assertEquals(99, OVERLAPPED_ENTRY.lpCompletionKey(entry));
                assertEquals(ov.address(), OVERLAPPED_ENTRY.lpOverlapped(entry).address());
                assertEquals(77, OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(entry));
                k.closeHandle(port);
            }
        });
    }

    @Test
    void sioFlushEndsEveryQueuedSendWithWsaOperationAborted_andTheSocketStillSends() throws Exception {
        overTheHost((ws2, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                MemorySegment chunk = arena.allocate(1 << 20);
                MemorySegment array = Buffers.wsabuf(arena, chunk);
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                List<MemorySegment> ovs = new ArrayList<>();
                for (int i = 0; i < 24; i++) { // the server reads nothing yet
                    MemorySegment ov = overlapped(ws2, arena);
                    ovs.add(ov);
                    int rc = ws2.send(p.client(), array, 1, sent, 0, ov, MemorySegment.NULL);
                    assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING());
                }
                assertEquals(0, ws2.ioctl(p.client(), SIO_FLUSH(), MemorySegment.NULL, 0, MemorySegment.NULL, 0,
                        arena.allocate(ValueLayout.JAVA_INT), MemorySegment.NULL, MemorySegment.NULL));
                // drain the server so the send in flight at the base provider can end
                CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> {
                    MemorySegment sink = arena.allocate(1 << 16);
                    MemorySegment b = Buffers.wsabuf(arena, sink);
                    MemorySegment got = arena.allocate(ValueLayout.JAVA_INT);
                    MemorySegment fl = arena.allocate(ValueLayout.JAVA_INT);
                    while (ws2.recv(p.server(), b, 1, got, fl, MemorySegment.NULL, MemorySegment.NULL) == 0
                            && got.get(ValueLayout.JAVA_INT, 0) > 0) {
                        // keep reading until the client side closes
                    }
                }, r -> Thread.ofPlatform().daemon().start(r));
                int aborted = 0;
                for (MemorySegment ov : ovs) {
                    assertEquals(0, ws2.waitForEvent(event(ov), WAIT, false), "every send ends");
                    int error = ov.get(ValueLayout.JAVA_INT, OVERLAPPED.OffsetHigh$offset());
                    assertTrue(error == 0 || error == WSA_OPERATION_ABORTED(), "error " + error);
                    aborted += error == WSA_OPERATION_ABORTED() ? 1 : 0;
                }
                assertTrue(aborted > 0);
                MemorySegment after = overlapped(ws2, arena);
                int rc = ws2.send(p.client(), Buffers.wsabuf(arena, arena.allocate(16)), 1, sent, 0, after, MemorySegment.NULL);
                assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING());
                assertEquals(0, ws2.waitForEvent(event(after), WAIT, false));
                assertEquals(0, after.get(ValueLayout.JAVA_INT, OVERLAPPED.OffsetHigh$offset()));
                ws2.shutdown(p.client(), SD_SEND());
                drain.get(30, TimeUnit.SECONDS);
            }
        });
    }

    @Test
    void overlappedWspRecvPassesThroughJwsp_completionAndResultAreTheCallers() throws Exception {
        overTheHost((ws2, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                MemorySegment into = arena.allocate(100);
                MemorySegment ov = overlapped(ws2, arena);
                MemorySegment got = arena.allocate(ValueLayout.JAVA_INT);
                MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
                int rc = ws2.recv(p.client(), Buffers.wsabuf(arena, into), 1, got, flags, ov, MemorySegment.NULL);
                assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING(), "recv: " + ws2.lastError());
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                assertEquals(0, ws2.send(p.server(), Buffers.wsabuf(arena, Buffers.pattern(arena, 100, 6)), 1, sent, 0,
                        MemorySegment.NULL, MemorySegment.NULL));
                assertEquals(0, ws2.waitForEvent(event(ov), WAIT, false));
                MemorySegment bytes = arena.allocate(ValueLayout.JAVA_INT);
                assertTrue(ws2.getOverlappedResult(p.client(), ov, bytes, false, flags));
                assertEquals(100, bytes.get(ValueLayout.JAVA_INT, 0));
                Buffers.assertPattern(into, 6);
            }
        });
    }
}
