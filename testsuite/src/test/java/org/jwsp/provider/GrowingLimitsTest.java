package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * Issue 10, "limits that grow": sockets and outstanding operations grow past their first chunk
 * on demand, and at a configured bound answer the seed's code (WSAEMFILE for WSPSocket,
 * WSAEWOULDBLOCK for an overlapped send), over the real host through ws2's calls. Requests of a
 * later chunk must still be found from their completion address: every send's event is checked.
 */
class GrowingLimitsTest {

    private static final int WAIT = 10_000;

    @Test
    void sockets_growPastTheFirstChunk_thenWsaeMfileAtTheBound_andASlotFreedIsUsable() throws Exception {
        int bound = SocketTable.FIRST_CHUNK * 2 + 5; // three chunks: 64, 64, 5
        OverTheHost.run(s -> s.withSocketSlots(bound), (ws2, installed, arena) -> {
            List<Long> open = new ArrayList<>();
            try {
                for (int i = 0; i < bound; i++) {
                    long s = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
                    assertNotEquals(INVALID_SOCKET(), s, "socket " + i + ": " + ws2.lastError());
                    open.add(s);
                }
                assertEquals(bound, LayeredProvider.openSockets());
                assertEquals(INVALID_SOCKET(), ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED()));
                assertEquals(WSAEMFILE(), ws2.lastError());
                assertEquals(0, ws2.closesocket(open.remove(open.size() / 2)));
                long again = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
                assertNotEquals(INVALID_SOCKET(), again);
                open.add(again);
            } finally {
                for (long s : open) {
                    ws2.closesocket(s);
                }
            }
            assertEquals(0, LayeredProvider.openSockets());
        });
    }

    @Test
    void outstandingSends_growPastTheFirstChunk_thenWsaeWouldBlockAtTheBound_andEveryOneCompletes() throws Exception {
        int bound = RequestSlab.FIRST_CHUNK + 44;
        int each = 256 << 10;
        OverTheHost.run(s -> s.withRequestPoolSize(bound), (ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                MemorySegment data = Buffers.pattern(arena, each, 4);
                MemorySegment bufs = Buffers.wsabuf(arena, data);
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                List<MemorySegment> ovs = new ArrayList<>();
                int refusedAt = -1;
                for (int i = 0; i < bound + 64 && refusedAt < 0; i++) { // the peer reads nothing yet
                    MemorySegment ov = OverTheHost.overlapped(ws2, arena);
                    int rc = ws2.send(p.client(), bufs, 1, sent, 0, ov, MemorySegment.NULL);
                    if (rc == 0 || ws2.lastError() == WSA_IO_PENDING()) {
                        ovs.add(ov);
                    } else {
                        assertEquals(WSAEWOULDBLOCK(), ws2.lastError(), "send " + i);
                        refusedAt = i;
                    }
                }
                assertTrue(refusedAt >= bound, "refused at " + refusedAt + ", bound " + bound);
                MemorySegment got = arena.allocate(each);
                for (int i = 0; i < ovs.size(); i++) {
                    assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
                    Buffers.assertPattern(got, 4);
                }
                for (MemorySegment ov : ovs) {
                    assertEquals(0, ws2.waitForEvent(OVERLAPPED.hEvent(ov).address(), WAIT, false));
                    assertEquals(each, (int) OVERLAPPED.InternalHigh(ov));
                }
                MemorySegment ov = OverTheHost.overlapped(ws2, arena);
                int rc = ws2.send(p.client(), bufs, 1, sent, 0, ov, MemorySegment.NULL);
                assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING(), "a send after the drain");
                assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
                assertEquals(0, ws2.waitForEvent(OVERLAPPED.hEvent(ov).address(), WAIT, false));
            }
            assertEquals(0, LayeredProvider.outstandingRequests());
        });
    }
}
