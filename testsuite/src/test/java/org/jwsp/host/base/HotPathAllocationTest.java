package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;
import org.jwsp.kernel.KernelPort;

/**
 * The host's per-operation path allocates nothing once compiled: an overlapped WSASend through
 * Ws2 (a downcall to the base provider's WSPSend upcall stub, an io_uring submission) and the
 * dequeue that reaps its completion on an associated port, measured on the calling thread.
 */
class HotPathAllocationTest {

    static final int PER_ROUND = 20_000;

    @Test
    void anOverlappedSendAndItsPortCompletionAllocateNothingInSteadyState() throws Exception {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared()) {
            Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena);
            KernelPort kernel = ws2.kernel();
            long port = kernel.createCompletionPort(0);
            kernel.associate(port, p.client(), 1);
            Thread drain = Thread.ofPlatform().daemon().start(() -> {
                MemorySegment sink = arena.allocate(1 << 16);
                while (Buffers.receiveFully(ws2, p.server(), sink, arena)) {
                    // discard
                }
            });
            MemorySegment buffer = Buffers.wsabuf(arena, arena.allocate(64));
            MemorySegment ov = OVERLAPPED.allocate(arena);
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(4, arena);
            try {
                double best = Double.MAX_VALUE;
                for (int round = 0; round < 40 && best >= 1.0; round++) {
                    long before = mx.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < PER_ROUND; i++) {
                        ws2.send(p.client(), buffer, 1, MemorySegment.NULL, 0, ov, MemorySegment.NULL);
                        if (kernel.dequeue(port, entries, 10_000, false) != 1) {
                            throw new AssertionError("no completion for send " + i + " of round " + round);
                        }
                    }
                    best = Math.min(best, (mx.getCurrentThreadAllocatedBytes() - before) / (double) PER_ROUND);
                }
                assertTrue(best < 1.0, "bytes allocated per send + completion, best round: " + best);
            } finally {
                assertEquals(0, ws2.shutdown(p.client(), SD_SEND()));
                drain.join(10_000);
                p.close();
                kernel.closeHandle(port);
            }
        }
    }
}
