package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.LPWSPASYNCSELECT;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.host.ws2.SockAddr;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;

/**
 * A GUI program's WSAAsyncSelect server and client in one window, as Windows programs of the
 * Winsock 1.1 era (and still many installers and tray tools) are written: the listener and the
 * client select FD_ACCEPT/FD_CONNECT/FD_READ/FD_WRITE/FD_CLOSE, the message loop accepts, sends
 * and receives as the messages say, and every message must carry in wParam a socket the program
 * holds. Through jwsp (IPv4: the base posts to jwsp's hidden window, jwsp forwards with its own
 * handle; without that wParam would be the base's socket) and through the base alone (IPv6), over
 * the host's user32 emulation. WSPAsyncSelect is called through the provider's WSPPROC_TABLE.
 */
class AsyncSelectTest {

    private static final int LISTENER_MESSAGE = WM_USER() + 10;
    private static final int CLIENT_MESSAGE = WM_USER() + 11;
    private static final int SIZE = 3000;

    static int asyncSelect(Ws2 ws2, long s, long window, int message, int events, Arena arena) {
        MemorySegment errno = arena.allocate(ValueLayout.JAVA_INT);
        MemorySegment table = ws2.provider(s).procTable();
        int rc = LPWSPASYNCSELECT.invoke(WSPPROC_TABLE.lpWSPAsyncSelect(table), s, MemorySegment.ofAddress(window), message, events, errno);
        ws2.setLastError(rc == 0 ? 0 : errno.get(ValueLayout.JAVA_INT, 0));
        return rc;
    }

    /** The program's message loop: every message is checked; the one awaited is taken, the others kept for later. */
    private record Loop(User32 user32, long window, Set<Long> sockets, List<User32.Message> seen, List<User32.Message> unread) {

        Loop(User32 user32, long window, Set<Long> sockets) {
            this(user32, window, sockets, new ArrayList<>(), new ArrayList<>());
        }

        User32.Message await(int message, long socket, int event) throws Throwable {
            for (User32.Message m : unread) {
                if (m.message() == message && m.wParam() == socket && m.event() == event) {
                    unread.remove(m);
                    return m;
                }
            }
            for (;;) {
                User32.Message m = user32.next();
                assertNotNull(m, () -> "no message " + event + " for socket " + socket + " within 10 s; seen " + seen);
                seen.add(m);
                assertEquals(window, m.window(), "posted to the program's window");
                assertTrue(m.message() == LISTENER_MESSAGE || m.message() == CLIENT_MESSAGE, () -> "the program's message numbers: " + m);
                assertTrue(sockets.contains(m.wParam()), () -> "wParam is a socket the program holds " + sockets + ": " + m);
                if (m.message() == message && m.wParam() == socket && m.event() == event) {
                    return m;
                }
                unread.add(m);
            }
        }
    }

    private static void program(Ws2 ws2, int af, User32 user32, Arena arena) throws Throwable {
        long window = user32.createWindow();
        try {
            program(ws2, af, user32, window, arena);
        } finally {
            assertTrue(user32.destroyWindow(window));
        }
    }

    private static void program(Ws2 ws2, int af, User32 user32, long window, Arena arena) throws Throwable {
        long listener = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), 0);
        assertEquals(0, ws2.bind(listener, SockAddr.loopback(af, 0, arena), SockAddr.size(af)));
        assertEquals(0, ws2.listen(listener, 4));
        MemorySegment bound = SockAddr.loopback(af, 0, arena);
        assertEquals(0, ws2.getsockname(listener, bound, arena.allocateFrom(ValueLayout.JAVA_INT, SockAddr.size(af))));
        int all = FD_READ() | FD_WRITE() | FD_CLOSE();
        assertEquals(0, asyncSelect(ws2, listener, window, LISTENER_MESSAGE, FD_ACCEPT() | all, arena), () -> "listener: " + ws2.lastError());
        long client = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), 0);
        assertEquals(0, asyncSelect(ws2, client, window, CLIENT_MESSAGE, FD_CONNECT() | all, arena), () -> "client: " + ws2.lastError());
        int rc = ws2.connect(client, bound, SockAddr.size(af));
        assertTrue(rc == 0 || ws2.lastError() == WSAEWOULDBLOCK(), () -> "a selected socket connects without blocking: " + ws2.lastError());

        Set<Long> sockets = new java.util.HashSet<>(Set.of(listener, client));
        Loop loop = new Loop(user32, window, sockets);
        loop.await(LISTENER_MESSAGE, listener, FD_ACCEPT());
        long server = ws2.accept(listener, MemorySegment.NULL, MemorySegment.NULL);
        assertNotEquals(INVALID_SOCKET(), server, () -> "accept on FD_ACCEPT: " + ws2.lastError());
        sockets.add(server);
        assertEquals(0, loop.await(CLIENT_MESSAGE, client, FD_CONNECT()).error(), "FD_CONNECT without an error");
        loop.await(CLIENT_MESSAGE, client, FD_WRITE());
        loop.await(LISTENER_MESSAGE, server, FD_WRITE()); // the accepted socket has the listener's selection

        transfer(ws2, loop, client, server, LISTENER_MESSAGE, 7, arena);
        transfer(ws2, loop, server, client, CLIENT_MESSAGE, 8, arena);

        assertEquals(0, ws2.shutdown(client, SD_SEND()));
        assertEquals(0, loop.await(LISTENER_MESSAGE, server, FD_CLOSE()).error(), "a graceful close");
        for (long s : new long[] {server, client, listener}) {
            assertEquals(0, ws2.closesocket(s));
        }
    }

    /** {@code SIZE} bytes from {@code from}, received by {@code to} as its FD_READs say, checked. */
    private static void transfer(Ws2 ws2, Loop loop, long from, long to, int toMessage, int seed, Arena arena) throws Throwable {
        MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
        assertEquals(0, ws2.send(from, Buffers.wsabuf(arena, Buffers.pattern(arena, SIZE, seed)), 1, count, 0,
                MemorySegment.NULL, MemorySegment.NULL), () -> "send: " + ws2.lastError());
        assertEquals(SIZE, count.get(ValueLayout.JAVA_INT, 0));
        MemorySegment in = arena.allocate(SIZE);
        MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
        long received = 0;
        while (received < SIZE) {
            loop.await(toMessage, to, FD_READ());
            flags.set(ValueLayout.JAVA_INT, 0, 0);
            int rc = ws2.recv(to, Buffers.wsabuf(arena, in.asSlice(received)), 1, count, flags, MemorySegment.NULL, MemorySegment.NULL);
            assertTrue(rc == 0 || ws2.lastError() == WSAEWOULDBLOCK(), () -> "recv on FD_READ: " + ws2.lastError());
            received += rc == 0 ? count.get(ValueLayout.JAVA_INT, 0) : 0;
        }
        Buffers.assertPattern(in, seed);
    }

    @Test
    void aWindowedServerAndClientSeeTheirOwnSocketsInEveryMessage_throughJwspAndThroughTheBaseAlone() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            User32 user32 = new User32(ws2.kernel(), arena);
            try {
                program(ws2, AF_INET(), user32, arena);
                program(ws2, AF_INET6(), user32, arena);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        });
    }

    @Test
    void badWindowsClosedSocketsAndUnknownIoctls_getTheirWindowsAnswers() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            User32 user32 = new User32(ws2.kernel(), arena);
            for (int af : new int[] {AF_INET(), AF_INET6()}) {
                try {
                    long s = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), 0);
                    assertEquals(SOCKET_ERROR(), asyncSelect(ws2, s, 0xDEAD0, CLIENT_MESSAGE, FD_READ(), arena), "no such window");
                    assertEquals(WSAEINVAL(), ws2.lastError());
                    long window = user32.createWindow();
                    assertEquals(0, asyncSelect(ws2, s, window, CLIENT_MESSAGE, FD_READ(), arena));
                    assertEquals(0, asyncSelect(ws2, s, 0xDEAD0, 0, 0, arena), "no events cancels, whatever the window");
                    // an unknown control code goes to the lower provider and comes back with its answer
                    MemorySegment returned = arena.allocate(ValueLayout.JAVA_INT);
                    assertEquals(SOCKET_ERROR(), ws2.ioctl(s, 0x12345678, MemorySegment.NULL, 0, MemorySegment.NULL, 0, returned,
                            MemorySegment.NULL, MemorySegment.NULL));
                    assertEquals(WSAEINVAL(), ws2.lastError(), "the base provider's answer to an unknown code");
                    assertEquals(0, ws2.closesocket(s));
                    MemorySegment errno = arena.allocate(ValueLayout.JAVA_INT);
                    assertEquals(SOCKET_ERROR(), LPWSPASYNCSELECT.invoke(WSPPROC_TABLE.lpWSPAsyncSelect(tableOf(ws2, af)), s,
                            MemorySegment.ofAddress(window), CLIENT_MESSAGE, FD_READ(), errno), "a closed socket");
                    assertEquals(WSAENOTSOCK(), errno.get(ValueLayout.JAVA_INT, 0));
                    assertFalse(user32.anyWaiting(window), "no message was posted for any of that");
                    assertTrue(user32.destroyWindow(window));
                } catch (Throwable t) {
                    throw new AssertionError(t);
                }
            }
        });
    }

    /** The proc table of the provider that serves TCP sockets of {@code af} (a live socket is needed to find it). */
    private static MemorySegment tableOf(Ws2 ws2, int af) {
        long s = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), 0);
        MemorySegment t = ws2.provider(s).procTable();
        ws2.closesocket(s);
        return t;
    }
}
