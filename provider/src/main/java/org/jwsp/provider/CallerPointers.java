package org.jwsp.provider;

import org.jwsp.bindings.CallerMemory;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.WSATHREADID;
import org.jwsp.kernel.KernelPort;

/**
 * Decides whether jwsp may touch a pointer a caller passed, before anything touches it
 * ({@link CallerMemory} does the touching). A pointer that is null, misaligned for what it points
 * to, in the first 64 KiB, non-canonical, in kernel space or running past the end of user space is
 * refused with WSAEFAULT by its caller here, without a system call and without touching it
 * ({@link CallerMemory#inUserSpace(long, long, long)}). A pointer inside user space that points at
 * nothing cannot be told apart without asking the kernel; {@link ProviderSettings#probeCallerMemory}
 * makes every range also pass {@link KernelPort#mapped} (one system call each; README "Bad pointers").
 *
 * <p>Called by {@link SendPath} and {@link WsaBufCapture} on callers' threads. The probe is set by
 * {@link LayeredProvider} when a runtime starts and cleared when it ends (one runtime per process).
 */
final class CallerPointers {

    private static final long SIZEOF_OVERLAPPED = OVERLAPPED.layout().byteSize();
    private static final long SIZEOF_WSATHREADID = WSATHREADID.layout().byteSize();

    /** The probe for mapped memory, or null (the default: range and alignment checks only). */
    private static volatile KernelPort probe;

    private CallerPointers() {
    }

    /** Turns the probe on with {@code kernel} (null: off); checks once that the port has one. */
    static void probeWith(KernelPort kernel) {
        if (kernel != null) {
            kernel.mapped(CallerMemory.LOWEST, 0); // throws UnsupportedOperationException where there is no probe
        }
        probe = kernel;
    }

    /**
     * <em>Hot.</em> Whether jwsp may touch {@code bytes} bytes at the caller's {@code address},
     * which must be a multiple of {@code alignment} (a power of two): in user space by
     * {@link CallerMemory#inUserSpace(long, long, long)}; with the probe on, also mapped.
     * Compares only, unless the probe is on.
     */
    static boolean plausible(long address, long bytes, long alignment) {
        if (!CallerMemory.inUserSpace(address, bytes, alignment)) {
            return false;
        }
        KernelPort k = probe;
        return k == null || k.mapped(address, bytes);
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
        if (routine != 0 && (!CallerMemory.inUserSpace(routine, 1) || !plausible(lpThreadId, SIZEOF_WSATHREADID, 8))) {
            return WsaCondition.THREAD_ID_MISSING;
        }
        return null;
    }
}
