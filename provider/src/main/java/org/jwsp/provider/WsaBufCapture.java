package org.jwsp.provider;

import org.jwsp.bindings.CallerMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.WSABUF;

/**
 * A copy of a caller's transient {@code WSABUF} array, in the native record of one
 * {@link OverlappedRequest} (a flyweight in the manner of Netty's {@code IovArray}), or for more than
 * {@link OverlappedRequest#CAPACITY} entries in a block lent by {@link LargeCaptures}:
 *
 * <pre>
 *   WSABUF buffers[OverlappedRequest.CAPACITY];   // struct _WSABUF { ULONG len; CHAR *buf; }  16 bytes
 *            +0 len (4) +4 pad (4) +8 buf (8)
 * </pre>
 *
 * <p>Only the array of descriptors is copied; the data buffers they point to are never read,
 * written or copied by jwsp (the caller owns them until completion, the lower provider reads
 * them). The caller's array is bounded with {@code reinterpret} to exactly
 * {@code dwBufferCount * sizeof(WSABUF)} bytes, copied first and validated from the copy, so a
 * caller that rewrites its array during the call cannot make jwsp see two versions.
 *
 * <p>Thread: written by the thread that calls WSPSend (before the request is published to the
 * socket's queue under its lock), read afterwards by whichever thread issues the lower send.
 * Memory: owned by the {@link RequestSlab}'s arena; nothing is allocated per capture.
 *
 * <p><b>Sizes.</b> A {@code len} is a ULONG and every byte count of the SPI a DWORD, so both are
 * read and carried as unsigned 32-bit values (in a {@code long} where Java needs one): a
 * {@code WSABUF} of 2 GiB or more is a buffer like any other, and a send may total up to
 * {@link #MAX_TOTAL}. Beyond that no DWORD count could report it (see {@link #MAX_TOTAL}). A lower
 * send takes at most {@link #LOWER_SEND_MAX} bytes: the queue and the synchronous path split a
 * larger send into lower sends of that size ({@link #copyTo}, {@link #entriesWithin}).
 */
final class WsaBufCapture {

    /** sizeof(WSABUF), from the jextract layout. */
    static final long SIZEOF_WSABUF = WSABUF.layout().byteSize();
    /** alignof(WSABUF): its buf pointer's. */
    static final long ALIGNOF_WSABUF = WSABUF.layout().byteAlignment();
    private static final long OFFSETOF_LEN = WSABUF.len$offset();
    private static final long OFFSETOF_BUF = WSABUF.buf$offset();
    /**
     * Largest total one send may have: 2^32 - 1, the most a DWORD ({@code lpNumberOfBytesSent},
     * {@code cbTransferred}, the completion packet's count) can report. A larger total is refused
     * with WSAEINVAL ({@link WsaCondition#TOTAL_OVER_DWORD}) rather than sent: reporting it would
     * wrap the count (the caller would resend bytes the peer already has), and sending only what
     * fits would be a short count that an overlapped or blocking stream send never reports.
     */
    static final long MAX_TOTAL = 0xFFFF_FFFFL;
    /**
     * Most bytes jwsp hands the lower provider in one WSPSend: Linux's {@code MAX_RW_COUNT}
     * ({@code INT_MAX} rounded down to a page), the most one {@code sendmsg} moves, so the host's
     * base provider never cuts a send short; below 2^31, so a lower provider that keeps lengths or
     * counts in an {@code int} takes it too. Larger sends go down in parts, in order.
     */
    static final long LOWER_SEND_MAX = 0x7FFF_F000L;
    /** A ULONG read into an int, as its unsigned value. */
    private static final long ULONG = 0xFFFF_FFFFL;

    /** The request record's own array, of {@link #capacity} entries. */
    private final MemorySegment inline;
    private final int capacity;
    private final LargeCaptures large;
    /** The array in use: {@link #inline}, or the block borrowed from {@link #large}. */
    private MemorySegment array;
    /** Number of the borrowed block, or -1. */
    private int borrowed = -1;
    private int count;
    private long totalBytes;
    /** Entries dropped from the front by {@link #skipSent} (a capture sent alone, partly). */
    private int first;
    /** Bytes {@link #skipSent} has trimmed away so far. */
    private long trimmed;

    WsaBufCapture(MemorySegment inline, int capacity, LargeCaptures large) {
        this.inline = inline;
        this.array = inline;
        this.capacity = capacity;
        this.large = large;
    }

    /**
     * Copies {@code count} descriptors from the caller's {@code lpBuffers} and validates them.
     *
     * @return null when captured, else the one condition that refuses it (nothing kept)
     */
    WsaCondition capture(long lpBuffers, int count) {
        clear();
        if (count < 0 || count > LargeCaptures.MAX_BUFFERS) {
            return WsaCondition.TOO_MANY_BUFFERS;
        }
        if (count > 0 && !CallerPointers.plausible(lpBuffers, count * SIZEOF_WSABUF, ALIGNOF_WSABUF)) {
            return WsaCondition.BUFFERS_NOT_IN_USER_SPACE;
        }
        if (count > capacity) {
            int block = large.borrow();
            if (block < 0) {
                return WsaCondition.TOO_MANY_OUTSTANDING;
            }
            borrowed = block;
            array = large.block(block);
        }
        if (count > 0) { // an lpBuffers with no entries is never touched, whatever it holds
            CallerMemory.copyIn(lpBuffers, array, count * SIZEOF_WSABUF); // exactly dwBufferCount WSABUFs
        }
        long total = sum(array.address(), count);
        if (total < 0) {
            clear();
            return WsaCondition.values()[(int) (-total - 1)];
        }
        this.count = count;
        this.totalBytes = total;
        return null;
    }

    /**
     * Checks the caller's own array of {@code count} WSABUFs (a synchronous send, read in place):
     * first that the array may be touched at all ({@link CallerPointers#plausible}), then each entry
     * as {@link #sum} does; only those {@code count} entries are read.
     *
     * @return the total byte count, or {@code -(1 + condition.ordinal())} for the condition that refuses it
     */
    static long validate(long wsabufs, int count) {
        if (count > 0 && !CallerPointers.plausible(wsabufs, count * SIZEOF_WSABUF, ALIGNOF_WSABUF)) {
            return -1 - WsaCondition.BUFFERS_NOT_IN_USER_SPACE.ordinal();
        }
        return sum(wsabufs, count);
    }

    /**
     * Sums the lengths of {@code count} WSABUFs at {@code wsabufs}, which jwsp may read (a capture
     * of its own, or a caller array {@link #validate} admitted). A buffer with bytes must lie in
     * user space ({@link CallerMemory#inUserSpace(long, long)}: jwsp never touches the data, the lower provider
     * reads them and answers for what is unmapped there).
     *
     * @return the total byte count, or {@code -(1 + condition.ordinal())} for the condition that refuses it
     */
    private static long sum(long wsabufs, int count) {
        long total = 0;
        for (int i = 0; i < count; i++) {
            long at = wsabufs + i * SIZEOF_WSABUF;
            long len = CallerMemory.getInt(at + OFFSETOF_LEN) & ULONG;
            long buf = CallerMemory.getLong(at, OFFSETOF_BUF);
            if (len > 0 && !CallerMemory.inUserSpace(buf, len)) {
                return -1 - WsaCondition.BUFFERS_NOT_IN_USER_SPACE.ordinal();
            }
            total += len; // at most 1024 * (2^32 - 1): no overflow
            if (total > MAX_TOTAL) {
                return -1 - WsaCondition.TOTAL_OVER_DWORD.ordinal();
            }
        }
        return total;
    }

    /**
     * Data address of entry {@code i} of the WSABUF array at {@code wsabufs} (a capture, or a
     * synchronous caller's array already {@link #validate}d); by address, so a filter's view of a
     * send makes no segment per send.
     */
    static long address(long wsabufs, int i) {
        return CallerMemory.getLong(wsabufs + i * SIZEOF_WSABUF, OFFSETOF_BUF);
    }

    /** Length of entry {@code i} of the WSABUF array at {@code wsabufs} (see {@link #address}), a ULONG: 0 to 2^32 - 1. */
    static long length(long wsabufs, int i) {
        return CallerMemory.getInt(wsabufs + i * SIZEOF_WSABUF + OFFSETOF_LEN) & ULONG;
    }

    int count() {
        return count;
    }

    long totalBytes() {
        return totalBytes;
    }

    /** The captured array, to hand to the lower provider as its lpBuffers. */
    MemorySegment array() {
        return array;
    }

    /**
     * Appends the captured descriptors from entry {@code from} on to a gather array, skipping
     * their first {@code skip} bytes (already sent by a short lower completion) and stopping after
     * {@code limit} bytes (a lower send's most, {@link #LOWER_SEND_MAX}; the last entry written is
     * cut there). Only descriptors are written: the data stay put.
     *
     * @return the number of entries written at {@code gather[at...]}, or -1 if they do not fit
     */
    int copyTo(MemorySegment gather, int at, int gatherCapacity, int from, long skip, long limit) {
        int written = 0;
        for (int i = from; i < count && limit > 0; i++) {
            long len = entryLength(i);
            if (skip >= len) {
                skip -= len;
                continue;
            }
            if (at + written >= gatherCapacity) {
                return -1;
            }
            long take = Math.min(len - skip, limit);
            long dst = (at + written) * SIZEOF_WSABUF;
            gather.set(ValueLayout.JAVA_INT_UNALIGNED, dst + OFFSETOF_LEN, (int) take);
            gather.set(ValueLayout.JAVA_LONG_UNALIGNED, dst + OFFSETOF_BUF, array.get(ValueLayout.JAVA_LONG_UNALIGNED, i * SIZEOF_WSABUF + OFFSETOF_BUF) + skip);
            limit -= take;
            skip = 0;
            written++;
        }
        return written;
    }

    /**
     * How many whole entries from {@code from} on fit in {@code limit} bytes together: a lower
     * send may take them from the capture in place; 0 when entry {@code from} alone is larger.
     */
    int entriesWithin(int from, long limit) {
        int n = 0;
        for (int i = from; i < count; i++, n++) {
            limit -= entryLength(i);
            if (limit < 0) {
                break;
            }
        }
        return n;
    }

    /**
     * Drops the first {@code sent} bytes of a capture that goes to the lower provider alone and
     * from itself (more entries than a gather array holds), after a short lower completion:
     * entries wholly sent are skipped, a partly sent one is trimmed in place. Idempotent for the
     * same {@code sent}; {@link #totalBytes} keeps the original total.
     *
     * @return the index of the first entry still to send ({@link #count} when none is left)
     */
    int skipSent(long sent) {
        long skip = sent - trimmed;
        while (first < count && skip >= entryLength(first)) {
            skip -= entryLength(first);
            first++;
        }
        if (first < count && skip > 0) {
            long at = first * SIZEOF_WSABUF;
            array.set(ValueLayout.JAVA_INT_UNALIGNED, at + OFFSETOF_LEN, (int) (entryLength(first) - skip)); // a ULONG again
            array.set(ValueLayout.JAVA_LONG_UNALIGNED, at + OFFSETOF_BUF, array.get(ValueLayout.JAVA_LONG_UNALIGNED, at + OFFSETOF_BUF) + skip);
        }
        trimmed = sent;
        return first;
    }

    /** Length of captured entry {@code i}, unsigned. */
    private long entryLength(int i) {
        return array.get(ValueLayout.JAVA_INT_UNALIGNED, i * SIZEOF_WSABUF + OFFSETOF_LEN) & ULONG;
    }

    /** Forgets the capture and gives a borrowed block back (the request goes back to the pool). */
    void clear() {
        count = 0;
        totalBytes = 0;
        first = 0;
        trimmed = 0;
        if (borrowed >= 0) {
            large.giveBack(borrowed);
            borrowed = -1;
            array = inline;
        }
    }
}
