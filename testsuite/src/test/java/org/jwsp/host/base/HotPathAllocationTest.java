package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.LPWPUCLOSESOCKETHANDLE;
import org.jwsp.bindings.windows.LPWPUCOMPLETEOVERLAPPEDREQUEST;
import org.jwsp.bindings.windows.LPWPUCREATESOCKETHANDLE;
import org.jwsp.bindings.windows.LPWPUQUERYSOCKETHANDLECONTEXT;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.bindings.windows.WSPUPCALLTABLE;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.host.upcall.Ws2Exports;
import org.jwsp.host.upcall.Ws2UpcallTable;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;
import org.jwsp.kernel.KernelPort;

/**
 * The host's per-operation path allocates nothing once compiled: an overlapped WSASend through
 * Ws2 (a downcall to the base provider's WSPSend upcall stub, an io_uring submission) and the
 * dequeue that reaps its completion on an associated port, then {@code WSPGetOverlappedResult};
 * and the ws2_32 upcalls a layered provider makes per send. Measured on the calling thread.
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
            MemorySegment bytes = arena.allocate(ValueLayout.JAVA_INT), flags = arena.allocate(ValueLayout.JAVA_INT);
            try {
                double best = Double.MAX_VALUE;
                for (int round = 0; round < 40 && best >= 1.0; round++) {
                    long before = mx.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < PER_ROUND; i++) {
                        ws2.send(p.client(), buffer, 1, MemorySegment.NULL, 0, ov, MemorySegment.NULL);
                        if (kernel.dequeue(port, entries, 10_000, false) != 1) {
                            throw new AssertionError("no completion for send " + i + " of round " + round);
                        }
                        if (!ws2.getOverlappedResult(p.client(), ov, bytes, false, flags)) {
                            throw new AssertionError("WSPGetOverlappedResult failed for send " + i + " of round " + round);
                        }
                    }
                    best = Math.min(best, (mx.getCurrentThreadAllocatedBytes() - before) / (double) PER_ROUND);
                }
                assertTrue(best < 1.0, "bytes allocated per send + completion + WSPGetOverlappedResult, best round: " + best);
            } finally {
                assertEquals(0, ws2.shutdown(p.client(), SD_SEND()));
                drain.join(10_000);
                p.close();
                kernel.closeHandle(port);
            }
        }
    }

    /**
     * What ws2_32 does for a layered provider once per send, through the native pointers the
     * provider calls: {@code WPUQuerySocketHandleContext} (its handle to its socket) and
     * {@code WPUCompleteOverlappedRequest} (the caller's completion), plus the dequeue of that
     * completion. Their upcall stubs take addresses, so no {@code MemorySegment} is made per call
     * (the {@code -XX:-DoEscapeAnalysis} run would count one per pointer argument otherwise).
     */
    @Test
    void theWs2UpcallsALayeredProviderMakesPerSendAllocateNothing() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        LinuxKernelPort kernel = LinuxKernelPort.instance();
        Ws2Exports.register();
        MemorySegment upcalls = Ws2UpcallTable.table();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment context = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment ov = OVERLAPPED.allocate(arena);
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(4, arena);
            long s = LPWPUCREATESOCKETHANDLE.invoke(WSPUPCALLTABLE.lpWPUCreateSocketHandle(upcalls), 1, 0x1234, err);
            long port = kernel.createCompletionPort(0);
            MemorySegment query = WSPUPCALLTABLE.lpWPUQuerySocketHandleContext(upcalls);
            MemorySegment complete = kernel.procAddress(Ws2Exports.MODULE, "WPUCompleteOverlappedRequest");
            try {
                kernel.associate(port, s, 5);
                double best = Double.MAX_VALUE;
                for (int round = 0; round < 40 && best >= 1.0; round++) {
                    long before = mx.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < PER_ROUND; i++) {
                        if (LPWPUQUERYSOCKETHANDLECONTEXT.invoke(query, s, context, err) != 0
                                || context.get(ValueLayout.JAVA_LONG, 0) != 0x1234
                                || LPWPUCOMPLETEOVERLAPPEDREQUEST.invoke(complete, s, ov, 0, 64, err) != 0
                                || kernel.dequeue(port, entries, 0, false) != 1) {
                            throw new AssertionError("call " + i + " of round " + round + " failed: " + err.get(ValueLayout.JAVA_INT, 0));
                        }
                    }
                    best = Math.min(best, (mx.getCurrentThreadAllocatedBytes() - before) / (double) PER_ROUND);
                }
                assertTrue(best < 1.0, "bytes allocated per query + complete + dequeue, best round: " + best);
            } finally {
                kernel.closeHandle(port);
                LPWPUCLOSESOCKETHANDLE.invoke(WSPUPCALLTABLE.lpWPUCloseSocketHandle(upcalls), s, err);
            }
        }
    }
}
