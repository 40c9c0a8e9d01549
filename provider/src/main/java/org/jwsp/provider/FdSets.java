package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.fd_set;

/**
 * Winsock {@code fd_set}s of any size: {@code {u_int fd_count; SOCKET fd_array[FD_SETSIZE];}} where
 * a program may compile with its own {@code FD_SETSIZE}, so the array is as long as
 * {@code fd_count} says, not the header's 64. Offsets come from the generated layout. Used by
 * {@link PassThrough#select} on the caller's thread; allocates only in the call's arena.
 */
final class FdSets {

    private static final long ARRAY = fd_set.layout().byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("fd_array"));

    private FdSets() {
    }

    /** The caller's {@code fd_count} (unsigned: negative here when it does not fit an {@code int}), 0 for no set. */
    static int count(MemorySegment set) {
        return set.address() == 0 ? 0 : set.reinterpret(4).get(ValueLayout.JAVA_INT, 0);
    }

    static void count(MemorySegment set, int n) {
        set.set(ValueLayout.JAVA_INT, 0, n);
    }

    /** The caller's set as a segment covering its {@code n} handles. */
    static MemorySegment view(MemorySegment set, int n) {
        return set.reinterpret(bytes(n));
    }

    /** A set for {@code n} handles (at least the header's size, so lower providers reading 64 stay inside). */
    static MemorySegment allocate(Arena arena, int n) {
        return arena.allocate(Math.max(bytes(n), fd_set.layout().byteSize()), 8);
    }

    static long get(MemorySegment set, int i) {
        return set.get(ValueLayout.JAVA_LONG_UNALIGNED, ARRAY + 8L * i);
    }

    static void set(MemorySegment set, int i, long handle) {
        set.set(ValueLayout.JAVA_LONG_UNALIGNED, ARRAY + 8L * i, handle);
    }

    private static long bytes(int n) {
        return ARRAY + 8L * n;
    }
}
