package org.jwsp.bindings;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Memory a Winsock caller handed over as a pointer, as jwsp's provider and the Linux host touch
 * it: one segment over the whole address space, made once, through which each access reads or
 * writes exactly the bytes the contract names for that pointer (an INT through
 * {@code lpErrno} or {@code lpNumberOfBytesSent}, a field of one OVERLAPPED, one WSABUF, one
 * WSATHREADID) and nothing else. It is the only such segment in jwsp: the provider and the host
 * each reach caller memory through this class (or through a segment the caller's
 * {@code MemorySegment} parameter already bounds).
 *
 * <p>Why not {@code MemorySegment.ofAddress(p).reinterpret(n)} per pointer: measured in both
 * {@code HotPathAllocationTest}s, C2 does not scalar-replace those segments inside an upcall, so
 * each send allocated ~80 B. Each method below is the bound: its extent is its value layout
 * or its explicit length. Accesses are unaligned-tolerant (a caller's INT need not be aligned)
 * except the {@code Aligned} ones, which throw on a misaligned address. A caller must have decided the pointer may be touched (non-null, the
 * contract keeps it valid for the call or the operation) before it calls here. Stateless; any
 * thread.
 */
public final class CallerMemory {

    /** Every address; only the methods of this class index it, each by a contract-sized extent. */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private CallerMemory() {
    }

    /** Reads one INT (4 bytes) at {@code address}. */
    public static int getInt(long address) {
        return ALL.get(ValueLayout.JAVA_INT_UNALIGNED, address);
    }

    /** Writes one INT (4 bytes) at {@code address}: lpErrno, lpNumberOfBytesSent, lpFlags. */
    public static void putInt(long address, int value) {
        ALL.set(ValueLayout.JAVA_INT_UNALIGNED, address, value);
    }

    /** Reads one 8-byte word at {@code address}. */
    public static long getLong(long address) {
        return ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, address);
    }

    /** Writes one 8-byte word at {@code address}. */
    public static void putLong(long address, long value) {
        ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, address, value);
    }

    /**
     * Reads the 8-byte word at {@code address}, which must be 8-byte aligned: a misaligned one
     * throws {@link IllegalArgumentException} (the fields of an OVERLAPPED, which Winsock
     * requires aligned, where the host reports a misaligned one as WSAEFAULT).
     */
    public static long getAlignedLong(long address) {
        return ALL.get(ValueLayout.JAVA_LONG, address);
    }

    /** Writes the 8-byte word at the 8-byte aligned {@code address} ({@link #getAlignedLong}). */
    public static void putAlignedLong(long address, long value) {
        ALL.set(ValueLayout.JAVA_LONG, address, value);
    }

    /** Reads the INT at {@code address + offset} (offset of a field inside a struct the contract names). */
    public static int getInt(long address, long offset) {
        return ALL.get(ValueLayout.JAVA_INT_UNALIGNED, address + offset);
    }

    /** Writes the INT at {@code address + offset}. */
    public static void putInt(long address, long offset, int value) {
        ALL.set(ValueLayout.JAVA_INT_UNALIGNED, address + offset, value);
    }

    /** Reads the 8-byte word at {@code address + offset}. */
    public static long getLong(long address, long offset) {
        return ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, address + offset);
    }

    /** Writes the 8-byte word at {@code address + offset}. */
    public static void putLong(long address, long offset, long value) {
        ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, address + offset, value);
    }

    /**
     * Copies {@code bytes} of a send's data, from the caller's {@code address}, into a filter's own
     * {@code to} at {@code toOffset}: only for {@code SendView.copyPayload}, within one WSABUF's extent.
     */
    public static void copyOut(long address, MemorySegment to, long toOffset, long bytes) {
        MemorySegment.copy(ALL, address, to, toOffset, bytes);
    }

    /** Copies exactly {@code bytes} (a multiple of 8) from the caller's {@code address} into {@code to} at 0. */
    public static void copyIn(long address, MemorySegment to, long bytes) {
        MemorySegment.copy(ALL, ValueLayout.JAVA_LONG_UNALIGNED, address, to, ValueLayout.JAVA_LONG, 0, bytes / 8);
    }
}
