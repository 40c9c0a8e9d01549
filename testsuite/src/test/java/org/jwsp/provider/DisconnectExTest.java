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
import org.jwsp.host.ws2.SockAddr;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;
import org.jwsp.testkit.Buffers;

/**
 * DisconnectEx as a server that recycles its sockets uses it (IIS, .NET's
 * {@code Socket.Disconnect(true)}): data sent, then an overlapped {@code DisconnectEx} with
 * {@code TF_REUSE_SOCKET} — the peer receives every byte, then end of stream — and the same handle
 * connects again and talks both ways. Through jwsp (its own DisconnectEx from
 * SIO_GET_EXTENSION_FUNCTION_POINTER, called through its native pointer, completed through jwsp's
 * port) and through the base alone (IPv6 is not layered here). Plus the bad input.
 */
class DisconnectExTest {

    private static final int WAIT = 10_000;
    private static final MethodHandle CALL = Linker.nativeLinker().downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private static MemorySegment disconnectEx(Ws2 ws2, long s, Arena arena) {
        return ExtensionPointers.function(ws2, s, WinsockExtensions.WSAID_DISCONNECTEX, arena);
    }

    private static int call(MemorySegment fn, long s, MemorySegment ov, int flags, int reserved) throws Throwable {
        return (int) CALL.invokeExact(fn, s, ov, flags, reserved);
    }

    private static long connectTo(Ws2 ws2, long s, long listener, int af, Arena arena) {
        MemorySegment bound = SockAddr.loopback(af, 0, arena);
        MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, SockAddr.size(af));
        assertEquals(0, ws2.getsockname(listener, bound, len));
        assertEquals(0, ws2.connect(s, bound, SockAddr.size(af)), () -> "connect: " + ws2.lastError());
        long server = ws2.accept(listener, MemorySegment.NULL, MemorySegment.NULL);
        assertNotEquals(INVALID_SOCKET(), server);
        return server;
    }

    private static void talk(Ws2 ws2, long a, long b, int seed, Arena arena) {
        MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
        for (int i = 0; i < 2; i++) {
            long from = i == 0 ? a : b;
            long to = i == 0 ? b : a;
            assertEquals(0, ws2.send(from, Buffers.wsabuf(arena, Buffers.pattern(arena, 3000, seed + i)), 1, sent, 0,
                    MemorySegment.NULL, MemorySegment.NULL), () -> "send: " + ws2.lastError());
            MemorySegment got = arena.allocate(3000);
            assertTrue(Buffers.receiveFully(ws2, to, got, arena));
            Buffers.assertPattern(got, seed + i);
        }
    }

    private static void recycles(Ws2 ws2, int af, Arena arena) throws Throwable {
        long listener = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
        assertEquals(0, ws2.bind(listener, SockAddr.loopback(af, 0, arena), SockAddr.size(af)));
        assertEquals(0, ws2.listen(listener, 4));
        long client = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
        long server = connectTo(ws2, client, listener, af, arena);
        talk(ws2, client, server, 0, arena);

        MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
        assertEquals(0, ws2.send(client, Buffers.wsabuf(arena, Buffers.pattern(arena, 8192, 5)), 1, sent, 0,
                MemorySegment.NULL, MemorySegment.NULL));
        MemorySegment fn = disconnectEx(ws2, client, arena);
        MemorySegment ov = arena.allocate(OVERLAPPED.layout());
        long event = ws2.createEvent();
        OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(event));
        int ok = call(fn, client, ov, TF_REUSE_SOCKET(), 0);
        assertTrue(ok != 0 || ExtensionPointers.lastError() == WSA_IO_PENDING(), () -> "DisconnectEx");
        assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(event, WAIT, false), "the disconnect's event is set");
        MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
        assertTrue(ws2.getOverlappedResult(client, ov, sent, false, flags), () -> "WSAGetOverlappedResult: " + ws2.lastError());

        MemorySegment got = arena.allocate(8192);
        assertTrue(Buffers.receiveFully(ws2, server, got, arena), "what was sent before DisconnectEx arrives first");
        Buffers.assertPattern(got, 5);
        MemorySegment count = arena.allocateFrom(ValueLayout.JAVA_INT, -1);
        assertEquals(0, ws2.recv(server, Buffers.wsabuf(arena, got), 1, count, flags, MemorySegment.NULL, MemorySegment.NULL));
        assertEquals(0, count.get(ValueLayout.JAVA_INT, 0), "then the end of the stream");
        ws2.closesocket(server);

        long again = connectTo(ws2, client, listener, af, arena); // TF_REUSE_SOCKET: the same handle connects anew
        talk(ws2, client, again, 7, arena);

        assertEquals(0, call(fn, client, MemorySegment.NULL, 0, 1), "dwReserved must be 0");
        assertEquals(WSAEINVAL(), ExtensionPointers.lastError());
        assertEquals(0, call(fn, 0x7777_0000L, MemorySegment.NULL, 0, 0), "no socket");
        assertEquals(WSAENOTSOCK(), ExtensionPointers.lastError());
        talk(ws2, client, again, 9, arena); // the refused calls broke nothing

        assertEquals(1, call(fn, client, MemorySegment.NULL, 0, 0), "synchronous, without TF_REUSE_SOCKET: TRUE");
        MemorySegment after = arena.allocate(16);
        assertEquals(0, ws2.recv(again, Buffers.wsabuf(arena, after), 1, count, flags, MemorySegment.NULL, MemorySegment.NULL));
        assertEquals(0, count.get(ValueLayout.JAVA_INT, 0));
        assertEquals(SOCKET_ERROR(), ws2.send(client, Buffers.wsabuf(arena, after), 1, sent, 0, MemorySegment.NULL,
                MemorySegment.NULL), "no send after a disconnect that keeps the socket closed");
        assertEquals(WSAESHUTDOWN(), ws2.lastError());
        ws2.closeEvent(event);
        ws2.closesocket(again);
        ws2.closesocket(client);
        ws2.closesocket(listener);
    }

    @Test
    void aRecyclingServerDisconnectsAndReconnects_throughJwspAndThroughTheBaseAlone() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            long probe = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            long baseProbe = ws2.socket(AF_INET6(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            assertNotEquals(disconnectEx(ws2, baseProbe, arena).address(), disconnectEx(ws2, probe, arena).address(),
                    "jwsp hands out its own DisconnectEx");
            ws2.closesocket(probe);
            ws2.closesocket(baseProbe);
            int before = LayeredProvider.openSockets();
            try {
                recycles(ws2, AF_INET(), arena);
                recycles(ws2, AF_INET6(), arena);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            assertEquals(before, LayeredProvider.openSockets(), "every jwsp socket was closed");
        });
    }
}
