package org.jwsp.provider;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.util.concurrent.atomic.AtomicInteger;

import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.WSABUF;
import org.jwsp.bindings.windows.WSATHREADID;

/**
 * One pooled overlapped operation of jwsp: a WSPSend (kind {@link #SEND}) or another overlapped
 * call passed through to the lower provider (kind {@link #PROXY}: WSPRecv, WSPRecvFrom,
 * WSPSendTo, WSPIoctl). Its native record, a slice of the {@link RequestSlab}:
 *
 * <pre>
 *   struct SendRequestRecord {
 *       OVERLAPPED  overlapped;               // +0   handed to the lower provider: the completion
 *                                            //      address IS this request (RequestSlab.ofOverlapped)
 *       WSATHREADID threadId;                 // +32  copy of the caller's *lpThreadId (not the pointer)
 *       WSABUF      buffers[CAPACITY];        // +48  the captured WSABUF array (WsaBufCapture)
 *   };
 * </pre>
 *
 * <p>Life cycle: acquire (caller thread) → capture and fill → publish into the socket's
 * {@link SubmissionQueue} under the socket lock (the lock is the happens-before edge to the
 * completion worker) → issue → complete (completion worker, or the caller thread when the lower
 * provider completed at once) → deliver ({@link CompletionDelivery}) → release when
 * {@link #refs} reaches zero: one reference for the operation, one more while an APC is queued.
 *
 * <p>Fields other than {@link #refs} are plain: each is written by the thread that owns the
 * request at that stage and handed over through the socket lock, the completion port, or
 * WPUQueueApc (each a full fence in every host).
 */
final class SendRequest {

    /** WSABUF entries the record itself holds; a longer array borrows a {@link LargeCaptures} block. */
    static final int CAPACITY = 64;
    static final int SEND = 0;
    static final int PROXY = 1;

    static final StructLayout RECORD = MemoryLayout.structLayout(
            OVERLAPPED.layout().withName("overlapped"),
            WSATHREADID.layout().withName("threadId"),
            MemoryLayout.sequenceLayout(CAPACITY, WSABUF.layout()).withName("buffers"));
    static final long OVERLAPPED_OFFSET = RECORD.byteOffset(groupElement("overlapped"));
    private static final long THREAD_ID_OFFSET = RECORD.byteOffset(groupElement("threadId"));
    private static final long BUFFERS_OFFSET = RECORD.byteOffset(groupElement("buffers"));

    final int index;
    /** This request's own OVERLAPPED: the one the lower provider sees. */
    final MemorySegment overlapped;
    /** The copy of the caller's WSATHREADID, valid until WPUQueueApc has returned. */
    final MemorySegment threadId;
    final WsaBufCapture buffers;
    /** 1 while the operation is live, +1 while its APC is queued; release at 0. */
    final AtomicInteger refs = new AtomicInteger();

    int kind;
    /** Bumped at each acquire; with {@link #index} it makes a ticket that cannot name a reused request. */
    int uses;
    SocketContext socket;
    /** The client's handle of {@link #socket} when the operation began (what its completion is reported on). */
    long handle;
    /**
     * Address of the caller's OVERLAPPED; never 0 while live. Kept as an address, not a
     * MemorySegment, so that no object escapes per send; {@link #callerOverlapped()} bounds it.
     */
    long callerOverlappedAddress;
    /** Address of the caller's completion routine, or 0: then WPUCompleteOverlappedRequest. */
    long routineAddress;
    /** dwFlags of the send (passed down: MSG_DONTROUTE, MSG_OOB). */
    int flags;
    /** Held back by a filter's DELAY verdict until released. Guarded by the socket lock. */
    boolean held;
    /**
     * The filter has this request's ticket but the send is not queued yet. Written by the sending
     * thread before the filter runs (the filter's own hand-off of the ticket orders it before any
     * release) and cleared under the socket lock when the send is queued.
     */
    boolean filtering;
    /** A release arrived while {@link #filtering}: a DELAY verdict then holds nothing. Guarded by the socket lock. */
    boolean releasedEarly;
    /** Bytes of this send consumed by earlier short lower completions. Guarded by the socket lock. */
    long sent;
    /** The completion indication was already given by the caller thread (immediate completion). */
    boolean deliveredEarly;
    /** System.nanoTime() when jwsp accepted the send, and the calling thread's id (set only while a filter is installed). */
    long acceptedNanos;
    long callerThread;
    /** Result to deliver. */
    int error;
    int transferred;
    int resultFlags;

    /** Socket queue link (guarded by the socket lock). */
    SendRequest next;
    /** Next member of the gathered lower send this request leads or belongs to. */
    SendRequest nextInBatch;
    /** Link of a local list of requests to deliver outside the lock. */
    SendRequest nextDone;
    /** Link of the per-thread list of completion routines deferred to avoid nesting. */
    SendRequest nextDeferred;

    SendRequest(int index, MemorySegment record, LargeCaptures large) {
        this.index = index;
        this.overlapped = record.asSlice(OVERLAPPED_OFFSET, OVERLAPPED.layout());
        this.threadId = record.asSlice(THREAD_ID_OFFSET, WSATHREADID.layout());
        this.buffers = new WsaBufCapture(record.asSlice(BUFFERS_OFFSET, CAPACITY * WsaBufCapture.SIZEOF_WSABUF), CAPACITY, large);
    }

    /** The caller's OVERLAPPED, bounded to sizeof(OVERLAPPED) (a local view: do not keep it). */
    MemorySegment callerOverlapped() {
        return MemorySegment.ofAddress(callerOverlappedAddress).reinterpret(OVERLAPPED.layout().byteSize());
    }

    /** Copies the caller's WSATHREADID (bounded to its size) into this request's record. */
    void copyThreadId(long lpThreadId) {
        CallerMemory.copyIn(lpThreadId, threadId, WSATHREADID.layout().byteSize());
    }

    /** The filter's handle on this request while it is live (see {@link org.jwsp.provider.filter.SendView#ticket()}). */
    long ticket() {
        return ((long) uses << 32) | index;
    }

    /** Total bytes this request still has to send. */
    long remaining() {
        return buffers.totalBytes() - sent;
    }

    /** Resets everything but the native record's identity; called by the pool. */
    void reset() {
        kind = SEND;
        socket = null;
        handle = 0;
        callerOverlappedAddress = 0;
        routineAddress = 0;
        flags = 0;
        held = false;
        filtering = false;
        releasedEarly = false;
        sent = 0;
        deliveredEarly = false;
        acceptedNanos = 0;
        callerThread = 0;
        error = 0;
        transferred = 0;
        resultFlags = 0;
        next = null;
        nextInBatch = null;
        nextDone = null;
        nextDeferred = null;
        buffers.clear();
        overlapped.fill((byte) 0);
    }
}
