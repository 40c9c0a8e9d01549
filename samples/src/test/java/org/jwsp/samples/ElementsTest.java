package org.jwsp.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.OVERLAPPED;

/** {@link Elements#at} is one element: clearing it leaves its neighbours alone, and nothing reaches past it. */
class ElementsTest {

    @Test
    void clearingOneOverlappedLeavesTheOthersInFlightIntact() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ovs = OVERLAPPED.allocateArray(4, arena).fill((byte) 0x5A);
            Elements.at(OVERLAPPED.layout(), ovs, 1).fill((byte) 0);
            for (int i = 0; i < 4; i++) {
                byte want = i == 1 ? 0 : (byte) 0x5A;
                MemorySegment ov = Elements.at(OVERLAPPED.layout(), ovs, i);
                assertEquals(OVERLAPPED.sizeof(), ov.byteSize());
                for (long b = 0; b < ov.byteSize(); b++) {
                    assertEquals(want, ov.get(ValueLayout.JAVA_BYTE, b), "OVERLAPPED " + i + " byte " + b);
                }
            }
            // The generated accessor is what the old samples used: element 1 to the END of the array.
            assertEquals(3 * OVERLAPPED.sizeof(), OVERLAPPED.asSlice(ovs, 1).byteSize());
            MemorySegment last = Elements.at(OVERLAPPED.layout(), ovs, 3);
            assertThrows(IndexOutOfBoundsException.class, () -> last.get(ValueLayout.JAVA_BYTE, OVERLAPPED.sizeof()));
            assertThrows(IndexOutOfBoundsException.class, () -> Elements.at(OVERLAPPED.layout(), ovs, 4));
        }
    }
}
