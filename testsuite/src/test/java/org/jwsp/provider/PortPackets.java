package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.kernel.KernelPort;

/** What a test's completion port holds, taken the way a program takes it (GetQueuedCompletionStatusEx). */
final class PortPackets {

    /** Longest wait for one packet. */
    static final int WAIT = 10_000;

    private PortPackets() {
    }

    /**
     * The next {@code n} packets on {@code port}, in order, and that no other is there: {lpOverlapped
     * address, byte count} each.
     */
    static List<long[]> take(KernelPort kernel, long port, int n, Arena arena) {
        MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(8, arena);
        List<long[]> got = new ArrayList<>();
        while (got.size() < n) {
            int k = kernel.dequeue(port, entries, WAIT, false);
            assertTrue(k > 0, "packet " + got.size() + " of " + n + " came");
            for (int i = 0; i < k; i++) {
                MemorySegment e = OVERLAPPED_ENTRY.asSlice(entries, i);
                got.add(new long[] {OVERLAPPED_ENTRY.lpOverlapped(e).address(), OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(e)});
            }
        }
        assertEquals(n, got.size());
        assertEquals(KernelPort.DEQUEUE_TIMEOUT, kernel.dequeue(port, entries, 0, false), "no other packet");
        return got;
    }
}
