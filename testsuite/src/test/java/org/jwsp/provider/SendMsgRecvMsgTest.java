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
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.WinsockExtensions;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.WSAMSG;
import org.jwsp.bindings.windows.WSASENDMSG;
import org.jwsp.host.ws2.SockAddr;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;
import org.jwsp.provider.filter.SendFilter;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * WSASendMsg and WSARecvMsg from SIO_GET_EXTENSION_FUNCTION_POINTER, called through their native
 * pointers as a program calls them: on a TCP connection (a send without destination goes through
 * jwsp's filter — counted, and refused when the filter refuses — synchronous and overlapped) and
 * on UDP with a destination and the sender's address received back; and SIO_EXT_SENDMSG, the
 * way ws2_32's own WSASendMsg export reaches the provider SIO_BSP_HANDLE names; through jwsp, and through the
 * base alone (IPv6 is not layered here). Plus the bad input.
 */
class SendMsgRecvMsgTest {

    private static final int WAIT = 10_000;
    private static final MethodHandle SEND = Linker.nativeLinker().downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle RECV = Linker.nativeLinker().downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    private static MemorySegment message(MemorySegment name, int nameLength, MemorySegment buffers, int count, Arena arena) {
        MemorySegment m = arena.allocate(WSAMSG.layout());
        WSAMSG.name(m, name);
        WSAMSG.namelen(m, nameLength);
        WSAMSG.lpBuffers(m, buffers);
        WSAMSG.dwBufferCount(m, count);
        return m;
    }

    private static int send(MemorySegment fn, long s, MemorySegment msg, MemorySegment sent, MemorySegment ov) throws Throwable {
        return (int) SEND.invokeExact(fn, s, msg, 0, sent, ov, MemorySegment.NULL);
    }

    /** A TCP connection: two sends by WSASendMsg (one synchronous, one overlapped), each received whole. */
    private static void overTcp(Ws2 ws2, int af, Arena arena) throws Throwable {
        try (Pair p = Pair.tcp(ws2, af, WSA_FLAG_OVERLAPPED(), arena)) {
            MemorySegment fn = ExtensionPointers.function(ws2, p.client(), WinsockExtensions.WSAID_WSASENDMSG, arena);
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment msg = message(MemorySegment.NULL, 0,
                    Buffers.wsabuf(arena, Buffers.pattern(arena, 1000, 3).asSlice(0, 400), Buffers.pattern(arena, 1000, 3).asSlice(400)), 2, arena);
            assertEquals(0, send(fn, p.client(), msg, sent, MemorySegment.NULL), () -> "WSASendMsg");
            assertEquals(1000, sent.get(ValueLayout.JAVA_INT, 0));
            MemorySegment got = arena.allocate(1000);
            assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
            Buffers.assertPattern(got, 3);

            // ws2_32's own WSASendMsg export: SIO_EXT_SENDMSG with a WSASENDMSG, on the socket SIO_BSP_HANDLE named
            MemorySegment bsp = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment returned = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, ws2.ioctl(p.client(), SIO_BSP_HANDLE(), MemorySegment.NULL, 0, bsp, 8, returned, MemorySegment.NULL,
                    MemorySegment.NULL));
            MemorySegment args = arena.allocate(WSASENDMSG.layout());
            WSASENDMSG.lpMsg(args, message(MemorySegment.NULL, 0, Buffers.wsabuf(arena, Buffers.pattern(arena, 700, 8)), 1, arena));
            WSASENDMSG.lpNumberOfBytesSent(args, sent);
            assertEquals(0, ws2.ioctl(bsp.get(ValueLayout.JAVA_LONG, 0), SIO_EXT_SENDMSG(), args, (int) WSASENDMSG.sizeof(),
                    MemorySegment.NULL, 0, returned, MemorySegment.NULL, MemorySegment.NULL), () -> "SIO_EXT_SENDMSG: " + ws2.lastError());
            assertEquals(700, sent.get(ValueLayout.JAVA_INT, 0));
            MemorySegment got1 = arena.allocate(700);
            assertTrue(Buffers.receiveFully(ws2, p.server(), got1, arena));
            Buffers.assertPattern(got1, 8);
            assertEquals(SOCKET_ERROR(), ws2.ioctl(p.client(), SIO_EXT_SENDMSG(), args, 8, MemorySegment.NULL, 0, returned,
                    MemorySegment.NULL, MemorySegment.NULL), "a WSASENDMSG cut short");
            assertEquals(WSAEFAULT(), ws2.lastError());

            MemorySegment ov = arena.allocate(OVERLAPPED.layout());
            long event = ws2.createEvent();
            OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(event));
            MemorySegment msg2 = message(MemorySegment.NULL, 0, Buffers.wsabuf(arena, Buffers.pattern(arena, 5000, 4)), 1, arena);
            int rc = send(fn, p.client(), msg2, sent, ov);
            assertTrue(rc == 0 || ExtensionPointers.lastError() == WSA_IO_PENDING(), () -> "overlapped WSASendMsg");
            assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(event, WAIT, false));
            MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
            assertTrue(ws2.getOverlappedResult(p.client(), ov, sent, false, flags));
            assertEquals(5000, sent.get(ValueLayout.JAVA_INT, 0));
            MemorySegment got2 = arena.allocate(5000);
            assertTrue(Buffers.receiveFully(ws2, p.server(), got2, arena));
            Buffers.assertPattern(got2, 4);
            ws2.closeEvent(event);

            assertEquals(SOCKET_ERROR(), send(fn, p.client(), MemorySegment.NULL, sent, MemorySegment.NULL), "no WSAMSG");
            assertEquals(WSAEFAULT(), ExtensionPointers.lastError());
            assertEquals(SOCKET_ERROR(), send(fn, 0x7777_0000L, msg, sent, MemorySegment.NULL), "no socket");
            assertEquals(WSAENOTSOCK(), ExtensionPointers.lastError());
        }
    }

    /** UDP: WSASendMsg to a destination, WSARecvMsg receives it with the sender's address. */
    private static void overUdp(Ws2 ws2, int af, Arena arena) throws Throwable {
        long a = ws2.socket(af, SOCK_DGRAM(), IPPROTO_UDP(), WSA_FLAG_OVERLAPPED());
        long b = ws2.socket(af, SOCK_DGRAM(), IPPROTO_UDP(), WSA_FLAG_OVERLAPPED());
        try {
            assertEquals(0, ws2.bind(a, SockAddr.loopback(af, 0, arena), SockAddr.size(af)));
            assertEquals(0, ws2.bind(b, SockAddr.loopback(af, 0, arena), SockAddr.size(af)));
            MemorySegment aName = SockAddr.loopback(af, 0, arena);
            MemorySegment bName = SockAddr.loopback(af, 0, arena);
            assertEquals(0, ws2.getsockname(a, aName, arena.allocateFrom(ValueLayout.JAVA_INT, SockAddr.size(af))));
            assertEquals(0, ws2.getsockname(b, bName, arena.allocateFrom(ValueLayout.JAVA_INT, SockAddr.size(af))));

            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment out = message(bName, SockAddr.size(af), Buffers.wsabuf(arena, Buffers.pattern(arena, 300, 6)), 1, arena);
            assertEquals(0, send(ExtensionPointers.function(ws2, a, WinsockExtensions.WSAID_WSASENDMSG, arena), a, out, sent, MemorySegment.NULL),
                    () -> "WSASendMsg to a destination");
            assertEquals(300, sent.get(ValueLayout.JAVA_INT, 0));

            MemorySegment from = arena.allocate(28, 8);
            MemorySegment got = arena.allocate(300);
            MemorySegment in = message(from, 28, Buffers.wsabuf(arena, got), 1, arena);
            MemorySegment received = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment recv = ExtensionPointers.function(ws2, b, WinsockExtensions.WSAID_WSARECVMSG, arena);
            assertEquals(0, (int) RECV.invokeExact(recv, b, in, received, MemorySegment.NULL, MemorySegment.NULL), () -> "WSARecvMsg");
            assertEquals(300, received.get(ValueLayout.JAVA_INT, 0));
            Buffers.assertPattern(got, 6);
            assertEquals(SockAddr.port(aName), SockAddr.port(from), "the sender's address comes back in the message");
        } finally {
            ws2.closesocket(a);
            ws2.closesocket(b);
        }
    }

    @Test
    void sendMsgAndRecvMsg_throughJwspAndItsFilter_andThroughTheBaseAlone() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            long probe = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            long baseProbe = ws2.socket(AF_INET6(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            for (UUID id : new UUID[] {WinsockExtensions.WSAID_WSASENDMSG, WinsockExtensions.WSAID_WSARECVMSG}) {
                assertNotEquals(ExtensionPointers.function(ws2, baseProbe, id, arena).address(), ExtensionPointers.function(ws2, probe, id, arena).address(),
                        "jwsp hands out its own " + id);
            }
            ws2.closesocket(probe);
            ws2.closesocket(baseProbe);
            AtomicInteger filtered = new AtomicInteger();
            LayeredProvider.setFilter(send -> {
                filtered.incrementAndGet();
                return SendFilter.PASS;
            });
            try {
                overTcp(ws2, AF_INET(), arena);
                assertEquals(3, filtered.get(), "every WSASendMsg send (and SIO_EXT_SENDMSG) went through jwsp's filter");
                overUdp(ws2, AF_INET(), arena);
                filtered.set(0);
                overTcp(ws2, AF_INET6(), arena);
                overUdp(ws2, AF_INET6(), arena);
                assertEquals(0, filtered.get(), "the base alone: no jwsp");

                LayeredProvider.setFilter(send -> WSAECONNABORTED());
                try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                    MemorySegment msg = message(MemorySegment.NULL, 0, Buffers.wsabuf(arena, Buffers.pattern(arena, 10, 1)), 1, arena);
                    assertEquals(SOCKET_ERROR(), send(ExtensionPointers.function(ws2, p.client(), WinsockExtensions.WSAID_WSASENDMSG, arena), p.client(),
                            msg, arena.allocate(ValueLayout.JAVA_INT), MemorySegment.NULL), "the filter refuses it");
                    assertEquals(WSAECONNABORTED(), ExtensionPointers.lastError());
                }
            } catch (Throwable t) {
                throw new AssertionError(t);
            } finally {
                LayeredProvider.setFilter(SendFilter.PASS_THROUGH);
            }
        });
    }
}
