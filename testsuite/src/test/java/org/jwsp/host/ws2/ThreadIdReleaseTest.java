package org.jwsp.host.ws2;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * Issue 10, defect 10 ("threads that leave are never released"): the host's ws2_32 opens a
 * WSATHREADID per calling thread ({@code WPUOpenCurrentThread}); it must close those of threads
 * that have ended ({@code WPUCloseThread}) instead of keeping every one until WSACleanup, so a
 * program that runs many short threads does not fill the handle table.
 */
class ThreadIdReleaseTest {

    @Test
    void theIdsOfThreadsThatEnded_areClosedWhenTheNextThreadComes() throws Exception {
        try (Arena arena = Arena.ofShared(); Ws2 ws2 = Ws2.startup(Catalog.system()); Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            MemorySegment data = Buffers.pattern(arena, 16, 3);
            MemorySegment bufs = Buffers.wsabuf(arena, data);
            int handles = LinuxKernelPort.instance().handles().openCount();
            int ids = ws2.openThreadIds();
            int threads = 8;
            for (int i = 0; i <= threads; i++) { // each sends once and ends; the last one's first call sweeps
                Thread t = Thread.ofPlatform().start(() -> {
                    MemorySegment sent = Arena.ofAuto().allocate(ValueLayout.JAVA_INT);
                    assertEquals(0, ws2.send(p.client(), bufs, 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL));
                });
                t.join();
            }
            assertEquals(ids + 1, ws2.openThreadIds(), "only the last thread's id is still open (it ended after the sweep)");
            assertEquals(handles + 1, LinuxKernelPort.instance().handles().openCount(), "the ended threads' handles are closed");
            MemorySegment got = arena.allocate(16L * (threads + 1));
            assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
        }
    }
}
