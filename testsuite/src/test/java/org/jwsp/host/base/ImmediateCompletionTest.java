package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.LPWSAOVERLAPPED_COMPLETION_ROUTINE;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.host.kernel.CompletionModes;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;
import org.jwsp.kernel.KernelPort;

/**
 * The base provider completes at once what the kernel can do at once, as Windows does: an
 * overlapped send that fits in the socket buffer, a receive with data already queued, returns 0
 * with the count, and its completion is still indicated (event, port packet, completion routine);
 * {@code FILE_SKIP_COMPLETION_PORT_ON_SUCCESS} drops only the packet of such a call; a sequence
 * that mixes immediate and pending sends on one socket keeps call order on the wire and on the port.
 */
class ImmediateCompletionTest {

    static final int BIG = SendQueueTest.BIG;

    @Test
    void aSendThatFitsAndAReceiveWithDataCompleteAtOnceAndSetTheirEvents() {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared();
             Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            MemorySegment ov = OVERLAPPED.allocate(arena);
            long event = ws2.createEvent();
            OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(event));
            MemorySegment sent = arena.allocateFrom(ValueLayout.JAVA_INT, -1);
            assertEquals(0, ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 1000, 1)), 1, sent, 0, ov,
                    MemorySegment.NULL), () -> "send: " + ws2.lastError());
            assertEquals(1000, sent.get(ValueLayout.JAVA_INT, 0));
            assertEquals(0, OVERLAPPED.Internal(ov));
            assertEquals(1000, OVERLAPPED.InternalHigh(ov));
            assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(event, 0, false), "the event is set before the call returns");

            // the data is there now: the receive completes at once, into the caller's buffer
            MemorySegment rov = OVERLAPPED.allocate(arena);
            long revent = ws2.createEvent();
            OVERLAPPED.hEvent(rov, MemorySegment.ofAddress(revent));
            MemorySegment into = arena.allocate(1000);
            MemorySegment got = arena.allocateFrom(ValueLayout.JAVA_INT, -1);
            awaitReadable(ws2, p.server(), arena);
            assertEquals(0, ws2.recv(p.server(), Buffers.wsabuf(arena, into), 1, got, arena.allocateFrom(ValueLayout.JAVA_INT, 0),
                    rov, MemorySegment.NULL), () -> "recv: " + ws2.lastError());
            assertEquals(1000, got.get(ValueLayout.JAVA_INT, 0));
            Buffers.assertPattern(into, 1);
            assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(revent, 0, false));
            MemorySegment bytes = arena.allocate(ValueLayout.JAVA_INT);
            assertTrue(ws2.getOverlappedResult(p.server(), rov, bytes, false, arena.allocate(ValueLayout.JAVA_INT)));
            assertEquals(1000, bytes.get(ValueLayout.JAVA_INT, 0));

            // nothing there: the receive pends, as before
            assertEquals(SOCKET_ERROR(), ws2.recv(p.server(), Buffers.wsabuf(arena, into), 1, got,
                    arena.allocateFrom(ValueLayout.JAVA_INT, 0), rov, MemorySegment.NULL));
            assertEquals(WSA_IO_PENDING(), ws2.lastError());
            assertEquals(0, ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 10, 2)), 1, sent, 0, ov,
                    MemorySegment.NULL));
            assertTrue(ws2.getOverlappedResult(p.server(), rov, bytes, true, arena.allocate(ValueLayout.JAVA_INT)));
            assertEquals(10, bytes.get(ValueLayout.JAVA_INT, 0));
            ws2.closeEvent(event);
            ws2.closeEvent(revent);
        }
    }

    @Test
    void anImmediateSendStillQueuesItsPacketUnlessTheSocketSkipsThePortOnSuccess() {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared();
             Pair p = Pair.tcp(ws2, AF_INET6(), WSA_FLAG_OVERLAPPED(), arena)) {
            KernelPort kernel = ws2.kernel();
            long port = kernel.createCompletionPort(0);
            kernel.associate(port, p.client(), 0xFEED);
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(4, arena);
            MemorySegment ovs = OVERLAPPED.allocateArray(3, arena);
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 100, 0)), 1, sent, 0,
                    OVERLAPPED.asSlice(ovs, 0), MemorySegment.NULL));
            assertEquals(1, kernel.dequeue(port, entries, 0, false), "the packet was queued before the call returned");
            assertEquals(0xFEED, OVERLAPPED_ENTRY.lpCompletionKey(entries));
            assertEquals(100, OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(entries));
            assertEquals(OVERLAPPED.asSlice(ovs, 0).address(), OVERLAPPED_ENTRY.lpOverlapped(entries).address());

            LinuxKernelPort linux = LinuxKernelPort.instance();
            assertEquals(false, linux.setFileCompletionNotificationModes(p.client(), 0x80), "unknown mode");
            assertEquals(false, linux.setFileCompletionNotificationModes(port, 1), "not a socket");
            assertTrue(linux.setFileCompletionNotificationModes(p.client(),
                    CompletionModes.FILE_SKIP_COMPLETION_PORT_ON_SUCCESS | CompletionModes.FILE_SKIP_SET_EVENT_ON_HANDLE));
            long event = ws2.createEvent();
            OVERLAPPED.hEvent(OVERLAPPED.asSlice(ovs, 1), MemorySegment.ofAddress(event));
            assertEquals(0, ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 200, 1)), 1, sent, 0,
                    OVERLAPPED.asSlice(ovs, 1), MemorySegment.NULL));
            assertEquals(200, sent.get(ValueLayout.JAVA_INT, 0));
            assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(event, 0, false), "the event is still set");
            assertEquals(KernelPort.DEQUEUE_TIMEOUT, kernel.dequeue(port, entries, 0, false), "no packet for a success at once");

            // a send that pends still completes through the port
            MemorySegment big = Buffers.pattern(arena, BIG, 2);
            assertEquals(SOCKET_ERROR(), ws2.send(p.client(), Buffers.wsabuf(arena, big), 1, sent, 0, OVERLAPPED.asSlice(ovs, 2),
                    MemorySegment.NULL));
            assertEquals(WSA_IO_PENDING(), ws2.lastError());
            assertTrue(Buffers.receiveFully(ws2, p.server(), arena.allocate(300 + BIG), arena));
            assertEquals(1, kernel.dequeue(port, entries, 10_000, false));
            assertEquals(BIG, OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(entries));
            assertEquals(OVERLAPPED.asSlice(ovs, 2).address(), OVERLAPPED_ENTRY.lpOverlapped(entries).address());
            ws2.closeEvent(event);
            kernel.closeHandle(port);
        }
    }

    /**
     * The base provider's side of what NativeSendStressTest found in WPUCompleteOverlappedRequest:
     * once the status is written and the event set, the OVERLAPPED is the program's again; an event
     * send with the low bit of hEvent set must get no packet even if the program has zeroed its
     * OVERLAPPED for the next operation by the time the port would be told (the hook is that program).
     */
    @Test
    void anEventSendWithTheLowBitGetsNoPacketEvenIfTheProgramReusesItsOverlappedAtOnce() {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared();
             Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            KernelPort kernel = ws2.kernel();
            long port = kernel.createCompletionPort(0);
            kernel.associate(port, p.client(), 0xFEED);
            long event = ws2.createEvent();
            MemorySegment ov = OVERLAPPED.allocate(arena);
            OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(event | 1));
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            OverlappedIo.completionVisible = () -> ov.fill((byte) 0);
            try {
                assertEquals(0, ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 100, 0)), 1, sent, 0, ov,
                        MemorySegment.NULL));
            } finally {
                OverlappedIo.completionVisible = null;
            }
            assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(event, 0, false));
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(1, arena);
            assertEquals(KernelPort.DEQUEUE_TIMEOUT, kernel.dequeue(port, entries, 0, false), "the send's hEvent had its low bit set");
            assertTrue(Buffers.receiveFully(ws2, p.server(), arena.allocate(100), arena));
            ws2.closeEvent(event);
            kernel.closeHandle(port);
        }
    }

    @Test
    void anImmediateSendQueuesItsCompletionRoutineForTheNextAlertableWait() {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared();
             Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            List<int[]> calls = new CopyOnWriteArrayList<>();
            MemorySegment routine = LPWSAOVERLAPPED_COMPLETION_ROUTINE.allocate(
                    (error, bytes, ov, flags) -> calls.add(new int[] {error, bytes}), arena);
            MemorySegment ov = OVERLAPPED.allocate(arena);
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 300, 3)), 1, sent, 0, ov, routine));
            assertEquals(300, sent.get(ValueLayout.JAVA_INT, 0));
            assertTrue(calls.isEmpty(), "the routine runs in an alertable wait, not inside the call");
            assertEquals(WSA_WAIT_IO_COMPLETION(), ws2.sleepEx(10_000, true));
            assertEquals(1, calls.size());
            assertEquals(0, calls.get(0)[0]);
            assertEquals(300, calls.get(0)[1]);
        }
    }

    /**
     * Immediate, partly immediate and queued sends on one socket: the wire carries them in call
     * order and the port reports them in call order, each with its whole count.
     */
    @Test
    void immediateAndPendingSendsOnOneSocketKeepCallOrder() {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared();
             Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            KernelPort kernel = ws2.kernel();
            long port = kernel.createCompletionPort(0);
            kernel.associate(port, p.client(), 7);
            int[] sizes = {1000, BIG, 2000, 3000};
            MemorySegment ovs = OVERLAPPED.allocateArray(sizes.length, arena);
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            List<Integer> answers = new ArrayList<>();
            for (int i = 0; i < sizes.length; i++) {
                int r = ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, sizes[i], i)), 1, sent, 0,
                        OVERLAPPED.asSlice(ovs, i), MemorySegment.NULL);
                answers.add(r == 0 ? 0 : ws2.lastError());
            }
            assertEquals(List.of(0, WSA_IO_PENDING(), WSA_IO_PENDING(), WSA_IO_PENDING()), answers,
                    "the first fits at once; the big one pends; the later ones queue behind it");
            for (int i = 0; i < sizes.length; i++) {
                MemorySegment got = arena.allocate(sizes[i], 8);
                assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
                Buffers.assertPattern(got, i);
                if (i == 1) {
                    drainInOrder(kernel, port, ovs, sizes, arena); // reaping the big one issues the next ones
                }
            }
            kernel.closeHandle(port);
        }
    }

    private static void drainInOrder(KernelPort kernel, long port, MemorySegment ovs, int[] sizes, Arena arena) {
        MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(8, arena);
        int next = 0;
        while (next < sizes.length) {
            int n = kernel.dequeue(port, entries, 10_000, false);
            assertTrue(n > 0, "dequeue: " + n);
            for (int j = 0; j < n; j++, next++) {
                MemorySegment e = OVERLAPPED_ENTRY.asSlice(entries, j);
                assertEquals(OVERLAPPED.asSlice(ovs, next).address(), OVERLAPPED_ENTRY.lpOverlapped(e).address(), "packet " + next);
                assertEquals(sizes[next], OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(e));
                assertEquals(0, OVERLAPPED.Internal(OVERLAPPED.asSlice(ovs, next)));
            }
        }
    }

    /** Waits (MSG_PEEK, blocking) until the socket has data queued. */
    static void awaitReadable(Ws2 ws2, long s, Arena arena) {
        MemorySegment one = arena.allocate(1);
        assertEquals(0, ws2.recv(s, Buffers.wsabuf(arena, one), 1, arena.allocate(ValueLayout.JAVA_INT),
                arena.allocateFrom(ValueLayout.JAVA_INT, MSG_PEEK()), MemorySegment.NULL, MemorySegment.NULL));
    }
}
