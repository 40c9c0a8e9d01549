package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.LPWSPSEND;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * jwsp resolves its client handles itself ({@link HandleIndex}) instead of asking ws2_32's
 * {@code WPUQuerySocketHandleContext} on every entry: the answer must be the query's for every
 * handle, through jwsp's own {@code lpWSPSend} over the real host — a live handle resolves to
 * its socket, a closed one (its slot reused by the next socket) and any handle jwsp did not
 * make answer WSAENOTSOCK and send nothing — and the index must hold up under growth, removal
 * and reuse of handle values.
 */
class HandleIndexTest {

    @Test
    void everyLiveHandleResolves_removedOnesDoNot_throughGrowthTombstonesAndReuse() {
        HandleIndex index = new HandleIndex();
        Map<Long, Long> model = new HashMap<>();
        SplittableRandom random = new SplittableRandom(20261203);
        long nextValue = 1;
        for (int step = 0; step < 200_000; step++) {
            // handles as Windows makes them (multiples of 4) from a small space, so values are reused
            long handle = 4L * (1 + random.nextInt(5_000));
            synchronized (index) {
                if (model.containsKey(handle)) {
                    index.remove(handle);
                    model.remove(handle);
                } else {
                    long value = nextValue++;
                    index.put(handle, value);
                    model.put(handle, value);
                }
            }
            if (step % 997 == 0) {
                for (long h = 4; h <= 4L * 5_001; h += 4) {
                    assertEquals(model.getOrDefault(h, 0L), index.valueOf(h), "handle " + h + " at step " + step);
                }
                assertEquals(model.size(), index.size());
            }
        }
        assertEquals(0, index.valueOf(0));
        assertEquals(0, index.valueOf(-1));
    }

    @Test
    void throughJwspsWspSend_aClosedHandleAndForeignHandlesAnswerNotASocket_theReusedSlotResolvesToItsNewHandle() throws Exception {
        OverTheHost.run((ws2, installed, arena) -> {
            Pair first = Pair.tcp(ws2, AF_INET(), 0, arena);
            long closed = first.client();
            MemorySegment table = ws2.provider(closed).procTable();
            MemorySegment send = WSPPROC_TABLE.lpWSPSend(table);
            MemorySegment data = arena.allocateFrom("handle");
            MemorySegment bufs = Buffers.wsabuf(arena, data.asSlice(0, 6));
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment errno = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, LPWSPSEND.invoke(send, closed, bufs, 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL,
                    MemorySegment.NULL, errno), "a live handle resolves");
            assertEquals(6, sent.get(ValueLayout.JAVA_INT, 0));
            first.close(); // jwsp's WSPCloseSocket: the handle stops resolving before ws2_32 may reuse it

            try (Pair second = Pair.tcp(ws2, AF_INET(), 0, arena)) {
                assertNotEquals(closed, second.client());
                errno.set(ValueLayout.JAVA_INT, 0, 0);
                assertEquals(SOCKET_ERROR(), LPWSPSEND.invoke(send, closed, bufs, 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL,
                        MemorySegment.NULL, errno), "the closed handle does not reach the socket that took its slot");
                assertEquals(WSAENOTSOCK(), errno.get(ValueLayout.JAVA_INT, 0));
                // handles jwsp never made: 0, INVALID_SOCKET, an event's handle, an unaligned and a huge value
                long event = ws2.createEvent();
                for (long foreign : new long[] {0, -1, event, second.server() + 1, 0x7FFF_FFFF_FFFF_FFFCL}) {
                    errno.set(ValueLayout.JAVA_INT, 0, 0);
                    assertEquals(SOCKET_ERROR(), LPWSPSEND.invoke(send, foreign, bufs, 1, sent, 0, MemorySegment.NULL,
                            MemorySegment.NULL, MemorySegment.NULL, errno), "handle " + foreign);
                    assertEquals(WSAENOTSOCK(), errno.get(ValueLayout.JAVA_INT, 0), "handle " + foreign);
                }
                assertTrue(ws2.closeEvent(event));
                assertEquals(0, LPWSPSEND.invoke(send, second.client(), bufs, 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL,
                        MemorySegment.NULL, errno), "the new socket's own handle resolves");
                assertEquals(0, ws2.shutdown(second.client(), SD_SEND()));
                MemorySegment got = arena.allocate(64);
                MemorySegment gotBufs = Buffers.wsabuf(arena, got);
                MemorySegment n = arena.allocate(ValueLayout.JAVA_INT);
                MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
                int total = 0;
                do {
                    assertEquals(0, ws2.recv(second.server(), gotBufs, 1, n, flags, MemorySegment.NULL, MemorySegment.NULL));
                    total += n.get(ValueLayout.JAVA_INT, 0);
                } while (n.get(ValueLayout.JAVA_INT, 0) > 0);
                assertEquals(6, total, "the new socket's peer got its one send and nothing of the closed socket's");
            }
        });
    }
}
