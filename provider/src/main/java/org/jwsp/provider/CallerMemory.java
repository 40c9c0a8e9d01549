package org.jwsp.provider;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.WSATHREADID;
import org.jwsp.kernel.KernelPort;

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
 *
 * <p><b>Before any touch, {@link #plausible}</b>: a caller pointer that is null, misaligned for
 * what it points to, in the first 64 KiB, non-canonical, in kernel space or running past the end
 * of user space is refused with WSAEFAULT by its caller here, without a system call and without
 * touching it. A pointer inside user space that points at nothing cannot be told apart without
 * asking the kernel; {@link ProviderSettings#probeCallerMemory} makes every range also pass
 * {@link KernelPort#mapped} (one system call each; README "Bad pointers").
 *
 * <p>Any thread. The probe is set by {@link LayeredProvider} when a runtime starts and cleared
 * when it ends (one runtime per process).
 */
final class CallerMemory {

    /** Every address; only the methods of this class index it, each by a contract-sized extent. */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /**
     * Lowest address a caller pointer may hold: Windows never maps the first 64 KiB of a process
     * (null-pointer arithmetic lands there), and Linux's {@code vm.mmap_min_addr} defaults to 64 KiB.
     */
    static final long LOWEST = 0x1_0000L;
    /**
     * One past the last user address: Windows x64 user space ends at {@code 0x7FFF'FFFE'FFFF}
     * (the 64 KiB below 2^47 are a no-access region), Linux x86-64 with 4-level paging at
     * {@code 2^47 - 4096} (a process on a 5-level kernel gets higher addresses only if it asks
     * mmap for them). Everything above, and every non-canonical or kernel address, is refused.
     */
    static final long USER_END = System.getProperty("os.name", "").startsWith("Windows") ? 0x7FFF_FFFF_0000L : 0x7FFF_FFFF_F000L;

    private static final long SIZEOF_OVERLAPPED = OVERLAPPED.layout().byteSize();
    private static final long SIZEOF_WSATHREADID = WSATHREADID.layout().byteSize();

    /** The probe for mapped memory, or null (the default: range and alignment checks only). */
    private static volatile KernelPort probe;

    private CallerMemory() {
    }

    /** Turns the probe on with {@code kernel} (null: off); checks once that the port has one. */
    static void probeWith(KernelPort kernel) {
        if (kernel != null) {
            kernel.mapped(LOWEST, 0); // throws UnsupportedOperationException where there is no probe
        }
        probe = kernel;
    }

    /**
     * <em>Hot.</em> Whether jwsp may touch {@code bytes} bytes at the caller's {@code address},
     * which must be a multiple of {@code alignment} (a power of two): not null, not in the first
     * 64 KiB, the whole range below {@link #USER_END}; with the probe on, also mapped.
     * Compares only, unless the probe is on.
     */
    static boolean plausible(long address, long bytes, long alignment) {
        if (address < LOWEST || (address & (alignment - 1)) != 0 || bytes < 0 || bytes > USER_END - address) {
            return false;
        }
        KernelPort k = probe;
        return k == null || k.mapped(address, bytes);
    }

    /** {@link #plausible} for a range jwsp never touches (a data buffer passed on): address range only, no probe. */
    static boolean inUserSpace(long address, long bytes) {
        return address >= LOWEST && bytes >= 0 && bytes <= USER_END - address;
    }

    /**
     * The pointers of an overlapped WSPSend other than lpBuffers, checked before any is touched:
     * lpOverlapped (one OVERLAPPED, 8-aligned), lpNumberOfBytesSent when not null (one DWORD),
     * and with a completion routine, the routine (a code address in user space) and lpThreadId
     * (one WSATHREADID).
     *
     * @return null when all may be used, else the condition that refuses the call
     */
    static WsaCondition overlappedSendPointers(long lpSent, long lpOverlapped, long routine, long lpThreadId) {
        if (!plausible(lpOverlapped, SIZEOF_OVERLAPPED, 8)) {
            return WsaCondition.OVERLAPPED_MISSING;
        }
        if (lpSent != 0 && !plausible(lpSent, 4, 4)) {
            return WsaCondition.BYTES_SENT_MISSING;
        }
        if (routine != 0 && (!inUserSpace(routine, 1) || !plausible(lpThreadId, SIZEOF_WSATHREADID, 8))) {
            return WsaCondition.THREAD_ID_MISSING;
        }
        return null;
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

    /** Copies exactly {@code bytes} (a multiple of 8) from the caller's {@code address} into jwsp's {@code to}. */
    static void copyIn(long address, MemorySegment to, long bytes) {
        MemorySegment.copy(ALL, ValueLayout.JAVA_LONG_UNALIGNED, address, to, ValueLayout.JAVA_LONG, 0, bytes / 8);
    }
}
