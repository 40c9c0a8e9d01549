package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.WinsockExtensions;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.ws2.SockAddr;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;

/**
 * ConnectEx as Go dials with it (net/fd_windows.go): an overlapped socket bound to the wildcard
 * address, its ConnectEx from SIO_GET_EXTENSION_FUNCTION_POINTER, the socket associated with the
 * program's completion port, ConnectEx with an OVERLAPPED, the completion dequeued from the port,
 * then SO_UPDATE_CONNECT_CONTEXT — through jwsp over the host's base, and through the base alone
 * (IPv6 is not layered here), data moving both ways afterwards. Plus the bad input.
 */
class ConnectExTest {

    private static final int WAIT = 10_000;
    private static final MethodHandle CALL = Linker.nativeLinker().downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    private static MemorySegment connectEx(Ws2 ws2, long s, Arena arena) {
        return ExtensionPointers.function(ws2, s, WinsockExtensions.WSAID_CONNECTEX, arena);
    }

    private static int call(MemorySegment fn, long s, MemorySegment name, int nameLen, MemorySegment ov, MemorySegment sent) throws Throwable {
        return (int) CALL.invokeExact(fn, s, name, nameLen, MemorySegment.NULL, 0, sent, ov);
    }

    /** Go's dial: returns the connected client; the server side is accepted from {@code listener}. */
    private static long dial(Ws2 ws2, int af, MemorySegment target, long port, Arena arena) throws Throwable {
        long s = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
        assertNotEquals(INVALID_SOCKET(), s);
        ws2.kernel().associate(port, s, 7);
        assertEquals(0, ws2.bind(s, SockAddr.loopback(af, 0, arena), SockAddr.size(af)));
        MemorySegment fn = connectEx(ws2, s, arena);
        MemorySegment ov = arena.allocate(OVERLAPPED.layout());
        MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
        int ok = call(fn, s, target, SockAddr.size(af), ov, sent);
        assertTrue(ok != 0 || ExtensionPointers.lastError() == WSA_IO_PENDING(), () -> "ConnectEx");
        MemorySegment entry = arena.allocate(OVERLAPPED_ENTRY.layout());
        assertEquals(1, ws2.kernel().dequeue(port, entry, WAIT, false), "the connect completes on the program's port");
        assertEquals(7, OVERLAPPED_ENTRY.lpCompletionKey(entry));
        assertEquals(ov.address(), OVERLAPPED_ENTRY.lpOverlapped(entry).address(), "with the program's own OVERLAPPED");
        MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
        assertTrue(ws2.getOverlappedResult(s, ov, sent, false, flags), () -> "WSAGetOverlappedResult: " + ws2.lastError());
        assertEquals(0, ws2.setsockopt(s, SOL_SOCKET(), SO_UPDATE_CONNECT_CONTEXT(), MemorySegment.NULL, 0),
                () -> "SO_UPDATE_CONNECT_CONTEXT: " + ws2.lastError());
        assertEquals(0, ws2.kernel().dequeue(port, entry, 0, false), "exactly one completion");
        return s;
    }

    private static void goDialsAndTalks(Ws2 ws2, int af, Arena arena) throws Throwable {
        long listener = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
        assertEquals(0, ws2.bind(listener, SockAddr.loopback(af, 0, arena), SockAddr.size(af)));
        assertEquals(0, ws2.listen(listener, 4));
        MemorySegment bound = SockAddr.loopback(af, 0, arena);
        MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, SockAddr.size(af));
        assertEquals(0, ws2.getsockname(listener, bound, len));
        long port = ws2.kernel().createCompletionPort(0);
        try {
            long client = dial(ws2, af, bound, port, arena);
            long server = ws2.accept(listener, MemorySegment.NULL, MemorySegment.NULL);
            assertNotEquals(INVALID_SOCKET(), server);
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            for (int i = 0; i < 4; i++) {
                long from = i % 2 == 0 ? client : server;
                long to = i % 2 == 0 ? server : client;
                assertEquals(0, ws2.send(from, Buffers.wsabuf(arena, Buffers.pattern(arena, 2048, i)), 1, sent, 0,
                        MemorySegment.NULL, MemorySegment.NULL));
                MemorySegment got = arena.allocate(2048);
                assertTrue(Buffers.receiveFully(ws2, to, got, arena));
                Buffers.assertPattern(got, i);
            }
            ws2.closesocket(client);
            ws2.closesocket(server);
            ws2.closesocket(listener);
        } finally {
            ws2.kernel().closeHandle(port);
        }
    }

    @Test
    void goDialsWithConnectEx_throughJwspAndThroughTheBaseAlone() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            try {
                long probe = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
                long baseProbe = ws2.socket(AF_INET6(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
                assertEquals(installed.chainOver(Catalog.BASE_TCP_V4), ws2.provider(probe).entry().catalogEntryId());
                assertNotEquals(connectEx(ws2, baseProbe, arena).address(), connectEx(ws2, probe, arena).address(),
                        "jwsp hands out its own ConnectEx");
                ws2.closesocket(probe);
                ws2.closesocket(baseProbe);
                goDialsAndTalks(ws2, AF_INET(), arena);
                goDialsAndTalks(ws2, AF_INET6(), arena);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        });
    }

    @Test
    void badInput_getsWindowsAnswers() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            try {
                long s = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
                MemorySegment fn = arena.allocate(ValueLayout.JAVA_LONG);
                MemorySegment returned = arena.allocate(ValueLayout.JAVA_INT);
                MemorySegment g = ExtensionPointers.guid(WinsockExtensions.WSAID_CONNECTEX, arena);
                assertEquals(SOCKET_ERROR(), ws2.ioctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER(), g, 16, fn, 4, returned,
                        MemorySegment.NULL, MemorySegment.NULL), "a pointer does not fit in 4 bytes");
                assertEquals(WSAEFAULT(), ws2.lastError());
                assertEquals(SOCKET_ERROR(), ws2.ioctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER(), g, 8, fn, 8, returned,
                        MemorySegment.NULL, MemorySegment.NULL), "half a GUID");
                assertEquals(WSAEFAULT(), ws2.lastError());
                assertEquals(SOCKET_ERROR(), ws2.ioctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER(), ExtensionPointers.guid(UUID.randomUUID(), arena), 16, fn, 8,
                        returned, MemorySegment.NULL, MemorySegment.NULL), "a GUID jwsp does not know goes down");
                assertEquals(WSAEINVAL(), ws2.lastError(), "the base's answer");
                MemorySegment connect = connectEx(ws2, s, arena);
                MemorySegment ov = arena.allocate(OVERLAPPED.layout());
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                MemorySegment to = SockAddr.loopback(AF_INET(), 9, arena);
                assertEquals(0, call(connect, 0x7777_0000L, to, 16, ov, sent), "not a jwsp socket");
                assertEquals(WSAENOTSOCK(), ExtensionPointers.lastError());
                assertEquals(0, call(connect, s, to, 16, MemorySegment.NULL, sent), "no OVERLAPPED");
                assertEquals(WSAEINVAL(), ExtensionPointers.lastError());
                assertEquals(0, call(connect, s, to, 16, ov, sent), "not bound: Windows' rule, from the base");
                assertEquals(WSAEINVAL(), ExtensionPointers.lastError());
                assertEquals(0, LayeredProvider.outstandingRequests(), "a refused ConnectEx holds nothing");
                assertEquals(0, ws2.closesocket(s), "and the socket is fine");
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        });
    }
}
