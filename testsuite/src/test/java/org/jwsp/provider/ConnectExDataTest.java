package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.WinsockExtensions;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.host.ws2.SockAddr;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;
import org.jwsp.provider.filter.SendFilter;
import org.jwsp.provider.filter.SendView;
import org.jwsp.testkit.Buffers;

/**
 * ConnectEx with data, as a client that sends its request with the connect (.NET's
 * {@code ConnectAsync} with a buffer, TCP Fast Open style): the data is the socket's first send.
 * Through jwsp it passes the filter (seen, then told of its completion) and arrives before every
 * later send; a filter that refuses it refuses the connect. Through the base alone too (IPv6 is
 * not layered here).
 */
class ConnectExDataTest {

    private static final int WAIT = 10_000;
    private static final MethodHandle CONNECT_EX = Linker.nativeLinker().downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    private static void dialsWithData(Ws2 ws2, int af, Arena arena) throws Throwable {
        int size = SockAddr.size(af);
        long listener = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
        assertEquals(0, ws2.bind(listener, SockAddr.loopback(af, 0, arena), size));
        assertEquals(0, ws2.listen(listener, 4));
        MemorySegment bound = SockAddr.loopback(af, 0, arena);
        assertEquals(0, ws2.getsockname(listener, bound, arena.allocateFrom(ValueLayout.JAVA_INT, size)));
        long client = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
        assertEquals(0, ws2.bind(client, SockAddr.loopback(af, 0, arena), size));
        MemorySegment fn = ExtensionPointers.function(ws2, client, WinsockExtensions.WSAID_CONNECTEX, arena);
        MemorySegment ov = OverTheHost.overlapped(ws2, arena);
        MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
        MemorySegment request = Buffers.pattern(arena, 500, 1);
        int ok = (int) CONNECT_EX.invokeExact(fn, client, bound, size, request, 500, sent, ov);
        assertTrue(ok != 0 || ExtensionPointers.lastError() == WSA_IO_PENDING(), "ConnectEx with data");
        // the next send, issued as soon as the connect returned: it must follow the connect's data
        MemorySegment next = OverTheHost.overlapped(ws2, arena);
        int rc = ws2.send(client, Buffers.wsabuf(arena, Buffers.pattern(arena, 700, 2)), 1, arena.allocate(ValueLayout.JAVA_INT), 0,
                next, MemorySegment.NULL);
        assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING(), () -> "the next send: " + ws2.lastError());
        assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(OVERLAPPED.hEvent(ov).address(), WAIT, false));
        MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
        assertTrue(ws2.getOverlappedResult(client, ov, sent, false, flags), () -> "ConnectEx's result: " + ws2.lastError());
        assertEquals(500, sent.get(ValueLayout.JAVA_INT, 0), "the data went with the connect");
        long server = ws2.accept(listener, MemorySegment.NULL, MemorySegment.NULL);
        MemorySegment got = arena.allocate(1200);
        assertTrue(Buffers.receiveFully(ws2, server, got, arena));
        Buffers.assertPattern(got.asSlice(0, 500), 1);
        Buffers.assertPattern(got.asSlice(500, 700), 2);
        assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(OVERLAPPED.hEvent(next).address(), WAIT, false));
        ws2.closesocket(server);
        ws2.closesocket(client);
        ws2.closesocket(listener);
    }

    @Test
    void theDataIsTheFirstSend_throughJwspsFilter_andThroughTheBaseAlone() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            List<String> seen = new CopyOnWriteArrayList<>();
            LayeredProvider.setFilter(new SendFilter() {
                @Override
                public int onSend(SendView send) {
                    seen.add("send " + send.bufferCount() + " " + send.totalBytes());
                    return send.totalBytes() == 13 ? WSAECONNABORTED() : PASS;
                }

                @Override
                public void onComplete(SendView send, int error, long bytes) {
                    seen.add("done " + error + " " + bytes);
                }
            });
            try {
                dialsWithData(ws2, AF_INET(), arena);
                assertEquals(List.of("send 1 500", "done 0 500", "send 1 700", "done 0 700"), seen,
                        "jwsp's filter saw ConnectEx's data as the socket's first send");
                seen.clear();
                dialsWithData(ws2, AF_INET6(), arena);
                assertEquals(List.of(), seen, "the base alone: no jwsp");

                long listener = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
                assertEquals(0, ws2.bind(listener, SockAddr.loopback(AF_INET(), 0, arena), 16));
                assertEquals(0, ws2.listen(listener, 4));
                MemorySegment bound = SockAddr.loopback(AF_INET(), 0, arena);
                assertEquals(0, ws2.getsockname(listener, bound, arena.allocateFrom(ValueLayout.JAVA_INT, 16)));
                long client = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
                assertEquals(0, ws2.bind(client, SockAddr.loopback(AF_INET(), 0, arena), 16));
                MemorySegment fn = ExtensionPointers.function(ws2, client, WinsockExtensions.WSAID_CONNECTEX, arena);
                int ok = (int) CONNECT_EX.invokeExact(fn, client, bound, 16, Buffers.pattern(arena, 13, 3), 13,
                        arena.allocate(ValueLayout.JAVA_INT), OverTheHost.overlapped(ws2, arena));
                assertEquals(0, ok, "the filter refuses the data: the connect is refused");
                assertEquals(WSAECONNABORTED(), ExtensionPointers.lastError());
                assertEquals(0, ws2.connect(client, bound, 16), () -> "nothing was connected: " + ws2.lastError());
                ws2.closesocket(client);
                ws2.closesocket(listener);
                assertEquals(0, LayeredProvider.outstandingRequests());
            } catch (Throwable t) {
                throw new AssertionError(t);
            } finally {
                LayeredProvider.setFilter(SendFilter.PASS_THROUGH);
            }
        });
    }
}
