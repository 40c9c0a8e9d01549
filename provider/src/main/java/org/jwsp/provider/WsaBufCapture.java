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
 */
final class WsaBufCapture {

    /** sizeof(WSABUF), from the jextract layout. */
    static final long SIZEOF_WSABUF = WSABUF.layout().byteSize();
    /** alignof(WSABUF): its buf pointer's. */
    static final long ALIGNOF_WSABUF = WSABUF.layout().byteAlignment();
    private static final long OFFSETOF_LEN = WSABUF.len$offset();
    private static final long OFFSETOF_BUF = WSABUF.buf$offset();
    /** Largest total a DWORD byte count can report without looking negative to a Java int. */
    static final long MAX_TOTAL = Integer.MAX_VALUE;

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
            int len = CallerMemory.getInt(at + OFFSETOF_LEN);
            long buf = CallerMemory.getLong(at, OFFSETOF_BUF);
            if (len < 0) {
                return -1 - WsaCondition.NEGATIVE_LENGTH.ordinal();
            }
            if (len > 0 && !CallerMemory.inUserSpace(buf, len)) {
                return -1 - WsaCondition.BUFFERS_NOT_IN_USER_SPACE.ordinal();
            }
            total += len;
            if (total > MAX_TOTAL) {
                return -1 - WsaCondition.NEGATIVE_LENGTH.ordinal();
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

    /** Length of entry {@code i} of the WSABUF array at {@code wsabufs} (see {@link #address}). */
    static int length(long wsabufs, int i) {
        return CallerMemory.getInt(wsabufs + i * SIZEOF_WSABUF + OFFSETOF_LEN);
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
     * Appends the captured descriptors to a gather array, skipping the first {@code skip} bytes
     * (already sent by a short lower completion). Only descriptors are written: the data stay put.
     *
     * @return the number of entries written at {@code gather[at...]}, or -1 if they do not fit
     */
    int copyTo(MemorySegment gather, int at, int gatherCapacity, long skip) {
        int written = 0;
        for (int i = 0; i < count; i++) {
            long src = i * SIZEOF_WSABUF;
            int len = array.get(ValueLayout.JAVA_INT_UNALIGNED, src + OFFSETOF_LEN);
            long buf = array.get(ValueLayout.JAVA_LONG_UNALIGNED, src + OFFSETOF_BUF);
            if (skip >= len) {
                skip -= len;
                continue;
            }
            if (at + written >= gatherCapacity) {
                return -1;
            }
            long dst = (at + written) * SIZEOF_WSABUF;
            gather.set(ValueLayout.JAVA_INT_UNALIGNED, dst + OFFSETOF_LEN, (int) (len - skip));
            gather.set(ValueLayout.JAVA_LONG_UNALIGNED, dst + OFFSETOF_BUF, buf + skip);
            skip = 0;
            written++;
        }
        return written;
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
            array.set(ValueLayout.JAVA_INT_UNALIGNED, at + OFFSETOF_LEN, (int) (entryLength(first) - skip));
            array.set(ValueLayout.JAVA_LONG_UNALIGNED, at + OFFSETOF_BUF, array.get(ValueLayout.JAVA_LONG_UNALIGNED, at + OFFSETOF_BUF) + skip);
        }
        trimmed = sent;
        return first;
    }

    private int entryLength(int i) {
        return array.get(ValueLayout.JAVA_INT_UNALIGNED, i * SIZEOF_WSABUF + OFFSETOF_LEN);
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
