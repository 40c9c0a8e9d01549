package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.WSAPOLLFD;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * A WSAPoll event loop as curl and libuv's poll backend write it: two nonblocking sockets, each
 * asked for POLLRDNORM and, while it has data to write, POLLWRNORM; every round sends what the
 * socket takes and reads what is there, until 64 KiB went each way and arrived intact. ws2_32's
 * WSAPoll reaches the providers by SIO_BSP_HANDLE_POLL and SIO_EXT_POLL ({@link Ws2#poll}): through
 * jwsp (its own handle, its SIO_EXT_POLL translating to the lower sockets) and through the base
 * alone (IPv6 is not layered here).
 */
class WsaPollLoopTest {

    private static final int TOTAL = 64 * 1024;
    private static final int CHUNK = 3000;

    /** One side of the loop: what it still has to send, what it received. */
    private static final class Side {
        final long socket;
        final MemorySegment outgoing;
        final MemorySegment incoming;
        long sent;
        long received;

        Side(long socket, MemorySegment outgoing, Arena arena) {
            this.socket = socket;
            this.outgoing = outgoing;
            this.incoming = arena.allocate(TOTAL);
        }
    }

    private static void loop(Ws2 ws2, int af, Arena arena) {
        try (Pair p = Pair.tcp(ws2, af, 0, arena)) {
            MemorySegment on = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
            MemorySegment returned = arena.allocate(ValueLayout.JAVA_INT);
            for (long s : new long[] {p.client(), p.server()}) {
                assertEquals(0, ws2.ioctl(s, FIONBIO(), on, 4, MemorySegment.NULL, 0, returned, MemorySegment.NULL, MemorySegment.NULL));
            }
            MemorySegment fds = WSAPOLLFD.allocateArray(2, arena);
            WSAPOLLFD.fd(WSAPOLLFD.asSlice(fds, 0), p.client());
            WSAPOLLFD.fd(WSAPOLLFD.asSlice(fds, 1), p.server());
            WSAPOLLFD.events(WSAPOLLFD.asSlice(fds, 0), (short) POLLRDNORM());
            WSAPOLLFD.events(WSAPOLLFD.asSlice(fds, 1), (short) POLLRDNORM());
            assertEquals(0, ws2.poll(fds, 2, 0), () -> "nothing readable yet: " + ws2.lastError());
            assertEquals(0, WSAPOLLFD.revents(WSAPOLLFD.asSlice(fds, 1)));

            Side[] sides = {new Side(p.client(), Buffers.pattern(arena, TOTAL, 1), arena),
                    new Side(p.server(), Buffers.pattern(arena, TOTAL, 2), arena)};
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
            int rounds = 0;
            while (sides[0].received < TOTAL || sides[1].received < TOTAL) {
                assertTrue(++rounds < 100_000, "the loop makes progress");
                for (int i = 0; i < 2; i++) {
                    int events = POLLRDNORM() | (sides[i].sent < TOTAL ? POLLWRNORM() : 0);
                    WSAPOLLFD.events(WSAPOLLFD.asSlice(fds, i), (short) events);
                }
                int ready = ws2.poll(fds, 2, 5_000);
                assertTrue(ready > 0, () -> "WSAPoll: " + ready + " " + ws2.lastError());
                for (int i = 0; i < 2; i++) {
                    Side side = sides[i];
                    int revents = WSAPOLLFD.revents(WSAPOLLFD.asSlice(fds, i));
                    assertEquals(0, revents & (POLLERR() | POLLNVAL()), "no error on a healthy socket");
                    if ((revents & POLLWRNORM()) != 0) {
                        int n = (int) Math.min(CHUNK, TOTAL - side.sent);
                        int rc = ws2.send(side.socket, Buffers.wsabuf(arena, side.outgoing.asSlice(side.sent, n)), 1, count, 0,
                                MemorySegment.NULL, MemorySegment.NULL);
                        assertTrue(rc == 0 || ws2.lastError() == WSAEWOULDBLOCK(), () -> "send: " + ws2.lastError());
                        side.sent += rc == 0 ? count.get(ValueLayout.JAVA_INT, 0) : 0;
                    }
                    if ((revents & POLLRDNORM()) != 0) {
                        flags.set(ValueLayout.JAVA_INT, 0, 0);
                        int rc = ws2.recv(side.socket, Buffers.wsabuf(arena, side.incoming.asSlice(side.received)), 1, count, flags,
                                MemorySegment.NULL, MemorySegment.NULL);
                        assertTrue(rc == 0 || ws2.lastError() == WSAEWOULDBLOCK(), () -> "recv: " + ws2.lastError());
                        side.received += rc == 0 ? count.get(ValueLayout.JAVA_INT, 0) : 0;
                    }
                }
            }
            Buffers.assertPattern(sides[0].incoming, 2);
            Buffers.assertPattern(sides[1].incoming, 1);
        }
    }

    @Test
    void aWsaPollLoopMovesDataBothWays_throughJwspAndThroughTheBaseAlone() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            loop(ws2, AF_INET(), arena);
            loop(ws2, AF_INET6(), arena);
            MemorySegment fds = WSAPOLLFD.allocateArray(1, arena);
            long s = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), 0);
            WSAPOLLFD.fd(fds, s);
            WSAPOLLFD.events(fds, (short) POLLRDNORM());
            MemorySegment data = arena.allocate(8);
            assertEquals(SOCKET_ERROR(), ws2.ioctl(s, SIO_EXT_POLL(), data, 8, data, 8, arena.allocate(ValueLayout.JAVA_INT),
                    MemorySegment.NULL, MemorySegment.NULL), "a WSAPOLLDATA shorter than its header");
            assertEquals(WSAEFAULT(), ws2.lastError());
            ws2.closesocket(s);
        });
    }
}
