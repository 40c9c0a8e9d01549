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
 *
 * <p><b>Deciding without touching</b>: {@link #inUserSpace(long, long, long)} answers, by
 * comparisons only, whether a pointer can be a caller's: not null, aligned for what it points to,
 * not in the first 64 KiB, not non-canonical or in kernel space, not running past the end of user
 * space. A pointer inside user space that points at nothing cannot be told apart without asking the
 * kernel (the provider's optional probe, README "Bad pointers"); a fault in native memory would
 * kill the JVM, Java cannot catch it.
 */
public final class CallerMemory {

    /** Every address; only the methods of this class index it, each by a contract-sized extent. */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /**
     * Lowest address a caller pointer may hold: Windows never maps the first 64 KiB of a process
     * (null-pointer arithmetic lands there), and Linux's {@code vm.mmap_min_addr} defaults to 64 KiB.
     */
    public static final long LOWEST = 0x1_0000L;
    /**
     * One past the last user address: Windows x64 user space ends at {@code 0x7FFF'FFFE'FFFF}
     * (the 64 KiB below 2^47 are a no-access region), Linux x86-64 with 4-level paging at
     * {@code 2^47 - 4096} (a process on a 5-level kernel gets higher addresses only if it asks
     * mmap for them). Everything above, and every non-canonical or kernel address, is refused.
     */
    public static final long USER_END = System.getProperty("os.name", "").startsWith("Windows") ? 0x7FFF_FFFF_0000L : 0x7FFF_FFFF_F000L;

    private CallerMemory() {
    }

    /**
     * <em>Hot.</em> Whether {@code bytes} bytes at {@code address} lie wholly in user space, at or
     * above {@link #LOWEST} and below {@link #USER_END}, with {@code address} a multiple of
     * {@code alignment} (a power of two). Compares only; touches nothing.
     */
    public static boolean inUserSpace(long address, long bytes, long alignment) {
        return address >= LOWEST && (address & (alignment - 1)) == 0 && bytes >= 0 && bytes <= USER_END - address;
    }

    /** {@link #inUserSpace(long, long, long)} with no alignment asked (a data buffer, a code address). */
    public static boolean inUserSpace(long address, long bytes) {
        return address >= LOWEST && bytes >= 0 && bytes <= USER_END - address;
    }

    /** Reads one INT (4 bytes) at {@code address}. */
    public static int getInt(long address) {
        return ALL.get(ValueLayout.JAVA_INT_UNALIGNED, address);
    }

    /** Writes one INT (4 bytes) at {@code address}: lpErrno, lpNumberOfBytesSent, lpFlags. */
    public static void putInt(long address, int value) {
        ALL.set(ValueLayout.JAVA_INT_UNALIGNED, address, value);
    }

    /** Reads one u_short/WORD (2 bytes) at {@code address}, unsigned: a field of a Windows {@code linger}. */
    public static int getUnsignedShort(long address) {
        return Short.toUnsignedInt(ALL.get(ValueLayout.JAVA_SHORT_UNALIGNED, address));
    }

    /** Writes one u_short/WORD (2 bytes, the low 16 bits of {@code value}) at {@code address}. */
    public static void putShort(long address, int value) {
        ALL.set(ValueLayout.JAVA_SHORT_UNALIGNED, address, (short) value);
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
