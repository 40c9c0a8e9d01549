package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.ws2.SockAddr;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;
import org.jwsp.kernel.KernelPort;

/** The base provider driven as a program drives ws2_32: every call through its WSPPROC_TABLE pointers. */
class BaseProviderTest {

    static final ExecutorService THREADS = Executors.newCachedThreadPool(r -> Thread.ofPlatform().daemon().unstarted(r));
    static final int BLOCK = 64 * 1024;
    static final int BLOCKS = 16;

    Ws2 ws2;
    Arena arena;

    @BeforeEach
    void start() {
        ws2 = Ws2.startup(Catalog.system());
        arena = Arena.ofShared();
    }

    @AfterEach
    void stop() {
        ws2.close();
        arena.close();
    }

    private CompletableFuture<MemorySegment> receiveAll(long s, int bytes) {
        return CompletableFuture.supplyAsync(() -> {
            MemorySegment into = arena.allocate(bytes, 8);
            assertTrue(Buffers.receiveFully(ws2, s, into, arena), () -> "recv failed: " + ws2.lastError());
            return into;
        }, THREADS);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 23})
    void blockingSendAndReceiveOverLoopback(int af) throws Exception {
        try (Pair p = Pair.tcp(ws2, af, 0, arena)) {
            MemorySegment hello = arena.allocateFrom("hello, host");
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, ws2.send(p.client(), Buffers.wsabuf(arena, hello), 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(hello.byteSize(), sent.get(ValueLayout.JAVA_INT, 0));
            MemorySegment got = arena.allocate(hello.byteSize());
            assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
            assertEquals("hello, host", got.getString(0));
            MemorySegment peer = SockAddr.loopback(af, 0, arena);
            MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, SockAddr.size(af));
            assertEquals(0, ws2.getpeername(p.server(), peer, len));
            assertEquals(af, Short.toUnsignedInt(peer.get(ValueLayout.JAVA_SHORT, 0)));
        }
    }

    @Test
    void overlappedSendsOf16x64KiBArriveIntactAndInOrderAndSignalTheirEvents() throws Exception {
        try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            CompletableFuture<MemorySegment> received = receiveAll(p.server(), BLOCKS * BLOCK);
            MemorySegment ovs = OVERLAPPED.allocateArray(BLOCKS, arena);
            long[] events = new long[BLOCKS];
            for (int i = 0; i < BLOCKS; i++) {
                events[i] = ws2.createEvent();
                MemorySegment ov = OVERLAPPED.asSlice(ovs, i);
                OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(events[i]));
                int r = ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, BLOCK, i)), 1, MemorySegment.NULL, 0, ov,
                        MemorySegment.NULL);
                assertTrue(r == 0 || ws2.lastError() == WSA_IO_PENDING(), () -> "WSASend: " + ws2.lastError());
            }
            MemorySegment bytes = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
            for (int i = 0; i < BLOCKS; i++) {
                assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(events[i], 10_000, false), "event " + i);
                assertTrue(ws2.getOverlappedResult(p.client(), OVERLAPPED.asSlice(ovs, i), bytes, false, flags));
                assertEquals(BLOCK, bytes.get(ValueLayout.JAVA_INT, 0));
                ws2.closeEvent(events[i]);
            }
            MemorySegment all = received.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < BLOCKS; i++) {
                Buffers.assertPattern(all.asSlice((long) i * BLOCK, BLOCK), i);
            }
        }
    }

    @Test
    void oneOverlappedSendOf16BuffersIsGatheredInOrder() throws Exception {
        try (Pair p = Pair.tcp(ws2, AF_INET6(), WSA_FLAG_OVERLAPPED(), arena)) {
            CompletableFuture<MemorySegment> received = receiveAll(p.server(), BLOCKS * BLOCK);
            MemorySegment[] blocks = new MemorySegment[BLOCKS];
            for (int i = 0; i < BLOCKS; i++) {
                blocks[i] = Buffers.pattern(arena, BLOCK, 100 + i);
            }
            long event = ws2.createEvent();
            MemorySegment ov = OVERLAPPED.allocate(arena);
            OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(event));
            int r = ws2.send(p.client(), Buffers.wsabuf(arena, blocks), BLOCKS, MemorySegment.NULL, 0, ov, MemorySegment.NULL);
            assertTrue(r == 0 || ws2.lastError() == WSA_IO_PENDING());
            MemorySegment bytes = arena.allocate(ValueLayout.JAVA_INT);
            assertTrue(ws2.getOverlappedResult(p.client(), ov, bytes, true, arena.allocate(ValueLayout.JAVA_INT)));
            assertEquals(BLOCKS * BLOCK, bytes.get(ValueLayout.JAVA_INT, 0));
            MemorySegment all = received.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < BLOCKS; i++) {
                Buffers.assertPattern(all.asSlice((long) i * BLOCK, BLOCK), 100 + i);
            }
            ws2.closeEvent(event);
        }
    }

    @Test
    void overlappedSendsOnAnAssociatedSocketCompleteOnItsPortInBatches() throws Exception {
        KernelPort kernel = ws2.kernel();
        long port = kernel.createCompletionPort(0);
        try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            kernel.associate(port, p.client(), 0xC0FFEE);
            CompletableFuture<MemorySegment> received = receiveAll(p.server(), BLOCKS * BLOCK);
            MemorySegment ovs = OVERLAPPED.allocateArray(BLOCKS, arena);
            for (int i = 0; i < BLOCKS; i++) {
                int r = ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, BLOCK, i)), 1, MemorySegment.NULL, 0,
                        OVERLAPPED.asSlice(ovs, i), MemorySegment.NULL);
                assertTrue(r == 0 || ws2.lastError() == WSA_IO_PENDING());
            }
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(8, arena);
            boolean[] seen = new boolean[BLOCKS];
            int total = 0;
            while (total < BLOCKS) {
                int n = kernel.dequeue(port, entries, 10_000, false);
                assertTrue(n > 0, "dequeue: " + n);
                for (int j = 0; j < n; j++) {
                    MemorySegment e = OVERLAPPED_ENTRY.asSlice(entries, j);
                    assertEquals(0xC0FFEE, OVERLAPPED_ENTRY.lpCompletionKey(e));
                    assertEquals(0, OVERLAPPED_ENTRY.Internal(e));
                    assertEquals(BLOCK, OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(e));
                    int index = (int) ((OVERLAPPED_ENTRY.lpOverlapped(e).address() - ovs.address()) / OVERLAPPED.sizeof());
                    assertFalse(seen[index]);
                    seen[index] = true;
                }
                total += n;
            }
            MemorySegment all = received.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < BLOCKS; i++) {
                Buffers.assertPattern(all.asSlice((long) i * BLOCK, BLOCK), i);
            }
        } finally {
            kernel.closeHandle(port);
        }
    }

    @Test
    void closeWithPendingReceivesEndsThemWithOperationAborted() throws Exception {
        KernelPort kernel = ws2.kernel();
        long port = kernel.createCompletionPort(0);
        try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            // one socket completes by event, the other on its port
            long server2 = p.client();
            MemorySegment data = arena.allocate(128);
            MemorySegment ovs = OVERLAPPED.allocateArray(2, arena);
            long event = ws2.createEvent();
            OVERLAPPED.hEvent(OVERLAPPED.asSlice(ovs, 0), MemorySegment.ofAddress(event));
            MemorySegment flags = arena.allocateFrom(ValueLayout.JAVA_INT, 0);
            assertEquals(SOCKET_ERROR(), ws2.recv(server2, Buffers.wsabuf(arena, data.asSlice(0, 64)), 1, MemorySegment.NULL, flags,
                    OVERLAPPED.asSlice(ovs, 0), MemorySegment.NULL));
            assertEquals(WSA_IO_PENDING(), ws2.lastError());
            assertEquals(SOCKET_ERROR(), ws2.recv(server2, Buffers.wsabuf(arena, data.asSlice(64, 64)), 1, MemorySegment.NULL, flags,
                    OVERLAPPED.asSlice(ovs, 1), MemorySegment.NULL));
            assertEquals(WSA_IO_PENDING(), ws2.lastError());
            assertEquals(KernelPort.WAIT_TIMEOUT, ws2.waitForEvent(event, 20, false), "no data: still pending");
            assertEquals(0, ws2.closesocket(server2));
            assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(event, 10_000, false));
            assertEquals(WSA_OPERATION_ABORTED(), OVERLAPPED.Internal(OVERLAPPED.asSlice(ovs, 0)));
            // the second has no event: wait for its status through the host's own completion
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (OVERLAPPED.Internal(OVERLAPPED.asSlice(ovs, 1)) == 0x103 && System.nanoTime() < deadline) {
                kernel.sleep(1, false);
            }
            assertEquals(WSA_OPERATION_ABORTED(), OVERLAPPED.Internal(OVERLAPPED.asSlice(ovs, 1)));
            assertEquals(SOCKET_ERROR(), ws2.closesocket(server2), "double close");
            assertEquals(WSAENOTSOCK(), ws2.lastError());
            ws2.closeEvent(event);
        } finally {
            kernel.closeHandle(port);
        }
    }

    @Test
    void closeWithAPendingReceiveOnAPortQueuesAnAbortedPacket() {
        KernelPort kernel = ws2.kernel();
        long port = kernel.createCompletionPort(0);
        try (Pair p = Pair.tcp(ws2, AF_INET6(), WSA_FLAG_OVERLAPPED(), arena)) {
            kernel.associate(port, p.client(), 77);
            MemorySegment ov = OVERLAPPED.allocate(arena);
            assertEquals(SOCKET_ERROR(), ws2.recv(p.client(), Buffers.wsabuf(arena, arena.allocate(16)), 1, MemorySegment.NULL,
                    arena.allocateFrom(ValueLayout.JAVA_INT, 0), ov, MemorySegment.NULL));
            assertEquals(WSA_IO_PENDING(), ws2.lastError());
            assertEquals(0, ws2.closesocket(p.client()));
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(4, arena);
            assertEquals(1, kernel.dequeue(port, entries, 10_000, false));
            assertEquals(77, OVERLAPPED_ENTRY.lpCompletionKey(entries));
            assertEquals(ov.address(), OVERLAPPED_ENTRY.lpOverlapped(entries).address());
            assertEquals(WSA_OPERATION_ABORTED(), OVERLAPPED_ENTRY.Internal(entries));
        } finally {
            kernel.closeHandle(port);
        }
    }

    @Test
    void nonblockingSocketsSayWouldBlock() {
        try (Pair p = Pair.tcp(ws2, AF_INET(), 0, arena)) {
            MemorySegment on = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
            MemorySegment returned = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, ws2.ioctl(p.server(), FIONBIO(), on, 4, MemorySegment.NULL, 0, returned, MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(0, ws2.ioctl(p.listener(), FIONBIO(), on, 4, MemorySegment.NULL, 0, returned, MemorySegment.NULL, MemorySegment.NULL));
            MemorySegment got = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(SOCKET_ERROR(), ws2.recv(p.server(), Buffers.wsabuf(arena, arena.allocate(8)), 1, got,
                    arena.allocateFrom(ValueLayout.JAVA_INT, 0), MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(WSAEWOULDBLOCK(), ws2.lastError());
            assertEquals(INVALID_SOCKET(), ws2.accept(p.listener(), MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(WSAEWOULDBLOCK(), ws2.lastError());
            assertEquals(SOCKET_ERROR(), ws2.ioctl(p.server(), FIONBIO(), MemorySegment.NULL, 0, MemorySegment.NULL, 0, returned,
                    MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(WSAEFAULT(), ws2.lastError());
            // blocking again: the data sent now is received by a blocking call
            MemorySegment off = arena.allocateFrom(ValueLayout.JAVA_INT, 0);
            assertEquals(0, ws2.ioctl(p.server(), FIONBIO(), off, 4, MemorySegment.NULL, 0, returned, MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(0, ws2.send(p.client(), Buffers.wsabuf(arena, arena.allocateFrom("x")), 1, got, 0, MemorySegment.NULL, MemorySegment.NULL));
            assertTrue(Buffers.receiveFully(ws2, p.server(), arena.allocate(2), arena));
        }
    }

    @Test
    void aNonblockingConnectWouldBlockThenTheSocketIsConnected() {
        long l = ws2.socket(AF_INET(), SOCK_STREAM(), 0, 0);
        MemorySegment addr = SockAddr.loopback(AF_INET(), 0, arena);
        assertEquals(0, ws2.bind(l, addr, 16));
        assertEquals(0, ws2.listen(l, 1));
        assertEquals(0, ws2.getsockname(l, addr, arena.allocateFrom(ValueLayout.JAVA_INT, 16)));
        long c = ws2.socket(AF_INET(), SOCK_STREAM(), 0, 0);
        MemorySegment returned = arena.allocate(ValueLayout.JAVA_INT);
        assertEquals(0, ws2.ioctl(c, FIONBIO(), arena.allocateFrom(ValueLayout.JAVA_INT, 1), 4, MemorySegment.NULL, 0, returned,
                MemorySegment.NULL, MemorySegment.NULL));
        int r = ws2.connect(c, addr, 16);
        assertTrue(r == 0 || ws2.lastError() == WSAEWOULDBLOCK(), () -> "connect: " + ws2.lastError());
        long s = ws2.accept(l, MemorySegment.NULL, MemorySegment.NULL);
        assertNotEquals(INVALID_SOCKET(), s);
        MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
        assertEquals(0, ws2.send(c, Buffers.wsabuf(arena, arena.allocateFrom("nb")), 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL),
                () -> "send after a nonblocking connect: " + ws2.lastError());
        assertTrue(Buffers.receiveFully(ws2, s, arena.allocate(3), arena));
        assertEquals(SOCKET_ERROR(), ws2.connect(c, addr, 16));
        assertEquals(WSAEISCONN(), ws2.lastError());
        for (long x : new long[] {c, s, l}) {
            assertEquals(0, ws2.closesocket(x));
        }
    }

    @Test
    void socketOptionsAnswerAsWinsock() {
        long tcp = ws2.socket(AF_INET(), SOCK_STREAM(), 0, 0);
        long udp = ws2.socket(AF_INET(), SOCK_DGRAM(), 0, 0);
        long udp6 = ws2.socket(AF_INET6(), SOCK_DGRAM(), 0, 0);
        MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
        MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, 4);
        assertEquals(0, ws2.getsockopt(tcp, SOL_SOCKET(), SO_MAX_MSG_SIZE(), v, len));
        assertEquals(-1, v.get(ValueLayout.JAVA_INT, 0), "no limit for a stream");
        assertEquals(0, ws2.getsockopt(udp, SOL_SOCKET(), SO_MAX_MSG_SIZE(), v, len));
        assertEquals(65507, v.get(ValueLayout.JAVA_INT, 0));
        assertEquals(0, ws2.getsockopt(udp6, SOL_SOCKET(), SO_MAX_MSG_SIZE(), v, len));
        assertEquals(65527, v.get(ValueLayout.JAVA_INT, 0));
        v.set(ValueLayout.JAVA_INT, 0, 256 * 1024);
        assertEquals(0, ws2.setsockopt(tcp, SOL_SOCKET(), SO_SNDBUF(), v, 4));
        assertEquals(0, ws2.getsockopt(tcp, SOL_SOCKET(), SO_SNDBUF(), v, len));
        assertTrue(v.get(ValueLayout.JAVA_INT, 0) >= 256 * 1024);
        assertEquals(0, ws2.getsockopt(tcp, SOL_SOCKET(), SO_TYPE(), v, len));
        assertEquals(SOCK_STREAM(), v.get(ValueLayout.JAVA_INT, 0));
        len.set(ValueLayout.JAVA_INT, 0, 2);
        assertEquals(SOCKET_ERROR(), ws2.getsockopt(tcp, SOL_SOCKET(), SO_SNDBUF(), v, len));
        assertEquals(WSAEFAULT(), ws2.lastError());
        assertEquals(SOCKET_ERROR(), ws2.setsockopt(tcp, SOL_SOCKET(), SO_MAX_MSG_SIZE(), v, 4));
        assertEquals(WSAENOPROTOOPT(), ws2.lastError());
        assertEquals(SOCKET_ERROR(), ws2.setsockopt(tcp, SOL_SOCKET(), SO_SNDBUF(), MemorySegment.NULL, 4));
        assertEquals(WSAEFAULT(), ws2.lastError());
        for (long s : new long[] {tcp, udp, udp6}) {
            assertEquals(0, ws2.closesocket(s));
        }
    }

    @Test
    void tcpNoDelayIsSetAndReadAtIpprotoTcpOnStreamsOnly() {
        long tcp = ws2.socket(AF_INET(), SOCK_STREAM(), 0, 0);
        long udp = ws2.socket(AF_INET(), SOCK_DGRAM(), 0, 0);
        MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
        MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, 4);
        assertEquals(0, ws2.getsockopt(tcp, IPPROTO_TCP(), TCP_NODELAY(), v, len));
        assertEquals(0, v.get(ValueLayout.JAVA_INT, 0), "Nagle is on by default");
        v.set(ValueLayout.JAVA_INT, 0, 7);
        assertEquals(0, ws2.setsockopt(tcp, IPPROTO_TCP(), TCP_NODELAY(), v, 4), () -> "error " + ws2.lastError());
        assertEquals(0, ws2.getsockopt(tcp, IPPROTO_TCP(), TCP_NODELAY(), v, len));
        assertEquals(1, v.get(ValueLayout.JAVA_INT, 0), "any nonzero value is TRUE");
        assertEquals(SOCKET_ERROR(), ws2.setsockopt(udp, IPPROTO_TCP(), TCP_NODELAY(), v, 4));
        assertEquals(WSAENOPROTOOPT(), ws2.lastError());
        assertEquals(SOCKET_ERROR(), ws2.setsockopt(tcp, IPPROTO_TCP(), 0x7777, v, 4));
        assertEquals(WSAENOPROTOOPT(), ws2.lastError());
        assertEquals(0, ws2.closesocket(tcp));
        assertEquals(0, ws2.closesocket(udp));
    }

    @Test
    void udpSendToReachesABoundSocket() {
        long rx = ws2.socket(AF_INET(), SOCK_DGRAM(), IPPROTO_UDP(), 0);
        long tx = ws2.socket(AF_INET(), SOCK_DGRAM(), IPPROTO_UDP(), 0);
        MemorySegment addr = SockAddr.loopback(AF_INET(), 0, arena);
        assertEquals(0, ws2.bind(rx, addr, 16));
        MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, 16);
        assertEquals(0, ws2.getsockname(rx, addr, len));
        assertNotEquals(0, SockAddr.port(addr));
        MemorySegment msg = arena.allocateFrom("datagram");
        MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
        assertEquals(SOCKET_ERROR(), ws2.send(tx, Buffers.wsabuf(arena, msg), 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL));
        assertEquals(WSAENOTCONN(), ws2.lastError(), "no default peer");
        assertEquals(0, ws2.sendTo(tx, Buffers.wsabuf(arena, msg), 1, sent, 0, addr, 16, MemorySegment.NULL, MemorySegment.NULL));
        MemorySegment got = arena.allocate(64);
        MemorySegment n = arena.allocate(ValueLayout.JAVA_INT);
        assertEquals(0, ws2.recv(rx, Buffers.wsabuf(arena, got), 1, n, arena.allocateFrom(ValueLayout.JAVA_INT, 0), MemorySegment.NULL,
                MemorySegment.NULL), () -> "recv " + ws2.lastError());
        assertEquals(msg.byteSize(), n.get(ValueLayout.JAVA_INT, 0));
        assertArrayEquals(msg.toArray(ValueLayout.JAVA_BYTE), got.asSlice(0, msg.byteSize()).toArray(ValueLayout.JAVA_BYTE));
        ws2.closesocket(rx);
        ws2.closesocket(tx);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 23})
    void recvFromTellsTheSenderSynchronouslyAndOverlapped(int af) {
        long rx = ws2.socket(af, SOCK_DGRAM(), 0, WSA_FLAG_OVERLAPPED());
        long tx = ws2.socket(af, SOCK_DGRAM(), 0, 0);
        int size = SockAddr.size(af);
        MemorySegment rxAddr = SockAddr.loopback(af, 0, arena);
        MemorySegment txAddr = SockAddr.loopback(af, 0, arena);
        assertEquals(0, ws2.bind(rx, rxAddr, size));
        assertEquals(0, ws2.bind(tx, txAddr, size));
        assertEquals(0, ws2.getsockname(rx, rxAddr, arena.allocateFrom(ValueLayout.JAVA_INT, size)));
        assertEquals(0, ws2.getsockname(tx, txAddr, arena.allocateFrom(ValueLayout.JAVA_INT, size)));
        MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
        MemorySegment got = arena.allocate(64);
        MemorySegment n = arena.allocate(ValueLayout.JAVA_INT);
        MemorySegment from = SockAddr.loopback(af, 0, arena);
        MemorySegment fromLength = arena.allocateFrom(ValueLayout.JAVA_INT, size);
        // synchronous
        assertEquals(0, ws2.sendTo(tx, Buffers.wsabuf(arena, arena.allocateFrom("one")), 1, sent, 0, rxAddr, size,
                MemorySegment.NULL, MemorySegment.NULL));
        assertEquals(0, ws2.recvFrom(rx, Buffers.wsabuf(arena, got), 1, n, arena.allocateFrom(ValueLayout.JAVA_INT, 0), from,
                fromLength, MemorySegment.NULL, MemorySegment.NULL), () -> "recvfrom " + ws2.lastError());
        assertEquals(4, n.get(ValueLayout.JAVA_INT, 0));
        assertEquals(SockAddr.port(txAddr), SockAddr.port(from));
        assertEquals(af, Short.toUnsignedInt(from.get(ValueLayout.JAVA_SHORT, 0)));
        // overlapped, completed by event
        from.fill((byte) 0);
        long event = ws2.createEvent();
        MemorySegment ov = OVERLAPPED.allocate(arena);
        OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(event));
        assertEquals(SOCKET_ERROR(), ws2.recvFrom(rx, Buffers.wsabuf(arena, got), 1, MemorySegment.NULL,
                arena.allocateFrom(ValueLayout.JAVA_INT, 0), from, fromLength, ov, MemorySegment.NULL));
        assertEquals(WSA_IO_PENDING(), ws2.lastError());
        assertEquals(0, ws2.sendTo(tx, Buffers.wsabuf(arena, arena.allocateFrom("two!")), 1, sent, 0, rxAddr, size,
                MemorySegment.NULL, MemorySegment.NULL));
        assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(event, 10_000, false));
        assertTrue(ws2.getOverlappedResult(rx, ov, n, false, arena.allocate(ValueLayout.JAVA_INT)));
        assertEquals(5, n.get(ValueLayout.JAVA_INT, 0));
        assertEquals("two!", got.getString(0));
        assertEquals(SockAddr.port(txAddr), SockAddr.port(from));
        fromLength.set(ValueLayout.JAVA_INT, 0, 4);
        assertEquals(SOCKET_ERROR(), ws2.recvFrom(rx, Buffers.wsabuf(arena, got), 1, n, arena.allocateFrom(ValueLayout.JAVA_INT, 0),
                from, fromLength, MemorySegment.NULL, MemorySegment.NULL));
        assertEquals(WSAEFAULT(), ws2.lastError(), "lpFromlen too small");
        ws2.closeEvent(event);
        ws2.closesocket(rx);
        ws2.closesocket(tx);
    }
}
