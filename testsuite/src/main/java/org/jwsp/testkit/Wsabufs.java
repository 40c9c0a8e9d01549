package org.jwsp.testkit;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.windows.WSABUF;

/** TEST-ONLY: builds WSABUF arrays over data segments, as an application would. */
public final class Wsabufs {

    private Wsabufs() {
    }

    public static MemorySegment of(Arena arena, MemorySegment... data) {
        MemorySegment array = WSABUF.allocateArray(data.length, arena);
        for (int i = 0; i < data.length; i++) {
            MemorySegment b = array.asSlice(i * WSABUF.layout().byteSize(), WSABUF.layout());
            WSABUF.len(b, (int) data[i].byteSize());
            WSABUF.buf(b, data[i]);
        }
        return array;
    }

    /** A data buffer filled with {@code text}'s bytes. */
    public static MemorySegment data(Arena arena, String text) {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        MemorySegment s = arena.allocate(bytes.length);
        s.copyFrom(MemorySegment.ofArray(bytes));
        return s;
    }
}
