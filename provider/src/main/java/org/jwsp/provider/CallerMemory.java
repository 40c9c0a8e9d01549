package org.jwsp.provider;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The caller's memory as the hot path touches it: one segment over the whole address space,
 * made once, through which each access reads or writes exactly the bytes the contract names
 * for that pointer (an INT through lpErrno or lpNumberOfBytesSent, the fields of one OVERLAPPED,
 * {@code dwBufferCount} WSABUFs, one WSATHREADID) and nothing else.
 *
 * <p>Why not {@code MemorySegment.ofAddress(p).reinterpret(n)} per pointer: measured in
 * {@code HotPathAllocationTest}, C2 does not scalar-replace those segments inside an upcall, so
 * each send allocated ~80 B. Each method below is the bound: its extent is its value layout or
 * its explicit length, written next to it. Used for pointers the caller passed to an entry,
 * during that entry or during the operation it started (the contract keeps them valid), and by
 * {@link WsaBufCapture#validate} for a capture of jwsp's own, so one check serves both arrays.
 * Stateless; any thread.
 */
final class CallerMemory {

    /** Every address; only the methods of this class index it, each by a contract-sized extent. */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private CallerMemory() {
    }

    /** Writes one INT (4 bytes) at {@code address}: lpErrno, lpNumberOfBytesSent. */
    static void putInt(long address, int value) {
        ALL.set(ValueLayout.JAVA_INT_UNALIGNED, address, value);
    }

    static int getInt(long address) {
        return ALL.get(ValueLayout.JAVA_INT_UNALIGNED, address);
    }

    /** Writes one 8-byte word at {@code address + offset} (offset inside a struct the contract names). */
    static void putLong(long address, long offset, long value) {
        ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, address + offset, value);
    }

    static long getLong(long address, long offset) {
        return ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, address + offset);
    }

    static void putInt(long address, long offset, int value) {
        ALL.set(ValueLayout.JAVA_INT_UNALIGNED, address + offset, value);
    }

    /**
     * Copies {@code bytes} of a send's data, from the caller's {@code address}, into a filter's own
     * {@code to} at {@code toOffset}: only for {@code SendView.copyPayload}, within one WSABUF's extent.
     */
    static void copyOut(long address, MemorySegment to, long toOffset, long bytes) {
        MemorySegment.copy(ALL, address, to, toOffset, bytes);
    }

    /** Copies exactly {@code bytes} (a multiple of 8) from the caller's {@code address} into jwsp's {@code to}. */
    static void copyIn(long address, MemorySegment to, long bytes) {
        MemorySegment.copy(ALL, ValueLayout.JAVA_LONG_UNALIGNED, address, to, ValueLayout.JAVA_LONG, 0, bytes / 8);
    }
}
