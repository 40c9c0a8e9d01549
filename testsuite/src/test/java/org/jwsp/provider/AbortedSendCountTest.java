package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.jwsp.provider.OverTheHost.overlapped;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, defect 4, over the real host: the byte count of a send that WSPCloseSocket aborts
 * is what the lower provider really sent. One overlapped send far larger than the socket
 * buffers stays in flight (the peer reads nothing); the client closes its socket; jwsp learns
 * the outcome after the lower handle is closed, when the base can no longer answer
 * WSPGetOverlappedResult for it. The completion's count must equal the bytes the peer receives
 * (it drains to EOF after the close), not a stale or zero scratch value.
 */
class AbortedSendCountTest {

    private static final int WAIT = 10_000;

    @Test
    void aSendAbortedByClose_reportsTheBytesThePeerReceived() throws Exception {
        OverTheHost.run((ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                int size = 16 << 20;
                MemorySegment data = arena.allocate(size);
                MemorySegment ov = overlapped(ws2, arena);
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                int rc = ws2.send(p.client(), Buffers.wsabuf(arena, data), 1, sent, 0, ov, MemorySegment.NULL);
                assertEquals(SOCKET_ERROR(), rc, "16 MiB to a peer that reads nothing cannot complete at once");
                assertEquals(WSA_IO_PENDING(), ws2.lastError());

                assertEquals(0, ws2.closesocket(p.client()));
                assertEquals(0, ws2.waitForEvent(OVERLAPPED.hEvent(ov).address(), WAIT, false), "the aborted send completes");
                int error = ov.get(ValueLayout.JAVA_INT, OVERLAPPED.OffsetHigh$offset());
                long reported = OVERLAPPED.InternalHigh(ov) & 0xFFFF_FFFFL;

                long received = 0;
                MemorySegment sink = arena.allocate(1 << 16);
                MemorySegment b = Buffers.wsabuf(arena, sink);
                MemorySegment got = arena.allocate(ValueLayout.JAVA_INT);
                MemorySegment fl = arena.allocate(ValueLayout.JAVA_INT);
                while (ws2.recv(p.server(), b, 1, got, fl, MemorySegment.NULL, MemorySegment.NULL) == 0
                        && got.get(ValueLayout.JAVA_INT, 0) > 0) {
                    received += got.get(ValueLayout.JAVA_INT, 0);
                }
                assertTrue(received > 0 && received < size, "the send was cut short by the close: " + received);
                assertEquals(WSA_OPERATION_ABORTED(), error, "the close aborted it");
                assertEquals(received, reported, "cbTransferred is what reached the peer");
            }
        });
    }
}
