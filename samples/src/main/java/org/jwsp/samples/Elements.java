package org.jwsp.samples;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/**
 * Element {@code i} of a native array of structs, bounded to that one element. Use this, never
 * the generated {@code X.asSlice(array, i)}: jextract's {@code asSlice} returns element {@code i}
 * <em>to the end of the array</em>, so {@code OVERLAPPED.asSlice(ovs, i).fill((byte) 0)} wipes
 * every later OVERLAPPED too, including ones still in flight (on the base provider alone, a
 * sender written that way stalls). A write past the element here throws instead. Static.
 */
public final class Elements {

    private Elements() {
    }

    /** Element {@code index} of {@code array}, exactly {@code layout.byteSize()} bytes long. */
    public static MemorySegment at(MemoryLayout layout, MemorySegment array, long index) {
        long size = layout.byteSize();
        return array.asSlice(index * size, size, layout.byteAlignment());
    }
}
