package org.jwsp.host.base;

import java.lang.foreign.MemorySegment;

/**
 * One overlapped send or receive of the base provider, from {@code WSPSend}/{@code WSPRecv} to its
 * completion: the {@code msghdr} and the {@code iovec}s captured from the caller's transient
 * {@code WSABUF} array (the data buffers themselves are never copied or read), the caller's
 * {@code OVERLAPPED}, and how to tell the caller (event, port, or completion routine via APC to
 * the thread in the caller's {@code WSATHREADID}).
 *
 * <pre>
 *   msghdr { msg_name -> name, msg_namelen, msg_iov -> iov[], msg_iovlen, msg_control 0, msg_flags }
 *   iov[i] { iov_base = WSABUF[i].buf, iov_len = WSABUF[i].len }           (capacity grows, kept)
 * </pre>
 *
 * <p>Pooled ({@link RequestPool}); its native memory belongs to the pool's arena. Filled by the
 * issuing thread, then owned by the ring until the CQE, then by the reaping thread (or, for a
 * completion routine, by the APC on the caller's thread) until {@link RequestPool#free}. The
 * hand-offs are the ring (submission is a release, reaping an acquire) and the APC queue's monitor.
 */
final class IoRequest {

    static final int SEND = 1;
    static final int RECEIVE = 2;
    /** A control ({@code WSPIoctl}) that completed at once; only its completion is indicated. */
    static final int CONTROL = 3;

    final int slot;
    final MemorySegment message;
    /** Linux {@code sockaddr_storage} for {@code WSPSendTo}'s destination. */
    final MemorySegment name;
    MemorySegment iov;
    int iovCapacity;

    int kind;
    BaseSocket socket;
    /** The address of the caller's {@code OVERLAPPED} (8-byte aligned), 0 when free. */
    long overlapped;
    long completionRoutine;
    long threadHandle;
    int msgFlags;
    /** {@code WSPRecvFrom}'s {@code lpFrom} and {@code lpFromlen} addresses, or 0. */
    long from;
    long fromLength;
    /**
     * Bytes of a stream send already moved by the nonblocking attempt at issue ({@link AtOnce});
     * the ring moves the rest and the completion reports both.
     */
    int done;
    /** Bytes a stream send asked for (its buffers' total), to tell a whole send from one cut short. */
    long wanted;
    /** {@code CancelIoEx} asked for this operation's end: a send cut short by it is aborted, not reset. */
    volatile boolean cancelled;
    /**
     * Memory this send's buffers point into that the request owns until it is finished (a
     * {@code TransmitFile}'s file data, {@link BaseTransmit}): closed when the result is written.
     */
    java.lang.foreign.Arena owned;
    /** {@code TF_DISCONNECT} (with {@code TF_REUSE_SOCKET}) of a {@code TransmitFile}: done once the send succeeded. */
    int disconnect;

    IoRequest(int slot, MemorySegment message, MemorySegment name, MemorySegment iov, int iovCapacity) {
        this.slot = slot;
        this.message = message;
        this.name = name;
        this.iov = iov;
        this.iovCapacity = iovCapacity;
    }

    /** Captures the caller's {@code WSABUF}s into this request ({@link IovecCapture}). */
    boolean capture(long buffers, int count) {
        return IovecCapture.capture(buffers, count, iov, message);
    }

    void reset() {
        cancelled = false;
        socket = null;
        overlapped = 0;
        completionRoutine = 0;
        threadHandle = 0;
        kind = 0;
        msgFlags = 0;
        from = 0;
        fromLength = 0;
        done = 0;
        wanted = 0;
        owned = null;
        disconnect = 0;
    }
}
