package org.jwsp.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/**
 * A batch of {@code OVERLAPPED_ENTRY} packets is read through the generated layout. The buffer is
 * filled the way the kernel writes it, at the offsets x86_64-w64-mingw32-gcc reports for the C
 * struct (shared/JEXTRACT.md section 5: size 32; key 0, lpOverlapped 8, Internal 16, bytes 24),
 * so a layout that disagreed with C would fail here.
 */
class CompletionBatchTest {

    private static final long SIZE = 32;

    private static void write(MemorySegment entries, int i, long key, long overlapped, long internal, int bytes) {
        MemorySegment e = entries.asSlice(i * SIZE, SIZE);
        e.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, key);
        e.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, overlapped);
        e.set(ValueLayout.JAVA_LONG_UNALIGNED, 16, internal);
        e.set(ValueLayout.JAVA_INT_UNALIGNED, 24, bytes);
        e.set(ValueLayout.JAVA_INT_UNALIGNED, 28, 0xDEADBEEF); // padding: must never be read
    }

    @Test
    void everyFieldOfEveryEntryReadsBackAsTheKernelWroteIt() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entries = arena.allocate(SIZE * 3, 8);
            write(entries, 0, 0x1111L, 0x7FFE_0000_1000L, 0, 65536);
            write(entries, 1, -1L, 0x7FFE_0000_2020L, 0xC000_0120L, 0); // STATUS_CANCELLED, 0 bytes
            write(entries, 2, 42L, 0, 0, 7); // a posted packet without an OVERLAPPED

            assertEquals(3, CompletionBatch.capacity(entries));
            assertEquals(0x1111L, CompletionBatch.completionKey(entries, 0));
            assertEquals(0x7FFE_0000_1000L, CompletionBatch.overlapped(entries, 0).address());
            assertEquals(0L, CompletionBatch.internal(entries, 0));
            assertEquals(65536, CompletionBatch.bytesTransferred(entries, 0));

            assertEquals(-1L, CompletionBatch.completionKey(entries, 1));
            assertEquals(0x7FFE_0000_2020L, CompletionBatch.overlapped(entries, 1).address());
            assertEquals(0xC000_0120L, CompletionBatch.internal(entries, 1));
            assertEquals(0, CompletionBatch.bytesTransferred(entries, 1));

            assertEquals(42L, CompletionBatch.completionKey(entries, 2));
            assertEquals(MemorySegment.NULL, CompletionBatch.overlapped(entries, 2));
            assertEquals(7, CompletionBatch.bytesTransferred(entries, 2));
        }
    }

    @Test
    void capacityCountsOnlyWholeEntries() {
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(0, CompletionBatch.capacity(arena.allocate(SIZE - 1, 8)));
            assertEquals(1, CompletionBatch.capacity(arena.allocate(SIZE, 8)));
            assertEquals(2, CompletionBatch.capacity(arena.allocate(SIZE * 3 - 1, 8)));
            assertEquals(64, CompletionBatch.capacity(arena.allocate(SIZE * 64, 8)));
        }
    }

    @Test
    void readingPastTheBatchIsRefusedNotAGarbageRead() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entries = arena.allocate(SIZE * 2, 8);
            org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                    () -> CompletionBatch.bytesTransferred(entries, 2));
        }
    }
}
