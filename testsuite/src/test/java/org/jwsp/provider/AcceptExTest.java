package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.WinsockExtensions;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.ws2.SockAddr;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;

/**
 * AcceptEx as libuv's TCP server posts it (src/win/tcp.c): the listening socket on the loop's
 * completion port, AcceptEx posted with a fresh accept socket before any client connects, the
 * completion dequeued from the port, SO_UPDATE_ACCEPT_CONTEXT with the listener, the addresses from
 * GetAcceptExSockaddrs; a client connected by ConnectEx's neighbour, plain connect. Through jwsp,
 * and through the base alone (IPv6 is not layered here); data both ways. Plus closing a listener
 * with an AcceptEx pending, and an accept socket of another provider.
 */
class AcceptExTest {

    private static final int WAIT = 10_000;
    private static final MethodHandle ACCEPT_EX = Linker.nativeLinker().downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle GET_SOCKADDRS = Linker.nativeLinker().downcallHandle(FunctionDescriptor.ofVoid(
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    private static int post(MemorySegment acceptEx, long listener, long accept, MemorySegment buffer, int slot, MemorySegment ov,
                            Arena arena) throws Throwable {
        return (int) ACCEPT_EX.invokeExact(acceptEx, listener, accept, buffer, 0, slot, slot, arena.allocate(ValueLayout.JAVA_INT), ov);
    }

    private static int port(MemorySegment sockaddr) {
        return Short.toUnsignedInt(Short.reverseBytes(sockaddr.reinterpret(4).get(ValueLayout.JAVA_SHORT_UNALIGNED, 2)));
    }

    private static void libuvServer(Ws2 ws2, int af, Arena arena) throws Throwable {
        int size = SockAddr.size(af);
        int slot = size + 16;
        long listener = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
        assertEquals(0, ws2.bind(listener, SockAddr.loopback(af, 0, arena), size));
        assertEquals(0, ws2.listen(listener, 8));
        MemorySegment bound = SockAddr.loopback(af, 0, arena);
        assertEquals(0, ws2.getsockname(listener, bound, arena.allocateFrom(ValueLayout.JAVA_INT, size)));
        long port = ws2.kernel().createCompletionPort(0);
        try {
            ws2.kernel().associate(port, listener, 1);
            MemorySegment acceptEx = ExtensionPointers.function(ws2, listener, WinsockExtensions.WSAID_ACCEPTEX, arena);
            MemorySegment sockaddrs = ExtensionPointers.function(ws2, listener, WinsockExtensions.WSAID_GETACCEPTEXSOCKADDRS, arena);
            long accepted = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            MemorySegment buffer = arena.allocate(2L * slot, 8);
            MemorySegment ov = arena.allocate(OVERLAPPED.layout());
            int ok = post(acceptEx, listener, accepted, buffer, slot, ov, arena);
            assertTrue(ok != 0 || ExtensionPointers.lastError() == WSA_IO_PENDING(), "AcceptEx posted before any client");
            long client = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            assertEquals(0, ws2.connect(client, bound, size), () -> "connect: " + ws2.lastError());
            MemorySegment entry = arena.allocate(OVERLAPPED_ENTRY.layout());
            assertEquals(1, ws2.kernel().dequeue(port, entry, WAIT, false), "the accept completes on the listener's port");
            assertEquals(1, OVERLAPPED_ENTRY.lpCompletionKey(entry));
            assertEquals(ov.address(), OVERLAPPED_ENTRY.lpOverlapped(entry).address());
            MemorySegment bytes = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
            assertTrue(ws2.getOverlappedResult(listener, ov, bytes, false, flags), () -> "result: " + ws2.lastError());
            assertEquals(0, ws2.setsockopt(accepted, SOL_SOCKET(), SO_UPDATE_ACCEPT_CONTEXT(),
                    arena.allocateFrom(ValueLayout.JAVA_LONG, listener), 8), () -> "SO_UPDATE_ACCEPT_CONTEXT: " + ws2.lastError());
            MemorySegment local = arena.allocate(ValueLayout.ADDRESS);
            MemorySegment remote = arena.allocate(ValueLayout.ADDRESS);
            MemorySegment localLength = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment remoteLength = arena.allocate(ValueLayout.JAVA_INT);
            GET_SOCKADDRS.invokeExact(sockaddrs, buffer, 0, slot, slot, local, localLength, remote, remoteLength);
            MemorySegment clientName = SockAddr.loopback(af, 0, arena);
            assertEquals(0, ws2.getsockname(client, clientName, arena.allocateFrom(ValueLayout.JAVA_INT, size)));
            assertEquals(port(clientName), port(remote.get(ValueLayout.ADDRESS, 0)), "the remote address is the client's");
            assertEquals(port(bound), port(local.get(ValueLayout.ADDRESS, 0)), "the local address is the listener's");
            assertEquals(size, remoteLength.get(ValueLayout.JAVA_INT, 0));
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            for (int i = 0; i < 4; i++) {
                long from = i % 2 == 0 ? client : accepted;
                long to = i % 2 == 0 ? accepted : client;
                assertEquals(0, ws2.send(from, Buffers.wsabuf(arena, Buffers.pattern(arena, 3000, i)), 1, sent, 0,
                        MemorySegment.NULL, MemorySegment.NULL), () -> "send: " + ws2.lastError());
                MemorySegment got = arena.allocate(3000);
                assertTrue(Buffers.receiveFully(ws2, to, got, arena));
                Buffers.assertPattern(got, i);
            }
            // libuv's close with an AcceptEx still posted: it completes, aborted, on the port
            long next = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            MemorySegment ov2 = arena.allocate(OVERLAPPED.layout());
            int ok2 = post(acceptEx, listener, next, buffer, slot, ov2, arena);
            assertTrue(ok2 == 0 && ExtensionPointers.lastError() == WSA_IO_PENDING());
            assertEquals(0, ws2.closesocket(listener));
            assertEquals(1, ws2.kernel().dequeue(port, entry, WAIT, false));
            assertEquals(ov2.address(), OVERLAPPED_ENTRY.lpOverlapped(entry).address());
            assertEquals(WSA_OPERATION_ABORTED(), (int) OVERLAPPED.Internal(ov2), "Internal holds the Winsock code");
            ws2.closesocket(next);
            ws2.closesocket(client);
            ws2.closesocket(accepted);
        } finally {
            ws2.kernel().closeHandle(port);
        }
    }

    @Test
    void libuvsAcceptExServer_throughJwspAndThroughTheBaseAlone() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            try {
                long probe = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
                long baseProbe = ws2.socket(AF_INET6(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
                assertEquals(installed.chainOver(Catalog.BASE_TCP_V4), ws2.provider(probe).entry().catalogEntryId());
                assertNotEquals(ExtensionPointers.function(ws2, baseProbe, WinsockExtensions.WSAID_ACCEPTEX, arena).address(),
                        ExtensionPointers.function(ws2, probe, WinsockExtensions.WSAID_ACCEPTEX, arena).address(), "jwsp hands out its own AcceptEx");
                ws2.closesocket(probe);
                ws2.closesocket(baseProbe);
                libuvServer(ws2, AF_INET(), arena);
                libuvServer(ws2, AF_INET6(), arena);
                assertEquals(0, LayeredProvider.outstandingRequests());
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        });
    }

    @Test
    void anAcceptSocketOfAnotherProvider_isWSAENOTSOCK() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            try {
                long listener = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
                assertEquals(0, ws2.bind(listener, SockAddr.loopback(AF_INET(), 0, arena), 16));
                assertEquals(0, ws2.listen(listener, 8));
                long foreign = ws2.socket(AF_INET6(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED()); // the base's
                MemorySegment acceptEx = ExtensionPointers.function(ws2, listener, WinsockExtensions.WSAID_ACCEPTEX, arena);
                MemorySegment ov = arena.allocate(OVERLAPPED.layout());
                assertEquals(0, post(acceptEx, listener, foreign, arena.allocate(64, 8), 32, ov, arena));
                assertEquals(WSAENOTSOCK(), ExtensionPointers.lastError());
                assertEquals(0, LayeredProvider.outstandingRequests(), "nothing held");
                assertEquals(0, ws2.closesocket(foreign));
                assertEquals(0, ws2.closesocket(listener));
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        });
    }
}
