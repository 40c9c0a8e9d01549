package org.jwsp.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.WSABUF;
import org.jwsp.host.ws2.Ws2;

/** Native data and WSABUF arrays for tests, and a blocking "receive exactly n bytes" through {@link Ws2}. */
public final class Buffers {

    private Buffers() {
    }

    /** {@code n} bytes whose byte {@code i} is {@code (seed * 31 + i) & 0xFF}. */
    public static MemorySegment pattern(Arena arena, int n, int seed) {
        MemorySegment m = arena.allocate(n, 8);
        for (int i = 0; i < n; i++) {
            m.set(ValueLayout.JAVA_BYTE, i, (byte) (seed * 31 + i));
        }
        return m;
    }

    public static MemorySegment wsabuf(Arena arena, MemorySegment... data) {
        MemorySegment b = WSABUF.allocateArray(data.length, arena);
        for (int i = 0; i < data.length; i++) {
            WSABUF.len(WSABUF.asSlice(b, i), (int) data[i].byteSize());
            WSABUF.buf(WSABUF.asSlice(b, i), data[i]);
        }
        return b;
    }

    /** Blocking WSARecv until {@code into} is full; returns false on EOF or error. */
    public static boolean receiveFully(Ws2 ws2, long s, MemorySegment into, Arena arena) {
        MemorySegment buf = WSABUF.allocate(arena);
        MemorySegment got = arena.allocate(ValueLayout.JAVA_INT);
        MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
        long done = 0;
        while (done < into.byteSize()) {
            WSABUF.len(buf, (int) (into.byteSize() - done));
            WSABUF.buf(buf, into.asSlice(done));
            flags.set(ValueLayout.JAVA_INT, 0, 0);
            if (ws2.recv(s, buf, 1, got, flags, MemorySegment.NULL, MemorySegment.NULL) != 0) {
                return false;
            }
            int n = got.get(ValueLayout.JAVA_INT, 0);
            if (n == 0) {
                return false;
            }
            done += n;
        }
        return true;
    }

    public static void assertPattern(MemorySegment m, int seed) {
        for (int i = 0; i < m.byteSize(); i++) {
            if (m.get(ValueLayout.JAVA_BYTE, i) != (byte) (seed * 31 + i)) {
                assertEquals((byte) (seed * 31 + i), m.get(ValueLayout.JAVA_BYTE, i), "byte " + i + " of block " + seed);
            }
        }
    }
}
