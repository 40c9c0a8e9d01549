package org.jwsp.windows;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;

/**
 * Reads a batch of completion packets as {@code GetQueuedCompletionStatusEx} (and so
 * {@link org.jwsp.kernel.KernelPort#dequeue}) leaves them: an array of
 * <pre>
 *   struct OVERLAPPED_ENTRY {          // 32 bytes on x64
 *       ULONG_PTR    lpCompletionKey;  //  0
 *       LPOVERLAPPED lpOverlapped;     //  8  the OVERLAPPED the operation was issued with
 *       ULONG_PTR    Internal;         // 16  the NTSTATUS of the operation (reserved)
 *       DWORD        dwNumberOfBytesTransferred; // 24
 *   };
 * </pre>
 *
 * <p>Who calls it: the completion worker, on its own thread, right after a dequeue, on the
 * segment it passed in (which it owns and reuses). Everything goes through the jextract layout
 * of {@code OVERLAPPED_ENTRY} (one element {@link VarHandle} per field, indexed), so reading an
 * entry allocates nothing but the zero-length {@code lpOverlapped} segment, and no offset is
 * written by hand. Stateless; any thread.
 */
public final class CompletionBatch {

    // Element handles over OVERLAPPED_ENTRY[]: coordinates (segment, base offset 0, index).
    private static final VarHandle KEY = OVERLAPPED_ENTRY.layout().arrayElementVarHandle(groupElement("lpCompletionKey"));
    private static final VarHandle OVERLAPPED = OVERLAPPED_ENTRY.layout().arrayElementVarHandle(groupElement("lpOverlapped"));
    private static final VarHandle INTERNAL = OVERLAPPED_ENTRY.layout().arrayElementVarHandle(groupElement("Internal"));
    private static final VarHandle BYTES =
            OVERLAPPED_ENTRY.layout().arrayElementVarHandle(groupElement("dwNumberOfBytesTransferred"));

    private CompletionBatch() {
    }

    /** How many whole entries fit in {@code entries} (the {@code ulCount} of the dequeue), capped at {@code ULONG}'s positive range. */
    public static int capacity(MemorySegment entries) {
        return (int) Math.min(Integer.MAX_VALUE, entries.byteSize() / OVERLAPPED_ENTRY.sizeof());
    }

    /** {@code entries[i].lpCompletionKey}: the key the handle was associated with, or that was posted. */
    public static long completionKey(MemorySegment entries, int i) {
        return (long) KEY.get(entries, 0L, (long) i);
    }

    /** {@code entries[i].lpOverlapped} as a zero-length segment ({@code NULL} for a posted packet without one). */
    public static MemorySegment overlapped(MemorySegment entries, int i) {
        return (MemorySegment) OVERLAPPED.get(entries, 0L, (long) i);
    }

    /** {@code entries[i].Internal}: the operation's NTSTATUS, as the kernel left it. */
    public static long internal(MemorySegment entries, int i) {
        return (long) INTERNAL.get(entries, 0L, (long) i);
    }

    /** {@code entries[i].dwNumberOfBytesTransferred}. */
    public static int bytesTransferred(MemorySegment entries, int i) {
        return (int) BYTES.get(entries, 0L, (long) i);
    }
}
