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
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.WinsockExtensions;
import org.jwsp.bindings.windows.WSAMSG;
import org.jwsp.host.ws2.SockAddr;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * The bad input of the extension functions, called as a program calls them (through the native
 * pointers {@code SIO_GET_EXTENSION_FUNCTION_POINTER} hands out), through jwsp and through the
 * base alone (IPv6 is not layered here): a short output buffer for the pointer
 * ({@code WSAEFAULT}), a GUID jwsp does not know (the lower provider's answer), pointers that
 * point at nothing a program owns ({@code WSAEFAULT}, decided before they are touched: on the old
 * code these killed the process), a completion routine where no {@code WSATHREADID} can come
 * ({@code WSAEOPNOTSUPP}). Each refused call holds nothing and leaves the connection whole.
 */
class ExtensionBadInputTest {

    private static final long WILD = 0x10; // in the first 64 KiB: never a program's memory
    private static final MethodHandle SEND_MSG = Linker.nativeLinker().downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG));
    private static final MethodHandle RECV_MSG = Linker.nativeLinker().downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle CONNECT_EX = Linker.nativeLinker().downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle ACCEPT_EX = Linker.nativeLinker().downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle DISCONNECT_EX = Linker.nativeLinker().downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    /** Any code address: a routine that is never called (the calls that carry it are refused). */
    private static final long ROUTINE = KernelPort.system().procAddress("ws2_32.dll", "WSAGetLastError").address();

    private static final List<UUID> JWSPS_OWN = List.of(WinsockExtensions.WSAID_CONNECTEX, WinsockExtensions.WSAID_ACCEPTEX,
            WinsockExtensions.WSAID_DISCONNECTEX, WinsockExtensions.WSAID_WSASENDMSG, WinsockExtensions.WSAID_WSARECVMSG,
            WinsockExtensions.WSAID_TRANSMITFILE, WinsockExtensions.WSAID_TRANSMITPACKETS, WinsockExtensions.WSAID_GETACCEPTEXSOCKADDRS);

    private static int ioctlPointer(Ws2 ws2, long s, MemorySegment in, int cbIn, MemorySegment out, int cbOut, Arena arena) {
        return ws2.ioctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER(), in, cbIn, out, cbOut, arena.allocate(ValueLayout.JAVA_INT),
                MemorySegment.NULL, MemorySegment.NULL);
    }

    @Test
    void theFunctionPointerIoctl_shortOrWildBuffersAreWSAEFAULT_unknownGuidsGoDown() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            for (int af : new int[] {AF_INET(), AF_INET6()}) {
                long s = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
                MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
                for (UUID id : JWSPS_OWN) {
                    MemorySegment g = ExtensionPointers.guid(id, arena);
                    assertEquals(SOCKET_ERROR(), ioctlPointer(ws2, s, g, 16, out, 4, arena), () -> id + ": 4 bytes out");
                    assertEquals(WSAEFAULT(), ws2.lastError());
                    assertEquals(SOCKET_ERROR(), ioctlPointer(ws2, s, g, 16, MemorySegment.ofAddress(WILD), 8, arena), () -> id + ": out at 0x10");
                    assertEquals(WSAEFAULT(), ws2.lastError());
                    assertEquals(SOCKET_ERROR(), ioctlPointer(ws2, s, MemorySegment.ofAddress(WILD), 16, out, 8, arena), () -> id + ": GUID at 0x10");
                    assertEquals(WSAEFAULT(), ws2.lastError());
                    assertEquals(0, ioctlPointer(ws2, s, g, 16, out, 8, arena), () -> id + ": " + ws2.lastError());
                    assertNotEquals(0L, out.get(ValueLayout.JAVA_LONG, 0));
                }
                for (UUID id : List.of(UUID.randomUUID(), UUID.randomUUID())) {
                    assertEquals(SOCKET_ERROR(), ioctlPointer(ws2, s, ExtensionPointers.guid(id, arena), 16, out, 8, arena), "a GUID jwsp does not own goes down");
                    assertEquals(WSAEINVAL(), ws2.lastError(), "the base's answer: it offers no such function");
                }
                ws2.closesocket(s);
            }
            // GetAcceptExSockaddrs takes no socket and parses what the lower AcceptEx wrote: jwsp hands out the lower's own.
            long layered = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            long base = ws2.socket(AF_INET6(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            MemorySegment a = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment b = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment g = ExtensionPointers.guid(WinsockExtensions.WSAID_GETACCEPTEXSOCKADDRS, arena);
            assertEquals(0, ioctlPointer(ws2, layered, g, 16, a, 8, arena));
            assertEquals(0, ioctlPointer(ws2, base, g, 16, b, 8, arena));
            assertEquals(b.get(ValueLayout.JAVA_LONG, 0), a.get(ValueLayout.JAVA_LONG, 0));
            ws2.closesocket(layered);
            ws2.closesocket(base);
        });
    }

    @Test
    void extensionFunctions_refuseWildPointersAndRoutines_andBreakNothing() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            try {
                for (int af : new int[] {AF_INET(), AF_INET6()}) {
                    wildPointers(ws2, af, af == AF_INET(), arena);
                }
                assertEquals(0, LayeredProvider.outstandingRequests(), "every refused call held nothing");
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        });
    }

    private static void wildPointers(Ws2 ws2, int af, boolean layered, Arena arena) throws Throwable {
        try (Pair p = Pair.tcp(ws2, af, WSA_FLAG_OVERLAPPED(), arena)) {
            MemorySegment sendMsg = ExtensionPointers.function(ws2, p.client(), WinsockExtensions.WSAID_WSASENDMSG, arena);
            MemorySegment recvMsg = ExtensionPointers.function(ws2, p.server(), WinsockExtensions.WSAID_WSARECVMSG, arena);
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment ov = OverTheHost.overlapped(ws2, arena);
            assertEquals(SOCKET_ERROR(), (int) SEND_MSG.invokeExact(sendMsg, p.client(), WILD, 0, count.address(), 0L, 0L), "WSAMSG at 0x10");
            assertEquals(WSAEFAULT(), ExtensionPointers.lastError());
            assertEquals(SOCKET_ERROR(), (int) RECV_MSG.invokeExact(recvMsg, p.server(), WILD, count.address(), 0L, 0L), "WSAMSG at 0x10");
            assertEquals(WSAEFAULT(), ExtensionPointers.lastError());
            MemorySegment msg = arena.allocate(WSAMSG.layout());
            WSAMSG.lpBuffers(msg, Buffers.wsabuf(arena, Buffers.pattern(arena, 64, 4)));
            WSAMSG.dwBufferCount(msg, 1);
            assertEquals(SOCKET_ERROR(), (int) SEND_MSG.invokeExact(sendMsg, p.client(), msg.address(), 0, count.address(),
                    ov.address(), ROUTINE), "a completion routine: no WSATHREADID to queue it to");
            assertEquals(WSAEOPNOTSUPP(), ExtensionPointers.lastError());
            assertEquals(SOCKET_ERROR(), (int) RECV_MSG.invokeExact(recvMsg, p.server(), msg.address(), count.address(),
                    ov.address(), ROUTINE), "a completion routine: no WSATHREADID to queue it to");
            assertEquals(WSAEOPNOTSUPP(), ExtensionPointers.lastError());

            MemorySegment disconnect = ExtensionPointers.function(ws2, p.client(), WinsockExtensions.WSAID_DISCONNECTEX, arena);
            assertEquals(0, (int) DISCONNECT_EX.invokeExact(disconnect, p.client(), WILD, 0, 0), "an OVERLAPPED at 0x10");
            assertEquals(WSAEFAULT(), ExtensionPointers.lastError());

            long fresh = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            assertEquals(0, ws2.bind(fresh, SockAddr.loopback(af, 0, arena), SockAddr.size(af)));
            MemorySegment connect = ExtensionPointers.function(ws2, fresh, WinsockExtensions.WSAID_CONNECTEX, arena);
            assertEquals(0, (int) CONNECT_EX.invokeExact(connect, fresh, WILD, SockAddr.size(af), 0L, 0, 0L, ov.address()),
                    "a name at 0x10");
            assertEquals(WSAEFAULT(), ExtensionPointers.lastError());
            assertEquals(0, (int) CONNECT_EX.invokeExact(connect, fresh, SockAddr.loopback(af, 9, arena).address(), SockAddr.size(af),
                    0L, 0, WILD + 1, ov.address()), "a byte count at 0x11");
            assertEquals(WSAEFAULT(), ExtensionPointers.lastError());
            assertEquals(0, (int) CONNECT_EX.invokeExact(connect, fresh, SockAddr.loopback(af, 9, arena).address(), SockAddr.size(af),
                    0L, 0, 0L, WILD), "an OVERLAPPED at 0x10");
            assertEquals(WSAEFAULT(), ExtensionPointers.lastError());

            MemorySegment acceptEx = ExtensionPointers.function(ws2, p.listener(), WinsockExtensions.WSAID_ACCEPTEX, arena);
            int slot = SockAddr.size(af) + 16;
            assertEquals(0, (int) ACCEPT_EX.invokeExact(acceptEx, p.listener(), fresh, 0xFFFF_8000_0000_0000L, 0, slot, slot, 0L,
                    ov.address()), "an output buffer in kernel space");
            assertEquals(WSAEFAULT(), ExtensionPointers.lastError());
            assertEquals(0, (int) ACCEPT_EX.invokeExact(acceptEx, p.listener(), fresh, arena.allocate(2L * slot, 8).address(), 0, slot,
                    slot, 0L, WILD), "an OVERLAPPED at 0x10");
            assertEquals(WSAEFAULT(), ExtensionPointers.lastError());
            if (layered) {
                assertEquals(SOCKET_ERROR(), ws2.setsockopt(fresh, SOL_SOCKET(), SO_UPDATE_ACCEPT_CONTEXT(), MemorySegment.ofAddress(WILD),
                        8), "SO_UPDATE_ACCEPT_CONTEXT's value at 0x10");
                assertEquals(WSAEFAULT(), ws2.lastError());
            }
            ws2.closesocket(fresh);

            // the connection is whole: a WSASendMsg, and it arrives
            assertEquals(0, (int) SEND_MSG.invokeExact(sendMsg, p.client(), msg.address(), 0, count.address(), 0L, 0L));
            MemorySegment got = arena.allocate(64);
            assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
            Buffers.assertPattern(got, 4);
        }
    }
}
