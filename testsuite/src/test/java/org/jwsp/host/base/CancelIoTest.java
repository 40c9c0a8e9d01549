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
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * {@code CancelIoEx} on a base socket's stream send that the peer does not read (so part of it is
 * still unsent): the send ends with {@code WSA_OPERATION_ABORTED} and the count that actually went
 * out, exactly what the peer then receives, and the connection goes on. (A receive cancelled from
 * a thread of its own is {@code NativeWindowsProgramsTest}'s.)
 */
class CancelIoTest {

    private static final int BIG = CloseAbortsTest.BIG;

    /**
     * The send the ring itself had moved in part (submitted by the reap that completed the one
     * before, onto buffers the peer drained) reports that part with {@code WSA_OPERATION_ABORTED},
     * not as a connection reset.
     */
    @RepeatedTest(3)
    void aSendTheRingMovedInPartEndsAbortedWithThatPart() {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared();
             Pair p = Pair.tcp(ws2, AF_INET6(), WSA_FLAG_OVERLAPPED(), arena)) {
            MemorySegment ovs = OVERLAPPED.allocateArray(2, arena);
            long[] events = {ws2.createEvent(), ws2.createEvent()};
            for (int i = 0; i < 2; i++) {
                OVERLAPPED.hEvent(OVERLAPPED.asSlice(ovs, i), MemorySegment.ofAddress(events[i]));
                assertEquals(SOCKET_ERROR(), ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, BIG, i)), 1,
                        arena.allocate(ValueLayout.JAVA_INT), 0, OVERLAPPED.asSlice(ovs, i), MemorySegment.NULL));
                assertEquals(WSA_IO_PENDING(), ws2.lastError());
            }
            assertTrue(Buffers.receiveFully(ws2, p.server(), arena.allocate(BIG, 8), arena));
            assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(events[0], 10_000, false));
            MemorySegment ov = OVERLAPPED.asSlice(ovs, 1);
            assertEquals(0, LinuxKernelPort.instance().cancelIo(p.client(), ov.address()));
            assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(events[1], 10_000, false));
            assertEquals(WSA_OPERATION_ABORTED(), (int) OVERLAPPED.Internal(ov), () -> "after " + OVERLAPPED.InternalHigh(ov) + " bytes");
            long reported = OVERLAPPED.InternalHigh(ov);
            assertTrue(reported > 0 && reported < BIG, "part went out: " + reported);
            assertEquals(0, ws2.shutdown(p.client(), SD_SEND()));
            assertEquals(reported, CloseAbortsTest.drain(ws2, p.server(), arena.allocate(BIG, 8), arena));
            ws2.closeEvent(events[0]);
            ws2.closeEvent(events[1]);
        }
    }

    @RepeatedTest(3)
    void aSendCancelledPartWayEndsAbortedWithTheCountTheWireCarried() {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared();
             Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            MemorySegment ov = OVERLAPPED.allocate(arena);
            long event = ws2.createEvent();
            OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(event));
            assertEquals(SOCKET_ERROR(), ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, BIG, 3)), 1,
                    arena.allocate(ValueLayout.JAVA_INT), 0, ov, MemorySegment.NULL));
            assertEquals(WSA_IO_PENDING(), ws2.lastError());

            assertEquals(0, LinuxKernelPort.instance().cancelIo(p.client(), ov.address()));
            assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(event, 10_000, false), "the cancel ends the send");
            assertEquals(WSA_OPERATION_ABORTED(), (int) OVERLAPPED.Internal(ov), "cut short by CancelIoEx: aborted");
            long reported = OVERLAPPED.InternalHigh(ov);
            assertTrue(reported < BIG, "part went out: " + reported);
            assertEquals(ERROR_NOT_FOUND(), LinuxKernelPort.instance().cancelIo(p.client(), ov.address()), "nothing left");

            assertEquals(0, ws2.shutdown(p.client(), SD_SEND()));
            MemorySegment got = arena.allocate(BIG, 8);
            long total = CloseAbortsTest.drain(ws2, p.server(), got, arena);
            assertEquals(reported, total, "the count is what the wire carried");
            Buffers.assertPattern(got.asSlice(0, total), 3);
            ws2.closeEvent(event);
        }
    }
}
