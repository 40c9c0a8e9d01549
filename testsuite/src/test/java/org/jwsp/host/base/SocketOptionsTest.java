package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jwsp.bindings.WindowsSdkConstants;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * The socket options Windows programs use, through the real base provider with Windows values
 * and layouts ({@link SocketOptions}), their effects where one can be seen on loopback (an abortive
 * close by SO_LINGER {1, 0}; a receive ended by SO_RCVTIMEO), and bad input: a Windows code, the
 * socket still working.
 */
class SocketOptionsTest {

    private Ws2 ws2;
    private Arena arena;
    private MemorySegment v;
    private MemorySegment len;

    @BeforeEach
    void start() {
        ws2 = Ws2.startup(Catalog.system());
        arena = Arena.ofShared();
        v = arena.allocate(16, 8);
        len = arena.allocate(ValueLayout.JAVA_INT);
    }

    @AfterEach
    void stop() {
        ws2.close();
        arena.close();
    }

    private int get(long s, int level, int name) {
        v.fill((byte) 0x55);
        len.set(ValueLayout.JAVA_INT, 0, 16);
        assertEquals(0, ws2.getsockopt(s, level, name, v, len), () -> "getsockopt " + level + "/" + name + ": " + ws2.lastError());
        assertEquals(4, len.get(ValueLayout.JAVA_INT, 0), "*optlen is the size written");
        return v.get(ValueLayout.JAVA_INT, 0);
    }

    private void set(long s, int level, int name, int value) {
        v.set(ValueLayout.JAVA_INT, 0, value);
        assertEquals(0, ws2.setsockopt(s, level, name, v, 4), () -> "setsockopt " + level + "/" + name + ": " + ws2.lastError());
    }

    private void refusedSet(long s, int level, int name, int length, int code) {
        v.set(ValueLayout.JAVA_INT, 0, 1);
        assertEquals(SOCKET_ERROR(), ws2.setsockopt(s, level, name, v, length));
        assertEquals(code, ws2.lastError(), "setsockopt " + level + "/" + name);
    }

    private void refusedGet(long s, int level, int name, int room, int code) {
        len.set(ValueLayout.JAVA_INT, 0, room);
        assertEquals(SOCKET_ERROR(), ws2.getsockopt(s, level, name, v, len));
        assertEquals(code, ws2.lastError(), "getsockopt " + level + "/" + name);
    }

    @Test
    void booleanAndIntegerOptionsRoundTripWithWindowsValues() {
        try (Pair p = Pair.tcp(ws2, AF_INET(), 0, arena)) {
            long c = p.client();
            for (int name : new int[] {SO_KEEPALIVE(), SO_OOBINLINE(), SO_REUSEADDR()}) {
                assertEquals(0, get(c, SOL_SOCKET(), name), "off by default: " + name);
                set(c, SOL_SOCKET(), name, 42);
                assertEquals(1, get(c, SOL_SOCKET(), name), "any nonzero BOOL is TRUE: " + name);
                set(c, SOL_SOCKET(), name, 0);
            }
            set(c, IPPROTO_TCP(), WindowsSdkConstants.TCP_KEEPALIVE, 30);
            assertEquals(30, get(c, IPPROTO_TCP(), WindowsSdkConstants.TCP_KEEPIDLE), "TCP_KEEPALIVE is TCP_KEEPIDLE, seconds");
            set(c, IPPROTO_TCP(), WindowsSdkConstants.TCP_KEEPINTVL, 7);
            assertEquals(7, get(c, IPPROTO_TCP(), WindowsSdkConstants.TCP_KEEPINTVL));
            set(c, IPPROTO_TCP(), WindowsSdkConstants.TCP_KEEPCNT, 4);
            assertEquals(4, get(c, IPPROTO_TCP(), WindowsSdkConstants.TCP_KEEPCNT));
            set(c, IPPROTO_IP(), IP_TTL(), 33);
            assertEquals(33, get(c, IPPROTO_IP(), IP_TTL()));
            set(c, SOL_SOCKET(), SO_SNDTIMEO(), 1500);
            assertEquals(1500, get(c, SOL_SOCKET(), SO_SNDTIMEO()), "DWORD milliseconds");
            assertEquals(0, get(c, SOL_SOCKET(), SO_RCVTIMEO()), "no timeout by default");
            assertEquals(SOCK_STREAM(), get(c, SOL_SOCKET(), SO_TYPE()));
            assertEquals(0, get(c, SOL_SOCKET(), SO_ERROR()));
            assertEquals(0, get(c, SOL_SOCKET(), SO_ACCEPTCONN()));
            assertEquals(1, get(p.listener(), SOL_SOCKET(), SO_ACCEPTCONN()));
            assertEquals(0, ws2.setsockopt(c, SOL_SOCKET(), SO_UPDATE_CONNECT_CONTEXT(), MemorySegment.NULL, 0));
            MemorySegment listener = arena.allocateFrom(ValueLayout.JAVA_LONG, p.listener());
            assertEquals(0, ws2.setsockopt(p.server(), SOL_SOCKET(), SO_UPDATE_ACCEPT_CONTEXT(), listener, 8));
            assertEquals(SOCKET_ERROR(), ws2.setsockopt(p.server(), SOL_SOCKET(), SO_UPDATE_ACCEPT_CONTEXT(), listener, 4));
            assertEquals(WSAEFAULT(), ws2.lastError());
            assertWorks(p);
        }
        long fresh = ws2.socket(AF_INET(), SOCK_STREAM(), 0, 0);
        assertEquals(SOCKET_ERROR(), ws2.setsockopt(fresh, SOL_SOCKET(), SO_UPDATE_CONNECT_CONTEXT(), MemorySegment.NULL, 0));
        assertEquals(WSAENOTCONN(), ws2.lastError());
        assertEquals(0, ws2.closesocket(fresh));
    }

    @Test
    void datagramAndFamilyOptionsApplyWhereWindowsHasThem() {
        long udp = ws2.socket(AF_INET(), SOCK_DGRAM(), 0, 0);
        long tcp6 = ws2.socket(AF_INET6(), SOCK_STREAM(), 0, 0);
        assertEquals(0, get(udp, SOL_SOCKET(), SO_BROADCAST()));
        set(udp, SOL_SOCKET(), SO_BROADCAST(), 1);
        assertEquals(1, get(udp, SOL_SOCKET(), SO_BROADCAST()));
        refusedSet(tcp6, SOL_SOCKET(), SO_BROADCAST(), 4, WSAENOPROTOOPT());
        refusedSet(udp, SOL_SOCKET(), SO_KEEPALIVE(), 4, WSAENOPROTOOPT());
        refusedSet(udp, SOL_SOCKET(), SO_LINGER(), 4, WSAENOPROTOOPT());
        refusedSet(udp, IPPROTO_TCP(), TCP_NODELAY(), 4, WSAENOPROTOOPT());
        assertEquals(1, get(tcp6, IPPROTO_IPV6(), IPV6_V6ONLY()), "Windows' default");
        set(tcp6, IPPROTO_IPV6(), IPV6_V6ONLY(), 0);
        assertEquals(0, get(tcp6, IPPROTO_IPV6(), IPV6_V6ONLY()));
        refusedSet(udp, IPPROTO_IPV6(), IPV6_V6ONLY(), 4, WSAENOPROTOOPT());
        refusedSet(tcp6, IPPROTO_IP(), IP_TTL(), 4, WSAENOPROTOOPT());
        assertEquals(0, ws2.closesocket(udp));
        assertEquals(0, ws2.closesocket(tcp6));
    }

    @Test
    void exclusiveAddressUseAndReuseAddressExcludeEachOther() {
        long a = ws2.socket(AF_INET(), SOCK_STREAM(), 0, 0);
        set(a, SOL_SOCKET(), SO_EXCLUSIVEADDRUSE(), 1);
        assertEquals(1, get(a, SOL_SOCKET(), SO_EXCLUSIVEADDRUSE()));
        refusedSet(a, SOL_SOCKET(), SO_REUSEADDR(), 4, WSAEINVAL());
        long b = ws2.socket(AF_INET(), SOCK_STREAM(), 0, 0);
        set(b, SOL_SOCKET(), SO_REUSEADDR(), 1);
        refusedSet(b, SOL_SOCKET(), SO_EXCLUSIVEADDRUSE(), 4, WSAEINVAL());
        assertEquals(0, ws2.closesocket(a));
        assertEquals(0, ws2.closesocket(b));
    }

    /** SO_LINGER {1, 0} makes close abortive: the peer's receive fails with WSAECONNRESET. */
    @Test
    void lingerOnWithZeroTimeoutResetsTheConnectionOnClose() {
        try (Pair p = Pair.tcp(ws2, AF_INET(), 0, arena)) {
            len.set(ValueLayout.JAVA_INT, 0, 4);
            assertEquals(0, ws2.getsockopt(p.client(), SOL_SOCKET(), SO_LINGER(), v, len));
            assertEquals(4, len.get(ValueLayout.JAVA_INT, 0), "struct linger is two u_shorts");
            assertEquals(0, v.get(ValueLayout.JAVA_INT, 0), "off, 0 s");
            assertEquals(1, get(p.client(), SOL_SOCKET(), SO_DONTLINGER()));
            v.set(ValueLayout.JAVA_SHORT, 0, (short) 1);
            v.set(ValueLayout.JAVA_SHORT, 2, (short) 9);
            assertEquals(0, ws2.setsockopt(p.client(), SOL_SOCKET(), SO_LINGER(), v, 4));
            len.set(ValueLayout.JAVA_INT, 0, 4);
            v.fill((byte) 0);
            assertEquals(0, ws2.getsockopt(p.client(), SOL_SOCKET(), SO_LINGER(), v, len));
            assertEquals(1, v.get(ValueLayout.JAVA_SHORT, 0));
            assertEquals(9, v.get(ValueLayout.JAVA_SHORT, 2));
            assertEquals(0, get(p.client(), SOL_SOCKET(), SO_DONTLINGER()));
            set(p.client(), SOL_SOCKET(), SO_DONTLINGER(), 1);
            len.set(ValueLayout.JAVA_INT, 0, 4);
            assertEquals(0, ws2.getsockopt(p.client(), SOL_SOCKET(), SO_LINGER(), v, len));
            assertEquals(0, v.get(ValueLayout.JAVA_SHORT, 0), "SO_DONTLINGER TRUE turns lingering off");
            v.set(ValueLayout.JAVA_SHORT, 0, (short) 1);
            v.set(ValueLayout.JAVA_SHORT, 2, (short) 0);
            assertEquals(0, ws2.setsockopt(p.client(), SOL_SOCKET(), SO_LINGER(), v, 4));
            assertEquals(0, ws2.closesocket(p.client()));
            MemorySegment got = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(SOCKET_ERROR(), ws2.recv(p.server(), Buffers.wsabuf(arena, arena.allocate(8)), 1, got,
                    arena.allocateFrom(ValueLayout.JAVA_INT, 0), MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(WSAECONNRESET(), ws2.lastError(), "an abortive close resets the peer");
        }
    }

    @Test
    void aBlockingReceiveEndedByItsTimeoutSaysWsaetimedout() {
        try (Pair p = Pair.tcp(ws2, AF_INET(), 0, arena)) {
            set(p.server(), SOL_SOCKET(), SO_RCVTIMEO(), 50);
            assertEquals(50, get(p.server(), SOL_SOCKET(), SO_RCVTIMEO()));
            MemorySegment got = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(SOCKET_ERROR(), ws2.recv(p.server(), Buffers.wsabuf(arena, arena.allocate(8)), 1, got,
                    arena.allocateFrom(ValueLayout.JAVA_INT, 0), MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(WSAETIMEDOUT(), ws2.lastError());
            assertWorks(p);
        }
    }

    @Test
    void badOptionsGetWindowsCodesAndTheSocketStillWorks() {
        try (Pair p = Pair.tcp(ws2, AF_INET(), 0, arena)) {
            long c = p.client();
            refusedSet(c, SOL_SOCKET(), 0x7777, 4, WSAENOPROTOOPT());
            refusedGet(c, SOL_SOCKET(), 0x7777, 4, WSAENOPROTOOPT());
            refusedSet(c, 0x1234, SO_SNDBUF(), 4, WSAEINVAL());
            refusedGet(c, 0x1234, SO_SNDBUF(), 4, WSAEINVAL());
            refusedSet(c, SOL_SOCKET(), SO_KEEPALIVE(), 2, WSAEFAULT());
            refusedSet(c, SOL_SOCKET(), SO_LINGER(), 2, WSAEFAULT());
            refusedSet(c, SOL_SOCKET(), SO_RCVTIMEO(), 3, WSAEFAULT());
            refusedGet(c, SOL_SOCKET(), SO_KEEPALIVE(), 3, WSAEFAULT());
            refusedGet(c, SOL_SOCKET(), SO_LINGER(), 2, WSAEFAULT());
            refusedSet(c, SOL_SOCKET(), SO_ERROR(), 4, WSAENOPROTOOPT());
            refusedSet(c, SOL_SOCKET(), SO_ACCEPTCONN(), 4, WSAENOPROTOOPT());
            refusedGet(c, SOL_SOCKET(), SO_UPDATE_ACCEPT_CONTEXT(), 8, WSAENOPROTOOPT());
            assertEquals(SOCKET_ERROR(), ws2.setsockopt(c, SOL_SOCKET(), SO_KEEPALIVE(), MemorySegment.NULL, 4));
            assertEquals(WSAEFAULT(), ws2.lastError());
            assertWorks(p);
        }
    }

    private void assertWorks(Pair p) {
        MemorySegment n = arena.allocate(ValueLayout.JAVA_INT);
        assertEquals(0, ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 100, 3)), 1, n, 0,
                MemorySegment.NULL, MemorySegment.NULL));
        MemorySegment got = arena.allocate(100);
        assertEquals(true, Buffers.receiveFully(ws2, p.server(), got, arena));
        Buffers.assertPattern(got, 3);
    }
}
