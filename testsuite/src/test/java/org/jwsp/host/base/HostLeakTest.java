package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.LPWSAOVERLAPPED_COMPLETION_ROUTINE;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Leaks;
import org.jwsp.testkit.Pair;
import org.jwsp.kernel.KernelPort;

/**
 * A whole program's life (WSAStartup, sockets, overlapped I/O by event, port and completion routine,
 * close with pending receives, WSACleanup) leaves nothing behind: fds (sockets, rings, eventfds),
 * host arenas and bytes, handles.
 */
class HostLeakTest {

    private static void program(boolean withRoutine) {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared()) {
            KernelPort kernel = ws2.kernel();
            long port = kernel.createCompletionPort(0);
            Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena);
            kernel.associate(port, p.client(), 5);
            MemorySegment ov = OVERLAPPED.allocateArray(3, arena);
            ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 4096, 1)), 1, MemorySegment.NULL, 0,
                    OVERLAPPED.asSlice(ov, 0), MemorySegment.NULL);
            assertTrue(Buffers.receiveFully(ws2, p.server(), arena.allocate(4096), arena));
            assertEquals(1, kernel.dequeue(port, OVERLAPPED_ENTRY.allocate(arena), 10_000, false));
            long event = ws2.createEvent();
            OVERLAPPED.hEvent(OVERLAPPED.asSlice(ov, 1), MemorySegment.ofAddress(event));
            ws2.recv(p.server(), Buffers.wsabuf(arena, arena.allocate(16)), 1, MemorySegment.NULL,
                    arena.allocateFrom(ValueLayout.JAVA_INT, 0), OVERLAPPED.asSlice(ov, 1), MemorySegment.NULL);
            if (withRoutine) {
                MemorySegment routine = LPWSAOVERLAPPED_COMPLETION_ROUTINE.allocate((e, n, o, f) -> { }, arena);
                ws2.recv(p.server(), Buffers.wsabuf(arena, arena.allocate(16)), 1, MemorySegment.NULL,
                        arena.allocateFrom(ValueLayout.JAVA_INT, 0), OVERLAPPED.asSlice(ov, 2), routine);
            }
            p.close(); // pending receives end aborted
            assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(event, 10_000, false));
            if (withRoutine) {
                assertEquals(WSA_WAIT_IO_COMPLETION(), ws2.sleepEx(10_000, true));
            }
            ws2.closeEvent(event);
            kernel.closeHandle(port);
        }
    }

    @Test
    void cleanupWithReceivesStillPendingLeavesNothingBehind() {
        program(false);
        Leaks before = Leaks.now();
        try (Arena arena = Arena.ofShared()) {
            Ws2 ws2 = Ws2.startup(Catalog.system());
            Pair p = Pair.tcp(ws2, AF_INET6(), WSA_FLAG_OVERLAPPED(), arena);
            for (int i = 0; i < 4; i++) {
                ws2.recv(i % 2 == 0 ? p.client() : p.server(), Buffers.wsabuf(arena, arena.allocate(16)), 1, MemorySegment.NULL,
                        arena.allocateFrom(ValueLayout.JAVA_INT, 0), OVERLAPPED.allocate(arena), MemorySegment.NULL);
                assertEquals(WSA_IO_PENDING(), ws2.lastError());
            }
            ws2.close(); // WSACleanup: the provider closes the sockets; their receives end aborted
        }
        assertFalse(BaseProvider.started());
        Leaks.now().assertNothingLeakedSince(before);
    }

    @Test
    void aWholeProgramLeavesNothingBehind() {
        program(true); // warm up: this thread's records, class initialisation, the global stubs
        assertFalse(BaseProvider.started());
        Leaks before = Leaks.now();
        for (int i = 0; i < 3; i++) {
            program(i % 2 == 0);
        }
        assertFalse(BaseProvider.started());
        assertEquals(0, BaseProvider.openSockets());
        Leaks.now().assertNothingLeakedSince(before);
    }
}
