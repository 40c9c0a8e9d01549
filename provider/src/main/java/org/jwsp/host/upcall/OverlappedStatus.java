package org.jwsp.host.upcall;

import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.windows.OVERLAPPED;

/**
 * How the host fills a {@code WSAOVERLAPPED} (a non-IFS provider may use {@code Internal} and
 * {@code InternalHigh} "as necessary"; {@code Offset}/{@code OffsetHigh} are "reserved for service
 * providers"), written down once because the base provider, {@code WPUCompleteOverlappedRequest}
 * and {@code WSPGetOverlappedResult} must agree:
 * <ul>
 *   <li>{@code Internal}: {@link #IN_PROGRESS} ({@code WSS_OPERATION_IN_PROGRESS}, the value of
 *       {@code STATUS_PENDING}) while the operation is pending; when it completed, the Winsock
 *       error code of the result, {@code 0} for success (e.g. {@code WSA_OPERATION_ABORTED} 995);</li>
 *   <li>{@code InternalHigh}: bytes transferred;</li>
 *   <li>{@code Offset} (32 bits): the base provider's request slot + 1 while it owns the
 *       operation ({@code OffsetHigh} is not used).</li>
 * </ul>
 * The status is written before the bytes are made visible by whatever signals the completion
 * (event, port packet, APC), each of which is a release/acquire edge for the waiter.
 */
public final class OverlappedStatus {

    /** {@code WSS_OPERATION_IN_PROGRESS} = {@code STATUS_PENDING}. */
    public static final long IN_PROGRESS = 0x103L;

    private OverlappedStatus() {
    }

    private static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /**
     * <em>Hot.</em> The base provider's request slot + 1 from the {@code OVERLAPPED} at {@code address}
     * (8-byte aligned, checked when the operation was issued), read without making a segment.
     */
    public static int requestSlot(long address) {
        return EVERYTHING.get(OVERLAPPED.Offset$layout(), address + OVERLAPPED.Offset$offset());
    }

    /** The caller's {@code OVERLAPPED} at {@code address}, bounded to the struct. */
    public static MemorySegment at(long address) {
        return MemorySegment.ofAddress(address).reinterpret(OVERLAPPED.sizeof());
    }

    public static void pending(MemorySegment ov) {
        OVERLAPPED.InternalHigh(ov, 0);
        OVERLAPPED.Internal(ov, IN_PROGRESS);
    }

    public static void complete(MemorySegment ov, int wsaError, int bytes) {
        OVERLAPPED.InternalHigh(ov, bytes & 0xFFFFFFFFL);
        OVERLAPPED.Internal(ov, wsaError & 0xFFFFFFFFL);
    }

    public static boolean isPending(MemorySegment ov) {
        return OVERLAPPED.Internal(ov) == IN_PROGRESS;
    }

    /** The {@code hEvent} handle with its low bit (Windows' "do not queue to the port" flag) cleared. */
    public static long event(MemorySegment ov) {
        return OVERLAPPED.hEvent(ov).address() & ~1L;
    }

    /** True if the low bit of {@code hEvent} asks that no completion packet be queued to a port. */
    public static boolean skipsPort(MemorySegment ov) {
        return (OVERLAPPED.hEvent(ov).address() & 1L) != 0;
    }
}
