package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.WinsockExtensions;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.host.ws2.SockAddr;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;

/**
 * A .NET {@code Socket} server and client on one I/O completion port, in the order .NET's
 * {@code AcceptAsync}/{@code ConnectAsync} make the calls on Windows: the server posts
 * {@code AcceptEx} (no receive data) on its listener; the client binds to port 0 and dials with
 * {@code ConnectEx} carrying its first bytes; both completions come to the port; then
 * {@code SO_UPDATE_ACCEPT_CONTEXT} and {@code SO_UPDATE_CONNECT_CONTEXT}, after which
 * {@code getpeername}/{@code getsockname} (.NET's {@code RemoteEndPoint}/{@code LocalEndPoint}) name
 * the other end; the accepted socket joins the port and overlapped {@code WSARecv}/{@code WSASend}
 * move data both ways, each completion from the port. Through jwsp (IPv4) and through the base alone
 * (IPv6); the extension functions come from {@code SIO_GET_EXTENSION_FUNCTION_POINTER}.
 */
class DotNetSocketsTest {

    private static final int WAIT = 10_000;
    private static final int FIRST = 100;
    private static final int REPLY = 5000;
    private static final MethodHandle ACCEPT_EX = Linker.nativeLinker().downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle CONNECT_EX = Linker.nativeLinker().downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    /** The next {@code n} packets from the port, by OVERLAPPED address: byte count, and the key checked. */
    private static Map<Long, Integer> completions(Ws2 ws2, long port, int n, Map<Long, Long> keys, Arena arena) {
        Map<Long, Integer> got = new HashMap<>();
        MemorySegment entry = arena.allocate(OVERLAPPED_ENTRY.layout());
        for (int i = 0; i < n; i++) {
            assertEquals(1, ws2.kernel().dequeue(port, entry, WAIT, false), "a completion on the port");
            long ov = OVERLAPPED_ENTRY.lpOverlapped(entry).address();
            assertEquals(keys.get(ov), OVERLAPPED_ENTRY.lpCompletionKey(entry), "the key of the socket it is for");
            assertEquals(0L, OVERLAPPED.Internal(MemorySegment.ofAddress(ov).reinterpret(OVERLAPPED.sizeof())), "succeeded");
            got.put(ov, OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(entry));
        }
        return got;
    }

    private static int port(MemorySegment sockaddr) {
        return Short.toUnsignedInt(Short.reverseBytes(sockaddr.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2)));
    }

    private static MemorySegment name(Ws2 ws2, long s, boolean peer, int af, Arena arena) {
        MemorySegment a = SockAddr.loopback(af, 0, arena);
        MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, SockAddr.size(af));
        int rc = peer ? ws2.getpeername(s, a, len) : ws2.getsockname(s, a, len);
        assertEquals(0, rc, () -> (peer ? "getpeername: " : "getsockname: ") + ws2.lastError());
        return a;
    }

    private static void serverAndClient(Ws2 ws2, int af, Arena arena) throws Throwable {
        int size = SockAddr.size(af);
        long port = ws2.kernel().createCompletionPort(0);
        try {
            long listener = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            assertEquals(0, ws2.bind(listener, SockAddr.loopback(af, 0, arena), size));
            assertEquals(0, ws2.listen(listener, 8));
            MemorySegment bound = name(ws2, listener, false, af, arena);
            ws2.kernel().associate(port, listener, 1);
            long accepted = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            MemorySegment acceptBuffer = arena.allocate(2L * (size + 16), 8);
            MemorySegment acceptOv = arena.allocate(OVERLAPPED.layout());
            int ok = (int) ACCEPT_EX.invokeExact(ExtensionPointers.function(ws2, listener, WinsockExtensions.WSAID_ACCEPTEX, arena), listener, accepted,
                    acceptBuffer, 0, size + 16, size + 16, arena.allocate(ValueLayout.JAVA_INT), acceptOv);
            assertTrue(ok != 0 || ExtensionPointers.lastError() == WSA_IO_PENDING(), "AcceptEx");

            long client = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            assertEquals(0, ws2.bind(client, SockAddr.loopback(af, 0, arena), size), "ConnectEx needs a bound socket");
            ws2.kernel().associate(port, client, 2);
            MemorySegment first = Buffers.pattern(arena, FIRST, 5);
            MemorySegment connectOv = arena.allocate(OVERLAPPED.layout());
            ok = (int) CONNECT_EX.invokeExact(ExtensionPointers.function(ws2, client, WinsockExtensions.WSAID_CONNECTEX, arena), client, bound, size, first,
                    FIRST, arena.allocate(ValueLayout.JAVA_INT), connectOv);
            int connectError = ok != 0 ? 0 : ExtensionPointers.lastError();
            assertTrue(ok != 0 || connectError == WSA_IO_PENDING(), () -> "ConnectEx af " + af + ": " + connectError);
            Map<Long, Integer> done = completions(ws2, port, 2, Map.of(acceptOv.address(), 1L, connectOv.address(), 2L), arena);
            assertEquals(0, done.get(acceptOv.address()), "the accept, with no data asked for");
            assertEquals(FIRST, done.get(connectOv.address()), "the connect, with its first bytes sent (ConnectAsync with a buffer)");

            assertEquals(0, ws2.setsockopt(accepted, SOL_SOCKET(), SO_UPDATE_ACCEPT_CONTEXT(),
                    arena.allocateFrom(ValueLayout.JAVA_LONG, listener), 8), () -> "SO_UPDATE_ACCEPT_CONTEXT: " + ws2.lastError());
            assertEquals(0, ws2.setsockopt(client, SOL_SOCKET(), SO_UPDATE_CONNECT_CONTEXT(), MemorySegment.NULL, 0),
                    () -> "SO_UPDATE_CONNECT_CONTEXT: " + ws2.lastError());
            assertEquals(port(name(ws2, client, false, af, arena)), port(name(ws2, accepted, true, af, arena)), "RemoteEndPoint: the client");
            assertEquals(port(bound), port(name(ws2, client, true, af, arena)), "the client's RemoteEndPoint: the listener");
            assertEquals(port(bound), port(name(ws2, accepted, false, af, arena)), "LocalEndPoint: the listener's port");

            ws2.kernel().associate(port, accepted, 3);
            MemorySegment in = arena.allocate(FIRST);
            MemorySegment recvOv = arena.allocate(OVERLAPPED.layout());
            MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
            int rc = ws2.recv(accepted, Buffers.wsabuf(arena, in), 1, arena.allocate(ValueLayout.JAVA_INT), flags, recvOv, MemorySegment.NULL);
            assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING(), () -> "WSARecv: " + ws2.lastError());
            int r = completions(ws2, port, 1, Map.of(recvOv.address(), 3L), arena).get(recvOv.address());
            assertTrue(r > 0);
            if (r < FIRST) {
                assertTrue(Buffers.receiveFully(ws2, accepted, in.asSlice(r), arena));
            }
            Buffers.assertPattern(in, 5);

            MemorySegment reply = arena.allocate(REPLY);
            MemorySegment replyOv = arena.allocate(OVERLAPPED.layout());
            flags.set(ValueLayout.JAVA_INT, 0, 0);
            rc = ws2.recv(client, Buffers.wsabuf(arena, reply), 1, arena.allocate(ValueLayout.JAVA_INT), flags, replyOv, MemorySegment.NULL);
            assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING(), () -> "WSARecv: " + ws2.lastError());
            MemorySegment sendOv = arena.allocate(OVERLAPPED.layout());
            rc = ws2.send(accepted, Buffers.wsabuf(arena, Buffers.pattern(arena, REPLY, 6)), 1, arena.allocate(ValueLayout.JAVA_INT), 0,
                    sendOv, MemorySegment.NULL);
            assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING(), () -> "WSASend: " + ws2.lastError());
            done = completions(ws2, port, 2, Map.of(replyOv.address(), 2L, sendOv.address(), 3L), arena);
            assertEquals(REPLY, done.get(sendOv.address()));
            int n = done.get(replyOv.address());
            assertTrue(n > 0, "the reply's first bytes");
            if (n < REPLY) {
                assertTrue(Buffers.receiveFully(ws2, client, reply.asSlice(n), arena));
            }
            Buffers.assertPattern(reply, 6);
            for (long s : new long[] {client, accepted, listener}) {
                assertEquals(0, ws2.closesocket(s));
            }
        } finally {
            ws2.kernel().closeHandle(port);
        }
    }

    @Test
    void aDotNetServerAndClientOnOnePort_throughJwspAndThroughTheBaseAlone() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            try {
                serverAndClient(ws2, AF_INET(), arena);
                serverAndClient(ws2, AF_INET6(), arena);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        });
    }
}
