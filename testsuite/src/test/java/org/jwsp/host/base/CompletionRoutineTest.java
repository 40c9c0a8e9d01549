package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.LPWSAOVERLAPPED_COMPLETION_ROUTINE;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;
import org.jwsp.kernel.KernelPort;

/**
 * Completion routines: queued by the base provider as APCs to the issuing thread (its WSATHREADID),
 * run only in that thread's alertable wait, in FIFO order, with (dwError, cbTransferred, lpOverlapped).
 */
class CompletionRoutineTest {

    record Call(int thread, int error, int bytes, long overlapped) {
    }

    @Test
    void completionRoutinesRunOnlyInTheIssuingThreadsAlertableWait() {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared();
             Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            KernelPort kernel = ws2.kernel();
            List<Call> calls = new CopyOnWriteArrayList<>();
            MemorySegment routine = LPWSAOVERLAPPED_COMPLETION_ROUTINE.allocate(
                    (error, bytes, ov, flags) -> calls.add(new Call(kernel.currentThreadId(), error, bytes, ov.address())), arena);
            MemorySegment ovs = OVERLAPPED.allocateArray(3, arena);
            for (int i = 0; i < 3; i++) {
                int r = ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 1000 + i, i)), 1, MemorySegment.NULL, 0,
                        OVERLAPPED.asSlice(ovs, i), routine);
                assertEquals(0, r, "fits in the send buffer: completes at once, its routine still queued");
            }
            // the sends complete (the data arrives) while this thread is not alertable: nothing runs
            assertTrue(Buffers.receiveFully(ws2, p.server(), arena.allocate(1000 + 1001 + 1002), arena));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (OVERLAPPED.Internal(OVERLAPPED.asSlice(ovs, 2)) == 0x103 && System.nanoTime() < deadline) {
                kernel.sleep(1, false);
            }
            assertEquals(0, OVERLAPPED.Internal(OVERLAPPED.asSlice(ovs, 2)), "completed");
            assertEquals(0, kernel.sleep(5, false));
            assertTrue(calls.isEmpty(), "no completion routine outside an alertable wait");
            int rounds = 0;
            while (calls.size() < 3 && rounds++ < 10) {
                assertEquals(WSA_WAIT_IO_COMPLETION(), ws2.sleepEx(10_000, true));
            }
            assertEquals(3, calls.size());
            for (int i = 0; i < 3; i++) {
                Call c = calls.get(i);
                assertEquals(kernel.currentThreadId(), c.thread(), "on the issuing thread");
                assertEquals(0, c.error());
                assertEquals(1000 + i, c.bytes());
                assertEquals(OVERLAPPED.asSlice(ovs, i).address(), c.overlapped(), "FIFO");
            }
        }
    }

    @Test
    void aReceiveAbortedByCloseCallsItsRoutineWithOperationAborted() {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared();
             Pair p = Pair.tcp(ws2, AF_INET6(), WSA_FLAG_OVERLAPPED(), arena)) {
            List<Integer> errors = new CopyOnWriteArrayList<>();
            MemorySegment routine = LPWSAOVERLAPPED_COMPLETION_ROUTINE.allocate((error, bytes, ov, flags) -> errors.add(error), arena);
            MemorySegment ov = OVERLAPPED.allocate(arena);
            assertEquals(SOCKET_ERROR(), ws2.recv(p.server(), Buffers.wsabuf(arena, arena.allocate(32)), 1, MemorySegment.NULL,
                    arena.allocateFrom(ValueLayout.JAVA_INT, 0), ov, routine));
            assertEquals(WSA_IO_PENDING(), ws2.lastError());
            assertEquals(0, ws2.closesocket(p.server()));
            assertEquals(WSA_WAIT_IO_COMPLETION(), ws2.sleepEx(10_000, true));
            assertEquals(List.of(WSA_OPERATION_ABORTED()), errors);
        }
    }
}
