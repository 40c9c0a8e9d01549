package org.jwsp.provider;

import org.jwsp.bindings.AddressSignatures;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.WSATHREADID;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.provider.filter.SendFilter;

/**
 * WSPSend, to the letter of the seed (seed/LPWSPSEND.txt with the header's nine parameters).
 * Called through the {@code lpWSPSend} upcall stub on the client's thread; never throws into
 * native code. Order of the checks, each one condition of {@link WsaCondition}: socket, flags,
 * shutdown, buffers, message size, pool, filter; then the send goes to the socket's
 * {@link SubmissionQueue} (overlapped) or straight to the lower provider (nonoverlapped).
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

    private final ProviderRuntime rt;

    SendPath(ProviderRuntime rt) {
        this.rt = rt;
    }

    /**
     * The lpWSPSend entry. Its stub is made from {@link AddressSignatures#LPWSPSEND}: the pointer parameters
     * arrive as addresses (same registers as pointers in the x64 ABI), so the upcall materialises
     * no MemorySegment per call; each pointer is bounded here, locally, to what the contract covers.
     */
    int send(long s, long lpBuffers, int count, long lpSent, int flags, long lpOverlapped, long routine, long lpThreadId,
             long lpErrno) {
        long errno = lpErrno;
        try {
            ThreadScratch sc = ThreadScratch.get();
            SocketContext ctx = rt.socketOf(s, sc);
            if (ctx == null) {
                return Errno.fail(errno, WsaCondition.NOT_A_SOCKET);
            }
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
                return sendSynchronous(ctx, lpBuffers, count, lpSent, flags, errno, sc);
            }
            return sendOverlapped(ctx, lpBuffers, count, lpSent, flags, lpOverlapped, routine, lpThreadId, errno, sc);
        } catch (Throwable t) {
            return Errno.fault(errno, "WSPSend", t);
        }
    }

    private int sendOverlapped(SocketContext ctx, long lpBuffers, int count, long lpSent, int flags, long lpOverlapped,
                               long routine, long lpThreadId, long errno, ThreadScratch sc) {
        if (lpOverlapped == 0) {
            return Errno.fail(errno, WsaCondition.OVERLAPPED_MISSING);
        }
        if (routine != 0 && lpThreadId == 0) {
            return Errno.fail(errno, WsaCondition.THREAD_ID_MISSING);
        }
        SendRequest r = rt.slab.acquire();
        if (r == null) {
            return Errno.fail(errno, WsaCondition.TOO_MANY_OUTSTANDING);
        }
        WsaCondition refused = r.buffers.capture(lpBuffers, count);
        if (refused == null && ctx.messageOriented && r.buffers.totalBytes() > ctx.maxMessageSize) {
            refused = WsaCondition.MESSAGE_TOO_LARGE;
        }
        if (refused != null) {
            rt.slab.unref(r);
            return Errno.fail(errno, refused);
        }
        r.kind = SendRequest.SEND;
        r.socket = ctx;
        r.handle = ctx.handle;
        r.flags = flags;
        r.callerOverlappedAddress = lpOverlapped;
        r.routineAddress = routine;
        if (routine != 0) {
            // The WSATHREADID itself, not the pointer: the caller's copy may be gone by completion.
            r.copyThreadId(lpThreadId);
        }
        int verdict = SendFilter.PASS;
        if (rt.filter != SendFilter.PASS_THROUGH) {
            // The ticket may reach another thread that releases it before this verdict is acted on.
            r.filtering = true;
            r.acceptedNanos = System.nanoTime();
            r.callerThread = Thread.currentThread().threadId();
            verdict = filter(sc.facts.aim(ctx, true, r.buffers.array(), r.buffers.count(), r.buffers.totalBytes(), flags, r.ticket(),
                    r.acceptedNanos, r.callerThread));
            sc.facts.clear();
        }
        if (verdict > 0) {
            synchronized (ctx) {
                r.filtering = false;
            }
            rt.slab.unref(r);
            Errno.set(errno, verdict);
            return Errno.SOCKET_ERROR;
        }
        CompletionDelivery.markInProgress(lpOverlapped);
        int rc;
        synchronized (ctx) {
            r.filtering = false;
            r.held = verdict == SendFilter.DELAY && !r.releasedEarly;
            rc = ctx.closing ? WsaCondition.NOT_A_SOCKET.code() : ctx.queue.submit(r, sc);
        }
        if (rc == 0) {
            if (lpSent != 0) {
                CallerMemory.putInt(lpSent, r.transferred);
            }
            // Completed at once: the indication is given before returning 0, as the seed requires.
            rt.delivery.deliver(r, sc);
            rt.slab.unref(r);
            return 0;
        }
        if (rc != PENDING) {
            rt.slab.unref(r);
        }
        Errno.set(errno, rc);
        return Errno.SOCKET_ERROR;
    }

    private int sendSynchronous(SocketContext ctx, long lpBuffers, int count, long lpSent, int flags,
                                long errno, ThreadScratch sc) {
        if (lpSent == 0) {
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
        if (ctx.messageOriented && total > ctx.maxMessageSize) {
            return Errno.fail(errno, WsaCondition.MESSAGE_TOO_LARGE);
        }
        SendFilter watching = rt.filter;
        long accepted = 0;
        if (watching != SendFilter.PASS_THROUGH) {
            accepted = System.nanoTime();
            int verdict = filter(sc.facts.aim(ctx, false,
                    MemorySegment.ofAddress(lpBuffers).reinterpret(count * WsaBufCapture.SIZEOF_WSABUF), count, total, flags, 0,
                    accepted, Thread.currentThread().threadId()));
            sc.facts.clear();
            if (verdict > 0) {
                Errno.set(errno, verdict);
                return Errno.SOCKET_ERROR;
            }
        }
        int rc = sendSynchronousLower(ctx, lpBuffers, count, lpSent, flags, errno, sc);
        if (watching != SendFilter.PASS_THROUGH) {
            // The caller's buffers are still the caller's: the filter may read them now.
            SendFacts done = sc.completed.aim(ctx, false,
                    MemorySegment.ofAddress(lpBuffers).reinterpret(count * WsaBufCapture.SIZEOF_WSABUF), count, total, flags, 0,
                    accepted, Thread.currentThread().threadId());
            completed(watching, done, rc == 0 || errno == 0 ? 0 : CallerMemory.getInt(errno), rc == 0 ? CallerMemory.getInt(lpSent) : 0);
            sc.completed.clear();
        }
        return rc;
    }

    /** The lower WSPSend of a synchronous send, after jwsp's own queued sends of the socket. */
    private int sendSynchronousLower(SocketContext ctx, long lpBuffers, int count, long lpSent, int flags, long errno,
                                     ThreadScratch sc) {
        synchronized (ctx) {
            // Keep the order: jwsp's own queued overlapped sends go first.
            while (!ctx.queue.drained() && !ctx.closing) {
                if (ctx.nonBlocking) {
                    return Errno.fail(errno, WsaCondition.WOULD_BLOCK_BEHIND_QUEUE);
                }
                ctx.queue.waiters++;
                try {
                    ctx.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Errno.fail(errno, WsaCondition.PROVIDER_FAULT);
                } finally {
                    ctx.queue.waiters--;
                }
            }
            if (ctx.closing) {
                return Errno.fail(errno, WsaCondition.NOT_A_SOCKET);
            }
            ctx.queue.syncInProgress++;
        }
        try {
            return ctx.lower.sendRaw(ctx.lowerHandle, lpBuffers, count, lpSent, flags, 0L, errno);
        } finally {
            SendRequest done;
            synchronized (ctx) {
                ctx.queue.endSync(sc);
                done = ctx.queue.takeDone();
            }
            if (done != null) {
                rt.delivery.deliverAll(done, sc);
            }
        }
    }

    /** Tells {@code f} a send it saw is complete; a Throwable from it is logged and goes no further. */
    static void completed(SendFilter f, SendFacts facts, int error, long bytes) {
        try {
            f.onComplete(facts, error, bytes);
        } catch (Throwable t) {
            Errno.fault(MemorySegment.NULL, "SendFilter.onComplete", t);
        }
    }

    /** The filter's verdict: PASS (0), DELAY (-1), or a WSAE code (&gt; 0). */
    private int filter(SendFacts facts) {
        SendFilter f = rt.filter;
        if (f == SendFilter.PASS_THROUGH) {
            return SendFilter.PASS;
        }
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
