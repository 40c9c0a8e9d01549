package org.jwsp.host.upcall;

import org.jwsp.bindings.CallerMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
 * The status is written before whatever signals the completion (event, port packet, APC), each of
 * which is a release/acquire edge for the waiter.
 *
 * <p>The accessors take the {@code OVERLAPPED}'s address and go through one segment spanning the
 * address space, so the per-operation paths make no segment objects; the address must be 8-byte
 * aligned (the base provider refuses others with {@code WSAEFAULT}; a misaligned one reaching an
 * export fails the aligned access with an exception its upcall catches).
 */
public final class OverlappedStatus {

    /** {@code WSS_OPERATION_IN_PROGRESS} = {@code STATUS_PENDING}. */
    public static final long IN_PROGRESS = 0x103L;

    private static final long INTERNAL = OVERLAPPED.Internal$offset();
    private static final long INTERNAL_HIGH = OVERLAPPED.InternalHigh$offset();
    private static final long OFFSET = OVERLAPPED.Offset$offset();
    private static final long EVENT = OVERLAPPED.hEvent$offset();

    private OverlappedStatus() {
    }

    /** <em>Hot.</em> The base provider's request slot + 1 (0 when it owns no operation here). */
    public static int requestSlot(long ov) {
        return CallerMemory.getInt(ov + OFFSET);
    }

    public static void requestSlot(long ov, int slotPlusOne) {
        CallerMemory.putInt(ov + OFFSET, slotPlusOne);
    }

    public static void pending(long ov) {
        CallerMemory.putAlignedLong(ov + INTERNAL_HIGH, 0L);
        CallerMemory.putAlignedLong(ov + INTERNAL, IN_PROGRESS);
    }

    public static void complete(long ov, int wsaError, int bytes) {
        CallerMemory.putAlignedLong(ov + INTERNAL_HIGH, bytes & 0xFFFFFFFFL);
        CallerMemory.putAlignedLong(ov + INTERNAL, wsaError & 0xFFFFFFFFL);
    }

    public static boolean isPending(long ov) {
        return CallerMemory.getAlignedLong(ov + INTERNAL) == IN_PROGRESS;
    }

    /** {@code Internal} as the Winsock code it holds once completed. */
    public static int error(long ov) {
        return (int) CallerMemory.getAlignedLong(ov + INTERNAL);
    }

    public static int bytes(long ov) {
        return (int) CallerMemory.getAlignedLong(ov + INTERNAL_HIGH);
    }

    /**
     * The {@code hEvent} word as the program wrote it. Read it once, before the completion is
     * written: afterwards the OVERLAPPED is the program's again and may already hold its next operation.
     */
    public static long eventWord(long ov) {
        return CallerMemory.getAlignedLong(ov + EVENT);
    }

    /** The event handle of an {@link #eventWord}, its low bit (Windows' "do not queue to the port" flag) cleared. */
    public static long event(long hEventWord) {
        return hEventWord & ~1L;
    }

    /** True if the low bit of an {@link #eventWord} asks that no completion packet be queued to a port. */
    public static boolean skipsPort(long hEventWord) {
        return (hEventWord & 1L) != 0;
    }
}
