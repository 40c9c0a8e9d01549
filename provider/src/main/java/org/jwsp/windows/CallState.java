package org.jwsp.windows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * One thread's scratch memory for kernel32 calls: the {@code captureCallState} segment that
 * receives {@code GetLastError}, and one 8-byte out-parameter ({@code ULONG} entries removed by
 * {@code GetQueuedCompletionStatusEx}, or the {@code HANDLE} written by {@code DuplicateHandle}).
 *
 * <p>Why per thread: the hot calls ({@link WindowsKernelPort#dequeue}) must not allocate, and
 * the out-parameters are written by the kernel on the calling thread only. Allocated once per
 * thread on its first capturing call; owned by an automatic {@link Arena} that frees it when
 * the thread (and so this object) is gone. Confined by use to its thread; never shared.
 */
final class CallState {

    final MemorySegment capture;
    final MemorySegment out;

    private CallState(StructLayout captureLayout) {
        long outOffset = (captureLayout.byteSize() + Long.BYTES - 1) & -Long.BYTES;
        MemorySegment block = Arena.ofAuto().allocate(outOffset + Long.BYTES, Long.BYTES);
        capture = block.asSlice(0, captureLayout);
        out = block.asSlice(outOffset, ValueLayout.JAVA_LONG);
    }

    /** A per-thread holder of the state for one capture layout (one {@link Kernel32}). */
    static ThreadLocal<CallState> perThread(StructLayout captureLayout) {
        return ThreadLocal.withInitial(() -> new CallState(captureLayout));
    }

    /** The {@code ULONG} out-parameter as written by the kernel. */
    int outInt() {
        return out.get(ValueLayout.JAVA_INT, 0);
    }

    /** The {@code HANDLE} out-parameter as written by the kernel. */
    long outHandle() {
        return out.get(ValueLayout.JAVA_LONG, 0);
    }
}
