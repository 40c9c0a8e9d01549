package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.RepeatedTest;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;
import org.jwsp.kernel.KernelPort;

/**
 * Close aborts what it cuts: an overlapped stream send that close cuts short (the peer reads
 * nothing, so part of it is still unsent) completes with {@code WSA_OPERATION_ABORTED} and the
 * count that actually went out — exactly what the peer then receives — never as a success.
 */
public class CloseAbortsTest {

    static final int BIG = SendQueueTest.BIG;

    @RepeatedTest(3)
    void aSendCutShortByCloseEndsAbortedWithTheCountTheWireCarried() {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared();
             Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            assertCutSendAborts(ws2, p, arena);
        }
    }

    /**
     * The send the ring itself had moved in part (a queued send, submitted when the one before it
     * completed, onto empty buffers) reports that part with {@code WSA_OPERATION_ABORTED}: before,
     * it completed as a success with the partial count.
     */
    @RepeatedTest(3)
    void aSendTheRingMovedInPartEndsAbortedWithThatPart() {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared();
             Pair p = Pair.tcp(ws2, AF_INET6(), WSA_FLAG_OVERLAPPED(), arena)) {
            assertRingCutSendAborts(ws2, p, arena);
        }
    }

    /** Two BIG sends; the peer reads the first; close cuts the second, which the ring had begun. */
    public static void assertRingCutSendAborts(Ws2 ws2, Pair p, Arena arena) {
        {
            MemorySegment ovs = OVERLAPPED.allocateArray(2, arena);
            long[] events = {ws2.createEvent(), ws2.createEvent()};
            for (int i = 0; i < 2; i++) {
                OVERLAPPED.hEvent(OVERLAPPED.asSlice(ovs, i), MemorySegment.ofAddress(events[i]));
                assertEquals(SOCKET_ERROR(), ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, BIG, i)), 1,
                        arena.allocate(ValueLayout.JAVA_INT), 0, OVERLAPPED.asSlice(ovs, i), MemorySegment.NULL));
                assertEquals(WSA_IO_PENDING(), ws2.lastError());
            }
            MemorySegment first = arena.allocate(BIG, 8);
            assertTrue(Buffers.receiveFully(ws2, p.server(), first, arena));
            assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(events[0], 10_000, false));
            assertEquals(0, (int) OVERLAPPED.Internal(OVERLAPPED.asSlice(ovs, 0)));
            // the second was submitted by the reap that completed the first, onto drained buffers: part of it is out
            assertEquals(0, ws2.closesocket(p.client()));
            MemorySegment ov = OVERLAPPED.asSlice(ovs, 1);
            assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(events[1], 10_000, false));
            assertEquals(WSA_OPERATION_ABORTED(), (int) OVERLAPPED.Internal(ov), () -> "after " + OVERLAPPED.InternalHigh(ov) + " bytes");
            long reported = OVERLAPPED.InternalHigh(ov);
            assertTrue(reported > 0 && reported < BIG, "part went out: " + reported);
            assertEquals(reported, drain(ws2, p.server(), arena.allocate(BIG, 8), arena));
            ws2.closeEvent(events[0]);
            ws2.closeEvent(events[1]);
        }
    }

    /** Sends BIG to a peer that does not read, closes the sender, and checks the status against what the peer gets. */
    public static void assertCutSendAborts(Ws2 ws2, Pair p, Arena arena) {
        MemorySegment ov = OVERLAPPED.allocate(arena);
        long event = ws2.createEvent();
        OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(event));
        assertEquals(SOCKET_ERROR(), ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, BIG, 5)), 1,
                arena.allocate(ValueLayout.JAVA_INT), 0, ov, MemorySegment.NULL));
        assertEquals(WSA_IO_PENDING(), ws2.lastError());
        assertEquals(0, ws2.closesocket(p.client()));
        assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(event, 10_000, false), "close ends the send");
        assertEquals(WSA_OPERATION_ABORTED(), (int) OVERLAPPED.Internal(ov), "cut short by close: aborted, not a success");
        long reported = OVERLAPPED.InternalHigh(ov);
        assertTrue(reported > 0 && reported < BIG, "part went out: " + reported);
        MemorySegment got = arena.allocate(BIG, 8);
        long total = drain(ws2, p.server(), got, arena);
        assertEquals(reported, total, "the count is what the wire carried");
        Buffers.assertPattern(got.asSlice(0, total), 5);
        ws2.closeEvent(event);
    }

    /** An overlapped receive pending when its socket is closed ends aborted, with nothing received (and its event set). */
    @RepeatedTest(3)
    void aReceiveCutByCloseEndsAborted() {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared();
             Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            assertCutReceiveAborts(ws2, p, arena);
        }
    }

    /** A receive pending on the server (the client sends nothing) when the server closes: aborted, 0 bytes. */
    public static void assertCutReceiveAborts(Ws2 ws2, Pair p, Arena arena) {
        MemorySegment ov = OVERLAPPED.allocate(arena);
        long event = ws2.createEvent();
        OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(event));
        assertEquals(SOCKET_ERROR(), ws2.recv(p.server(), Buffers.wsabuf(arena, arena.allocate(64)), 1,
                arena.allocate(ValueLayout.JAVA_INT), arena.allocateFrom(ValueLayout.JAVA_INT, 0), ov, MemorySegment.NULL));
        assertEquals(WSA_IO_PENDING(), ws2.lastError());
        assertEquals(0, ws2.closesocket(p.server()));
        assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(event, 10_000, false), "close ends the receive");
        assertEquals(WSA_OPERATION_ABORTED(), (int) OVERLAPPED.Internal(ov), "cut by close: aborted");
        assertEquals(0, OVERLAPPED.InternalHigh(ov), "nothing was received");
        ws2.closeEvent(event);
    }

    /** Receives into {@code got} until the peer's end of stream; the bytes received. */
    static long drain(Ws2 ws2, long s, MemorySegment got, Arena arena) {
        long total = 0;
        MemorySegment n = arena.allocate(ValueLayout.JAVA_INT);
        while (true) {
            int r = ws2.recv(s, Buffers.wsabuf(arena, got.asSlice(total)), 1, n, arena.allocateFrom(ValueLayout.JAVA_INT, 0),
                    MemorySegment.NULL, MemorySegment.NULL);
            assertEquals(0, r, () -> "recv: " + ws2.lastError());
            if (n.get(ValueLayout.JAVA_INT, 0) == 0) {
                return total;
            }
            total += n.get(ValueLayout.JAVA_INT, 0);
        }
    }
}
