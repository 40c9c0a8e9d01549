package org.jwsp.provider;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.AddressSignatures;
import org.jwsp.bindings.CallerMemory;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.WSATHREADID;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.provider.filter.SendFilter;

/**
 * WSPSend, to the letter of the seed (seed/LPWSPSEND.txt with the header's nine parameters).
 * Called through the {@code lpWSPSend} upcall stub on the client's thread; never throws into
 * native code. Order of the checks, each one condition of {@link WsaCondition}: socket, flags,
 * shutdown, buffers, message size, pool, filter; then the send goes to the socket's
 * {@link SubmissionQueue} (overlapped) or straight to the lower provider (nonoverlapped).
 * Under the socket lock it checks again that the handle still names the socket it resolved to
 * ({@link SocketContext#stillOpen}): a close, and a new socket in the same slot, may have come
 * in between. An overlapped send lives its life through {@link OverlappedRequests}. A send the
 * filter passed or delayed is reported to its {@code onComplete} once: a synchronous one here,
 * after the lower call and before returning; an overlapped one by {@link CompletionDelivery}
 * before its indication (or by {@link OverlappedRequests#end} if it was refused after all).
 * Byte counts are unsigned 32-bit; a send larger than one lower send takes
 * ({@link WsaBufCapture#LOWER_SEND_MAX}) goes down in parts: an overlapped one through its
 * socket's queue, a synchronous one through {@link LargeSynchronousSend}.
 *
 * <p>Allocates nothing per call: the request, its capture and OVERLAPPED are pooled, the
 * out-parameters are per-thread ({@link ThreadScratch}), and the filter's view is a per-thread
 * flyweight. Logs only at DEBUG.
 */
final class SendPath {

    private static final int MSG_OOB = ws2spi_h.MSG_OOB();
    private static final int MSG_PARTIAL = ws2spi_h.MSG_PARTIAL();
    private static final int KNOWN_FLAGS = MSG_OOB | ws2spi_h.MSG_DONTROUTE() | MSG_PARTIAL;
    private static final int SOCK_STREAM = ws2spi_h.SOCK_STREAM();
    private static final int PENDING = ws2spi_h.WSA_IO_PENDING();
    /** Bound on dwBufferCount for a synchronous send (its array is not captured). */
    static final int SYNC_MAX_BUFFERS = 1024;

    private final SocketTable sockets;
    private final OverlappedRequests requests;
    private final CompletionDelivery delivery;
    /** The installed filter ({@link SendFilter#PASS_THROUGH} when none); swapped by {@link #setFilter}, read once per send. */
    private volatile SendFilter filter;

    SendPath(SocketTable sockets, OverlappedRequests requests, CompletionDelivery delivery, SendFilter filter) {
        this.sockets = sockets;
        this.requests = requests;
        this.delivery = delivery;
        this.filter = filter;
    }

    /** {@link LayeredProvider#setFilter}: sends from now on ask {@code f}. */
    void setFilter(SendFilter f) {
        this.filter = f;
    }

    /**
     * {@link LayeredProvider#releaseDelayed}: the send a filter held with DELAY (named by its
     * ticket), and the sends queued behind it, go on to the lower provider. Any thread.
     *
     * @return false if the ticket names no held send (already released, or the socket closed)
     */
    boolean releaseDelayed(long ticket) {
        OverlappedRequest r = requests.ofTicket(ticket);
        if (r == null || r.socket == null) {
            return false;
        }
        SocketContext c = r.socket;
        ThreadScratch sc = ThreadScratch.get();
        OverlappedRequest done;
        synchronized (c) {
            if (r.ticket() != ticket) {
                return false;
            }
            if (r.filtering) {
                // Released before the filter's DELAY was acted on: remember it, so nothing is held.
                return r.releaseWhileFiltering();
            }
            if (!r.held) {
                return false;
            }
            c.queue.release(r, sc);
            done = c.queue.takeDone();
        }
        delivery.deliverAll(done, sc);
        return true;
    }

    /**
     * The lpWSPSend entry. Its stub is made from {@link AddressSignatures#LPWSPSEND}: the pointer parameters
     * arrive as addresses (same registers as pointers in the x64 ABI), so the upcall materialises
     * no MemorySegment per call; each pointer is bounded here, locally, to what the contract covers.
     */
    int send(long s, long lpBuffers, int count, long lpSent, int flags, long lpOverlapped, long routine, long lpThreadId,
             long lpErrno) {
        long errno = lpErrno;
        if (!CallerPointers.plausible(lpErrno, 4, 4)) {
            return Errno.SOCKET_ERROR; // no way to say why, so nothing is initiated (CONTRACT.md)
        }
        try {
            ThreadScratch sc = ThreadScratch.get();
            SocketContext ctx = sockets.socketOf(s, sc);
            if (ctx == null) {
                return Errno.fail(errno, WsaCondition.NOT_A_SOCKET);
            }
            // What the handle resolved to: checked again under the socket lock, where a close and a
            // reuse of the slot since then are seen (the slot's new socket has a new value).
            long resolved = sc.resolved;
            if ((flags & ~KNOWN_FLAGS) != 0) {
                return Errno.fail(errno, WsaCondition.UNKNOWN_FLAGS);
            }
            if ((flags & MSG_PARTIAL) != 0) {
                return Errno.fail(errno, WsaCondition.PARTIAL_NOT_SUPPORTED);
            }
            if ((flags & MSG_OOB) != 0 && ctx.type != SOCK_STREAM) {
                return Errno.fail(errno, WsaCondition.OOB_ON_NON_STREAM);
            }
            if (ctx.shutdownSend) {
                return Errno.fail(errno, WsaCondition.SHUT_DOWN);
            }
            // Nonoverlapped socket: lpOverlapped, lpCompletionRoutine and lpThreadId are ignored
            // (CONTRACT.md: what Windows does). Overlapped socket with both null: nonoverlapped call.
            if (!ctx.overlapped || (lpOverlapped == 0 && routine == 0)) {
                return sendSynchronous(ctx, resolved, lpBuffers, count, lpSent, flags, errno, sc);
            }
            return sendOverlapped(ctx, resolved, lpBuffers, count, lpSent, flags, lpOverlapped, routine, lpThreadId, errno, sc);
        } catch (Throwable t) {
            return Errno.fault(errno, "WSPSend", t);
        }
    }

    private int sendOverlapped(SocketContext ctx, long resolved, long lpBuffers, int count, long lpSent, int flags, long lpOverlapped,
                               long routine, long lpThreadId, long errno, ThreadScratch sc) {
        WsaCondition badPointer = CallerPointers.overlappedSendPointers(lpSent, lpOverlapped, routine, lpThreadId);
        if (badPointer != null) {
            return Errno.fail(errno, badPointer);
        }
        OverlappedRequest r = requests.acquire(OverlappedRequest.SEND, ctx, lpOverlapped, routine, lpThreadId);
        if (r == null) {
            return Errno.fail(errno, WsaCondition.TOO_MANY_OUTSTANDING);
        }
        try {
            return issue(ctx, resolved, r, lpBuffers, count, lpSent, flags, errno, sc);
        } finally {
            requests.end(r, sc);
        }
    }

    /**
     * An overlapped TransmitFile ({@link TransmitFunctions}): the life of an overlapped send, its
     * request of kind TRANSMIT, its capture the head and tail buffers ({@code lpBuffers}, two
     * WSABUFs), so the filter sees it and it takes its place in the socket's send order; the
     * queue issues it with the lower TransmitFile.
     */
    int sendTransmit(SocketContext ctx, long resolved, long lpBuffers, long lpOverlapped, long file, int toWrite, int perSend,
                     int tfFlags, long lowerFunction, LowerTransmit transmitter, long errno, ThreadScratch sc) {
        OverlappedRequest r = requests.acquire(OverlappedRequest.TRANSMIT, ctx, lpOverlapped, 0, 0);
        if (r == null) {
            return Errno.fail(errno, WsaCondition.TOO_MANY_OUTSTANDING);
        }
        try {
            r.transmitFile = file;
            r.transmitBytes = toWrite;
            r.transmitPerSend = perSend;
            r.transmitFlags = tfFlags;
            r.transmitFunction = lowerFunction;
            r.transmitter = transmitter;
            // TransmitFile's file offset travels in the OVERLAPPED: the lower provider reads it from jwsp's.
            r.overlapped.set(ValueLayout.JAVA_INT, OVERLAPPED.Offset$offset(),
                    CallerMemory.getInt(lpOverlapped, OVERLAPPED.Offset$offset()));
            r.overlapped.set(ValueLayout.JAVA_INT, OVERLAPPED.OffsetHigh$offset(),
                    CallerMemory.getInt(lpOverlapped, OVERLAPPED.OffsetHigh$offset()));
            return issue(ctx, resolved, r, lpBuffers, 2, 0, 0, errno, sc);
        } finally {
            requests.end(r, sc);
        }
    }

    /**
     * An overlapped TransmitPackets ({@link PacketFunctions}): like {@link #sendTransmit}, its
     * capture the WSABUFs of its memory elements ({@code wsabufs}, {@code memoryCount}); the copy of
     * its element array, LargeCaptures block {@code block} (-1 when it has no elements), is the
     * request's from here on (given back when the request is released; here, if no request is free).
     */
    int sendPackets(SocketContext ctx, long resolved, long wsabufs, int memoryCount, long lpOverlapped, int block, int elements,
                    long fileBytes, int sendSize, int tpFlags, long lowerFunction, PacketFunctions transmitter, long errno,
                    ThreadScratch sc) {
        OverlappedRequest r = requests.acquire(OverlappedRequest.TRANSMIT, ctx, lpOverlapped, 0, 0);
        if (r == null) {
            transmitter.giveBack(block);
            return Errno.fail(errno, WsaCondition.TOO_MANY_OUTSTANDING);
        }
        try {
            r.ownPackets(block, elements, fileBytes);
            r.transmitPerSend = sendSize;
            r.transmitFlags = tpFlags;
            r.transmitFunction = lowerFunction;
            r.transmitter = transmitter;
            return issue(ctx, resolved, r, wsabufs, memoryCount, 0, 0, errno, sc);
        } finally {
            requests.end(r, sc);
        }
    }

    /** The installed filter ({@link SendFilter#PASS_THROUGH} when none). */
    SendFilter filter() {
        return filter;
    }

    /** Capture, filter, queue: the send's part between acquire and {@link OverlappedRequests#end}. */
    private int issue(SocketContext ctx, long resolved, OverlappedRequest r, long lpBuffers, int count, long lpSent, int flags, long errno,
                      ThreadScratch sc) {
        WsaCondition refused = r.buffers.capture(lpBuffers, count);
        if (refused == null && tooLargeForOneMessage(ctx, r.buffers.totalBytes())) {
            refused = WsaCondition.MESSAGE_TOO_LARGE;
        }
        if (refused != null) {
            return Errno.fail(errno, refused);
        }
        r.flags = flags;
        int verdict = SendFilter.PASS;
        SendFilter f = filter;
        if (f != SendFilter.PASS_THROUGH) {
            // The ticket may reach another thread that releases it before this verdict is acted on.
            r.filterSees();
            r.acceptedNanos = System.nanoTime();
            r.callerThread = Thread.currentThread().threadId();
            verdict = filter(f, sc.facts.aim(ctx, true, r.buffers.array().address(), r.buffers.count(), r.buffers.totalBytes(), flags, r.ticket(),
                    r.acceptedNanos, r.callerThread).fileBytes(r.fileBytes()));
            sc.facts.clear();
            if (verdict <= 0) {
                r.watcher = f; // published with the send under the socket lock below
            }
        }
        if (verdict > 0) {
            synchronized (ctx) {
                r.filterDecided(false);
            }
            Errno.set(errno, verdict);
            return Errno.SOCKET_ERROR;
        }
        requests.markInProgress(r);
        int rc;
        OverlappedRequest done = null;
        synchronized (ctx) {
            r.filterDecided(verdict == SendFilter.DELAY);
            if (!ctx.stillOpen(resolved)) {
                rc = requests.refuse(r, WsaCondition.NOT_A_SOCKET.code());
            } else {
                requests.accept(r);
                rc = ctx.queue.submit(r, sc);
                if (rc != SubmissionQueue.CALL_LOWER) {
                    rc = accepted(ctx, r, rc);
                    done = ctx.queue.takeDone(); // a send issued in parts, which may all have completed at once
                }
            }
        }
        if (rc == SubmissionQueue.CALL_LOWER) {
            // The socket was idle: this thread issues its send, outside the lock (LowerIssue); sends
            // that come meanwhile queue behind it.
            int lower = ctx.queue.issue.call(ctx, sc);
            synchronized (ctx) {
                rc = accepted(ctx, r, ctx.queue.submitted(r, lower, sc));
                done = ctx.queue.takeDone(); // its own completion, if its packet came first; sends refused behind it
            }
        }
        delivery.deliverAll(done, sc); // and issues what waited, if this thread took that job
        if (rc == 0) {
            if (lpSent != 0) {
                CallerMemory.putInt(lpSent, r.transferred);
            }
            // Completed at once: the indication is given before returning 0, as the seed requires;
            // a routine that cannot be queued makes it no success (the caller would wait forever).
            return requests.deliverAtOnce(r, sc) ? 0 : Errno.fail(errno, WsaCondition.ROUTINE_NOT_QUEUED);
        }
        Errno.set(errno, rc);
        return Errno.SOCKET_ERROR;
    }

    /** Under the socket lock: the queue's answer to {@code r} (0, WSA_IO_PENDING or a refusal) recorded in its life. */
    private int accepted(SocketContext ctx, OverlappedRequest r, int result) {
        int rc = requests.issued(r, result);
        if (r.kind == OverlappedRequest.TRANSMIT && (rc == 0 || rc == PENDING)) {
            TransmitFunctions.accepted(ctx, r, rc == 0);
        }
        return rc;
    }

    private int sendSynchronous(SocketContext ctx, long resolved, long lpBuffers, int count, long lpSent, int flags,
                                long errno, ThreadScratch sc) {
        if (!CallerPointers.plausible(lpSent, 4, 4)) {
            return Errno.fail(errno, WsaCondition.BYTES_SENT_MISSING);
        }
        if (count < 0 || count > SYNC_MAX_BUFFERS) {
            return Errno.fail(errno, WsaCondition.TOO_MANY_BUFFERS);
        }
        if (count > 0 && lpBuffers == 0) {
            return Errno.fail(errno, WsaCondition.BUFFERS_NOT_IN_USER_SPACE);
        }
        long total = WsaBufCapture.validate(lpBuffers, count);
        if (total < 0) {
            return Errno.fail(errno, WsaCondition.values()[(int) (-total - 1)]);
        }
        if (tooLargeForOneMessage(ctx, total)) {
            return Errno.fail(errno, WsaCondition.MESSAGE_TOO_LARGE);
        }
        SendFilter f = filter;
        if (f == SendFilter.PASS_THROUGH) {
            return sendSynchronousLower(ctx, resolved, lpBuffers, count, total, lpSent, flags, errno, sc);
        }
        long accepted = System.nanoTime();
        long caller = Thread.currentThread().threadId();
        int verdict = filter(f, sc.facts.aim(ctx, false, lpBuffers, count, total, flags, 0, accepted, caller));
        sc.facts.clear();
        if (verdict > 0) {
            Errno.set(errno, verdict);
            return Errno.SOCKET_ERROR;
        }
        int rc = sendSynchronousLower(ctx, resolved, lpBuffers, count, total, lpSent, flags, errno, sc);
        // The call has not returned: the buffers are still the caller's, and the filter may read them now.
        int error = rc == 0 || errno == 0 ? 0 : CallerMemory.getInt(errno);
        long bytes = rc == 0 ? CallerMemory.getInt(lpSent) & 0xFFFFFFFFL : 0;
        CompletionDelivery.tellFilter(f, sc.completed.aim(ctx, false, lpBuffers, count, total, flags, 0, accepted, caller), error, bytes);
        sc.completed.clear();
        return rc;
    }

    /**
     * A message-oriented socket's message that cannot go out whole: larger than SO_MAX_MSG_SIZE,
     * or than one lower send takes ({@link WsaBufCapture#LOWER_SEND_MAX}: a message is never split).
     */
    private static boolean tooLargeForOneMessage(SocketContext ctx, long total) {
        return ctx.messageOriented && (total > ctx.maxMessageSize || total > WsaBufCapture.LOWER_SEND_MAX);
    }

    /** The lower WSPSend of a synchronous send, after jwsp's own queued sends of the socket. */
    private int sendSynchronousLower(SocketContext ctx, long resolved, long lpBuffers, int count, long total, long lpSent, int flags,
                                     long errno, ThreadScratch sc) {
        int entered = enterSynchronous(ctx, resolved, errno);
        if (entered != 0) {
            return entered;
        }
        try {
            if (total > WsaBufCapture.LOWER_SEND_MAX) {
                return LargeSynchronousSend.send(ctx, lpBuffers, count, lpSent, flags, errno, sc);
            }
            return ctx.lower.sendRaw(ctx.lowerHandle, lpBuffers, count, lpSent, flags, 0L, errno);
        } finally {
            leaveSynchronous(ctx, sc);
        }
    }

    /**
     * A synchronous send's turn (WSPSend, a TransmitFile without OVERLAPPED): after jwsp's own
     * queued overlapped sends of the socket (waiting for them, or WSAEWOULDBLOCK when nonblocking);
     * 0, and the caller calls the lower provider and then {@link #leaveSynchronous}; else
     * SOCKET_ERROR with the code.
     */
    int enterSynchronous(SocketContext ctx, long resolved, long errno) {
        synchronized (ctx) {
            if (!ctx.stillOpen(resolved)) {
                return Errno.fail(errno, WsaCondition.NOT_A_SOCKET);
            }
            // Keep the order: jwsp's own queued overlapped sends go first.
            if (!ctx.queue.drained()) {
                if (ctx.nonBlocking) {
                    return Errno.fail(errno, WsaCondition.WOULD_BLOCK_BEHIND_QUEUE);
                }
                try {
                    ctx.queue.await(SubmissionQueue.Until.DRAINED_OR_CLOSING, 0);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Errno.fail(errno, WsaCondition.PROVIDER_FAULT);
                }
            }
            if (!ctx.stillOpen(resolved)) {
                return Errno.fail(errno, WsaCondition.NOT_A_SOCKET);
            }
            if (ctx.queue.broken() != 0) {
                return Errno.fail(errno, WsaCondition.STREAM_BROKEN);
            }
            ctx.queue.beginSync();
            return 0;
        }
    }

    /** A synchronous send left the lower provider: the sends that queued behind it go on. */
    void leaveSynchronous(SocketContext ctx, ThreadScratch sc) {
        OverlappedRequest done;
        synchronized (ctx) {
            ctx.queue.endSync(sc);
            done = ctx.queue.takeDone();
        }
        delivery.deliverAll(done, sc); // and issues what queued behind it (LowerIssue)
    }

    /** The filter's verdict: PASS (0), DELAY (-1), or a WSAE code (&gt; 0). */
    static int filter(SendFilter f, SendFacts facts) {
        int verdict;
        try {
            verdict = f.onSend(facts);
        } catch (Throwable t) {
            Errno.fault(MemorySegment.NULL, "SendFilter.onSend", t);
            return WsaCondition.PROVIDER_FAULT.code();
        }
        if (verdict == SendFilter.PASS || verdict == SendFilter.DELAY) {
            return verdict;
        }
        return verdict >= 10000 && verdict < 12000 ? verdict : WsaCondition.FILTER_GAVE_NO_WSAE_CODE.code();
    }
}
