package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;
import org.jwsp.kernel.KernelPort;

/**
 * One send in flight per socket: sends issued behind a send that cannot finish (the peer does not
 * read) wait in the socket's queue, in order, and SIO_FLUSH ends exactly those with
 * WSA_OPERATION_ABORTED; the one in flight completes whole once the peer reads.
 */
class SendQueueTest {

    /** Larger than loopback TCP can buffer while the peer does not read (tcp_wmem max 4 MiB + the receive window). */
    static final int BIG = 16 << 20;

    @Test
    void queuedSendsWaitForTheOneInFlightAndSioFlushAbortsThem() {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared();
             Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            MemorySegment ovs = OVERLAPPED.allocateArray(3, arena);
            long[] events = new long[3];
            int[] sizes = {BIG, 1000, 2000};
            for (int i = 0; i < 3; i++) {
                events[i] = ws2.createEvent();
                OVERLAPPED.hEvent(OVERLAPPED.asSlice(ovs, i), MemorySegment.ofAddress(events[i]));
                assertEquals(SOCKET_ERROR(), ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, sizes[i], i)), 1,
                        MemorySegment.NULL, 0, OVERLAPPED.asSlice(ovs, i), MemorySegment.NULL));
                assertEquals(WSA_IO_PENDING(), ws2.lastError());
            }
            for (int i = 0; i < 3; i++) {
                assertEquals(KernelPort.WAIT_TIMEOUT, ws2.waitForEvent(events[i], 20, false), "send " + i + " still pending");
            }
            MemorySegment returned = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, ws2.ioctl(p.client(), SIO_FLUSH(), MemorySegment.NULL, 0, MemorySegment.NULL, 0, returned,
                    MemorySegment.NULL, MemorySegment.NULL));
            MemorySegment bytes = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
            for (int i = 1; i < 3; i++) {
                assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(events[i], 10_000, false));
                assertEquals(false, ws2.getOverlappedResult(p.client(), OVERLAPPED.asSlice(ovs, i), bytes, false, flags));
                assertEquals(WSA_OPERATION_ABORTED(), ws2.lastError());
            }
            assertEquals(false, ws2.getOverlappedResult(p.client(), OVERLAPPED.asSlice(ovs, 0), bytes, false, flags));
            assertEquals(WSA_IO_INCOMPLETE(), ws2.lastError(), "the send in flight is not flushed");
            MemorySegment got = arena.allocate(BIG, 8);
            assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
            Buffers.assertPattern(got, 0);
            assertTrue(ws2.getOverlappedResult(p.client(), OVERLAPPED.asSlice(ovs, 0), bytes, true, flags));
            assertEquals(BIG, bytes.get(ValueLayout.JAVA_INT, 0));
            // nothing of the flushed sends ever reached the wire
            MemorySegment on = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
            assertEquals(0, ws2.ioctl(p.server(), FIONBIO(), on, 4, MemorySegment.NULL, 0, returned, MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(SOCKET_ERROR(), ws2.recv(p.server(), Buffers.wsabuf(arena, arena.allocate(16)), 1, bytes,
                    arena.allocateFrom(ValueLayout.JAVA_INT, 0), MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(WSAEWOULDBLOCK(), ws2.lastError());
            for (long e : events) {
                ws2.closeEvent(e);
            }
        }
    }
}
