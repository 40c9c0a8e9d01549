package org.jwsp.provider;

import org.jwsp.bindings.CallerMemory;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.util.concurrent.atomic.AtomicInteger;

import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.WSABUF;
import org.jwsp.bindings.windows.WSATHREADID;
import org.jwsp.provider.filter.SendFilter;

/**
 * One pooled overlapped operation of jwsp: a WSPSend (kind {@link #SEND}), a TransmitFile or
 * TransmitPackets (kind {@link #TRANSMIT}: a send of the socket's order whose memory parts are its
 * capture; a TransmitPackets also owns the copy of its element array, a {@link LargeCaptures} block) or
 * another overlapped call passed through to the lower provider (kind {@link #PROXY}: WSPRecv,
 * WSPRecvFrom, WSPSendTo, WSPIoctl, the other extension functions). Its native record, a slice of the {@link RequestSlab}:
 *
 * <pre>
 *   struct OverlappedRequestRecord {
 *       OVERLAPPED  overlapped;               // +0   handed to the lower provider: the completion
 *                                            //      address IS this request (RequestSlab.ofOverlapped)
 *       WSATHREADID threadId;                 // +32  copy of the caller's *lpThreadId (not the pointer)
 *       WSABUF      buffers[CAPACITY];        // +48  the captured WSABUF array (WsaBufCapture)
 *   };
 * </pre>
 *
 * <p>Life cycle, written once in {@link OverlappedRequests}: acquire (caller thread, the
 * caller's reference) → capture and fill → mark the caller's OVERLAPPED in progress → accept
 * (the operation's reference) and publish into the socket's {@link SubmissionQueue} or hand
 * to the lower provider under the socket lock (the lock is the happens-before edge to the
 * completion worker) → complete (completion worker, or the caller thread when the lower
 * provider completed at once) → deliver ({@link CompletionDelivery}) → the caller's
 * {@code end} in a {@code finally} → release when {@link #refs} reaches zero.
 *
 * <p>Fields other than {@link #refs} are plain: each is written by the thread that owns the
 * request at that stage and handed over through the socket lock, the completion port, or
 * WPUQueueApc (each a full fence in every host).
 */
final class OverlappedRequest {

    /** WSABUF entries the record itself holds; a longer array borrows a {@link LargeCaptures} block. */
    static final int CAPACITY = 64;
    static final int SEND = 0;
    static final int PROXY = 1;
    /** A TransmitFile or TransmitPackets: a send of the socket's order ({@link SubmissionQueue}), issued by its {@link #transmitter}. */
    static final int TRANSMIT = 2;

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
    /** Where {@link #packetBlock} is borrowed from and given back to. */
    private final LargeCaptures large;
    /** The caller's (until its entry returns), the operation's (until delivered), +1 while its APC is queued; release at 0. */
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
    /**
     * Bytes of this send consumed by earlier lower sends (short completions, or the parts of a
     * send larger than one lower send takes): 0 to 2^32 - 1. Guarded by the socket lock.
     */
    long sent;
    /** The completion indication was already given by the caller thread (immediate completion). */
    boolean deliveredEarly;
    /**
     * A send led by this request is at the lower provider and its completion packet is due.
     * Guarded by the socket lock; a packet that finds it false is a second completion and dropped.
     */
    boolean atLower;
    /** Where the caller's part of the life is ({@link OverlappedRequests#ACQUIRED}...). Caller thread only. */
    int stage;
    /** The caller's OVERLAPPED was marked in progress. Caller thread only. */
    boolean marked;
    /**
     * The filter that passed or delayed this send, told of its completion by {@link CompletionDelivery}
     * (or of its refusal by {@link OverlappedRequests#end}); null when no filter saw it. Written by the
     * sending thread before the send is published under the socket lock.
     */
    SendFilter watcher;
    /** System.nanoTime() when jwsp accepted the send, and the calling thread's id (set only while a filter is installed). */
    long acceptedNanos;
    long callerThread;
    /**
     * TransmitFile's file handle, nNumberOfBytesToWrite, nNumberOfBytesPerSend (TransmitPackets'
     * nSendSize), dwFlags and the lower function (kind TRANSMIT).
     */
    long transmitFile;
    int transmitBytes;
    int transmitPerSend;
    int transmitFlags;
    long transmitFunction;
    /** Issues a TRANSMIT request to the lower provider ({@link TransmitFunctions}, {@link PacketFunctions}). */
    LowerTransmit transmitter;
    /**
     * A TransmitPackets' copy of its TRANSMIT_PACKETS_ELEMENT array: the number of the
     * {@link LargeCaptures} block that holds it (this request's from acceptance to release), or -1;
     * its element count; and the bytes its file elements send (-1: some element sends a file's rest).
     */
    int packetBlock = -1;
    int packetCount;
    long packetFileBytes;
    /** Result to deliver. */
    int error;
    /** The byte count to deliver: a DWORD, so its bits read as unsigned (up to 2^32 - 1; {@code & 0xFFFF_FFFFL}). */
    int transferred;
    int resultFlags;

    /** Socket queue link (guarded by the socket lock). */
    OverlappedRequest next;
    /** Next member of the gathered lower send this request leads or belongs to. */
    OverlappedRequest nextInBatch;
    /** Link of a local list of requests to deliver outside the lock. */
    OverlappedRequest nextDone;
    /** Link of the per-thread list of completion routines deferred to avoid nesting. */
    OverlappedRequest nextDeferred;
    /** Links of {@link CompletionDelivery}'s list of requests whose APC is queued and has not run (guarded by its lock). */
    OverlappedRequest apcPrev;
    OverlappedRequest apcNext;
    /** On that list. Guarded by {@link CompletionDelivery}'s lock. */
    boolean apcDue;
    /**
     * jwsp's own handle to the thread the routine's APC goes to ({@link RoutinesDue#watch}), signalled
     * once it has ended; 0 when jwsp does not know that thread (the request then waits for its APC).
     */
    long watchedThread;

    OverlappedRequest(int index, MemorySegment record, LargeCaptures large) {
        this.index = index;
        this.overlapped = record.asSlice(OVERLAPPED_OFFSET, OVERLAPPED.layout());
        this.threadId = record.asSlice(THREAD_ID_OFFSET, WSATHREADID.layout());
        this.buffers = new WsaBufCapture(record.asSlice(BUFFERS_OFFSET, CAPACITY * WsaBufCapture.SIZEOF_WSABUF), CAPACITY, large);
        this.large = large;
    }

    /** Fills what every overlapped operation carries (right after acquire, caller thread). */
    void begin(int kind, SocketContext socket, long lpOverlapped, long routine, long lpThreadId) {
        this.kind = kind;
        this.socket = socket;
        this.handle = socket.handle;
        this.callerOverlappedAddress = lpOverlapped;
        this.routineAddress = routine;
        if (routine != 0) {
            // The WSATHREADID itself, not the pointer: the caller's copy may be gone by completion.
            copyThreadId(lpThreadId);
        }
    }

    /** The result to deliver: {@code error} (0 = success), {@code bytes}, {@code flags}. */
    void result(int error, int bytes, int flags) {
        this.error = error;
        this.transferred = bytes;
        this.resultFlags = flags;
    }

    /** Out of the pool again (RequestSlab.acquire): reset, a new ticket, the caller's reference. */
    void acquired() {
        reset();
        uses++;
        refs.set(1);
    }

    /** Back to the pool (the last reference dropped): its socket and any borrowed capture block let go now. */
    void released() {
        socket = null;
        watcher = null;
        buffers.clear(); // gives a borrowed LargeCaptures block back now, not at the next acquire
        givePacketsBack();
    }

    /** The TransmitPackets element block this request owns, handed to it by {@link SendPath#sendPackets}. */
    void ownPackets(int block, int count, long fileBytes) {
        packetBlock = block;
        packetCount = count;
        packetFileBytes = fileBytes;
    }

    /** Address of the owned element array (0 when it has no elements). */
    long packetArray() {
        return packetBlock < 0 ? 0 : large.block(packetBlock).address();
    }

    private void givePacketsBack() {
        if (packetBlock >= 0) {
            large.giveBack(packetBlock);
            packetBlock = -1;
        }
        packetCount = 0;
        packetFileBytes = 0;
    }

    /** The filter is about to see this send: a release may now come before the verdict is acted on. */
    void filterSees() {
        filtering = true;
    }

    /**
     * Under the socket lock: the filter's verdict is acted on. A DELAY holds the send unless
     * its release already came ({@link #releaseWhileFiltering}).
     */
    void filterDecided(boolean delay) {
        filtering = false;
        held = delay && !releasedEarly;
    }

    /** Under the socket lock: a release arrived while the filter still runs; false if one had already. */
    boolean releaseWhileFiltering() {
        boolean first = !releasedEarly;
        releasedEarly = true;
        return first;
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

    /**
     * The bytes a TransmitFile sends from its file beyond its head and tail buffers, as a filter
     * sees them ({@link org.jwsp.provider.filter.SendView#fileBytes()}): 0 for a send or no file, -1
     * for "the rest of the file" (nNumberOfBytesToWrite 0).
     */
    long fileBytes() {
        if (kind == TRANSMIT && transmitter instanceof PacketFunctions) {
            return packetFileBytes;
        }
        if (kind != TRANSMIT || transmitFile == 0) {
            return 0;
        }
        return transmitBytes == 0 ? -1 : transmitBytes & 0xFFFF_FFFFL;
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
        atLower = false;
        stage = OverlappedRequests.ACQUIRED;
        marked = false;
        watcher = null;
        acceptedNanos = 0;
        callerThread = 0;
        transmitFile = 0;
        transmitBytes = 0;
        transmitPerSend = 0;
        transmitFlags = 0;
        transmitFunction = 0;
        transmitter = null;
        givePacketsBack();
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
