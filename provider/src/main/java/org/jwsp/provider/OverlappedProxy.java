package org.jwsp.provider;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.LPWSPIOCTL;
import org.jwsp.bindings.windows.LPWSPRECV;
import org.jwsp.bindings.windows.LPWSPRECVFROM;
import org.jwsp.bindings.windows.LPWSPSENDTO;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.kernel.KernelPort;

/**
 * The overlapped entries other than WSPSend (WSPRecv, WSPRecvFrom, WSPSendTo, WSPIoctl), passed
 * through as a non-IFS layered provider must: the lower provider gets the lower socket and the
 * OVERLAPPED of a pooled {@link OverlappedRequest} (kind PROXY) instead of the caller's, with no
 * completion routine; its completion reaches jwsp's port, and {@link CompletionDelivery} gives
 * the caller its own indication. The lower provider captures its own WSABUF arrays.
 * Also jwsp's WSPGetOverlappedResult, which reads back what CompletionDelivery wrote.
 *
 * <p>Called on client threads through the upcall stubs; never throws into native code.
 */
final class OverlappedProxy {

    private static final int PENDING = ws2spi_h.WSA_IO_PENDING();
    private final SocketTable sockets;
    private final OverlappedRequests requests;
    private final KernelPort kernel;

    OverlappedProxy(SocketTable sockets, OverlappedRequests requests, KernelPort kernel) {
        this.sockets = sockets;
        this.requests = requests;
        this.kernel = kernel;
    }

    int recv(long s, MemorySegment bufs, int count, MemorySegment lpRecvd, MemorySegment lpFlags, MemorySegment ov,
             MemorySegment routine, MemorySegment tid, MemorySegment lpErrno) {
        try {
            ThreadScratch sc = ThreadScratch.get();
            SocketContext c = sockets.socketOf(s, sc);
            if (c == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            long resolved = sc.resolved;
            MemorySegment fn = WSPPROC_TABLE.lpWSPRecv(c.lower.table);
            if (!overlappedCall(c, ov, routine)) {
                return LPWSPRECV.invoke(fn, c.lowerHandle, bufs, count, lpRecvd, lpFlags, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, lpErrno);
            }
            OverlappedRequest r = begin(c, ov, routine, tid, lpErrno);
            if (r == null) {
                return Errno.SOCKET_ERROR;
            }
            try {
                requests.markInProgress(r);
                int rc;
                synchronized (c) {
                    if (!c.stillOpen(resolved)) {
                        rc = closedMeanwhile(r, lpErrno);
                    } else {
                        requests.accept(r);
                        rc = issued(c, r, lpErrno, LPWSPRECV.invoke(fn, c.lowerHandle, bufs, count, sc.bytes, lpFlags, r.overlapped, MemorySegment.NULL, MemorySegment.NULL, lpErrno));
                    }
                }
                return finish(r, rc, lpRecvd, lpFlags, lpErrno, sc);
            } finally {
                requests.end(r, sc);
            }
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPRecv", t);
        }
    }

    int recvFrom(long s, MemorySegment bufs, int count, MemorySegment lpRecvd, MemorySegment lpFlags, MemorySegment from,
                 MemorySegment fromLen, MemorySegment ov, MemorySegment routine, MemorySegment tid, MemorySegment lpErrno) {
        try {
            ThreadScratch sc = ThreadScratch.get();
            SocketContext c = sockets.socketOf(s, sc);
            if (c == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            long resolved = sc.resolved;
            MemorySegment fn = WSPPROC_TABLE.lpWSPRecvFrom(c.lower.table);
            if (!overlappedCall(c, ov, routine)) {
                return LPWSPRECVFROM.invoke(fn, c.lowerHandle, bufs, count, lpRecvd, lpFlags, from, fromLen,
                        MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, lpErrno);
            }
            OverlappedRequest r = begin(c, ov, routine, tid, lpErrno);
            if (r == null) {
                return Errno.SOCKET_ERROR;
            }
            try {
                requests.markInProgress(r);
                int rc;
                synchronized (c) {
                    if (!c.stillOpen(resolved)) {
                        rc = closedMeanwhile(r, lpErrno);
                    } else {
                        requests.accept(r);
                        rc = issued(c, r, lpErrno, LPWSPRECVFROM.invoke(fn, c.lowerHandle, bufs, count, sc.bytes, lpFlags, from, fromLen, r.overlapped,
                                MemorySegment.NULL, MemorySegment.NULL, lpErrno));
                    }
                }
                return finish(r, rc, lpRecvd, lpFlags, lpErrno, sc);
            } finally {
                requests.end(r, sc);
            }
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPRecvFrom", t);
        }
    }

    int sendTo(long s, MemorySegment bufs, int count, MemorySegment lpSent, int flags, MemorySegment to, int toLen,
               MemorySegment ov, MemorySegment routine, MemorySegment tid, MemorySegment lpErrno) {
        try {
            ThreadScratch sc = ThreadScratch.get();
            SocketContext c = sockets.socketOf(s, sc);
            if (c == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            long resolved = sc.resolved;
            MemorySegment fn = WSPPROC_TABLE.lpWSPSendTo(c.lower.table);
            if (!overlappedCall(c, ov, routine)) {
                return LPWSPSENDTO.invoke(fn, c.lowerHandle, bufs, count, lpSent, flags, to, toLen,
                        MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, lpErrno);
            }
            OverlappedRequest r = begin(c, ov, routine, tid, lpErrno);
            if (r == null) {
                return Errno.SOCKET_ERROR;
            }
            try {
                requests.markInProgress(r);
                int rc;
                synchronized (c) {
                    if (!c.stillOpen(resolved)) {
                        rc = closedMeanwhile(r, lpErrno);
                    } else {
                        requests.accept(r);
                        rc = issued(c, r, lpErrno, LPWSPSENDTO.invoke(fn, c.lowerHandle, bufs, count, sc.bytes, flags, to, toLen, r.overlapped,
                                MemorySegment.NULL, MemorySegment.NULL, lpErrno));
                    }
                }
                return finish(r, rc, lpSent, MemorySegment.NULL, lpErrno, sc);
            } finally {
                requests.end(r, sc);
            }
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPSendTo", t);
        }
    }

    /** An ioctl jwsp does not interpret itself (SocketEntries handles FIONBIO and SIO_FLUSH first). */
    int ioctl(SocketContext c, long resolved, int code, MemorySegment in, int cbIn, MemorySegment out, int cbOut, MemorySegment lpReturned,
              MemorySegment ov, MemorySegment routine, MemorySegment tid, MemorySegment lpErrno, ThreadScratch sc) {
        MemorySegment fn = WSPPROC_TABLE.lpWSPIoctl(c.lower.table);
        if (!overlappedCall(c, ov, routine)) {
            return LPWSPIOCTL.invoke(fn, c.lowerHandle, code, in, cbIn, out, cbOut, lpReturned,
                    MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, lpErrno);
        }
        OverlappedRequest r = begin(c, ov, routine, tid, lpErrno);
        if (r == null) {
            return Errno.SOCKET_ERROR;
        }
        try {
            requests.markInProgress(r);
            int rc;
            synchronized (c) {
                if (!c.stillOpen(resolved)) {
                    rc = closedMeanwhile(r, lpErrno);
                } else {
                    requests.accept(r);
                    rc = issued(c, r, lpErrno, LPWSPIOCTL.invoke(fn, c.lowerHandle, code, in, cbIn, out, cbOut, sc.bytes, r.overlapped,
                            MemorySegment.NULL, MemorySegment.NULL, lpErrno));
                }
            }
            return finish(r, rc, lpReturned, MemorySegment.NULL, lpErrno, sc);
        } finally {
            requests.end(r, sc);
        }
    }

    /**
     * A call jwsp answered itself at once ({@code bytes} written to the caller's output): the
     * count goes to {@code lpReturned}, and an overlapped call on an overlapped socket still has
     * its completion indicated (status, then the routine, or the event and the port), as Winsock
     * requires of an overlapped operation that completes immediately. No lower call: no packet
     * comes for it, the caller delivers.
     */
    int completeNow(SocketContext c, int bytes, MemorySegment lpReturned, MemorySegment ov, MemorySegment routine,
                    MemorySegment tid, MemorySegment lpErrno, ThreadScratch sc) {
        if (lpReturned.address() != 0) {
            lpReturned.reinterpret(4).set(ValueLayout.JAVA_INT, 0, bytes);
        }
        if (!overlappedCall(c, ov, routine)) {
            return 0;
        }
        OverlappedRequest r = begin(c, ov, routine, tid, lpErrno);
        if (r == null) {
            return Errno.SOCKET_ERROR;
        }
        try {
            requests.markInProgress(r);
            synchronized (c) {
                requests.accept(r);
                r.deliveredEarly = false;
                requests.issued(r, 0);
            }
            sc.bytes.set(ValueLayout.JAVA_INT, 0, bytes);
            return finish(r, 0, lpReturned, MemorySegment.NULL, lpErrno, sc);
        } finally {
            requests.end(r, sc);
        }
    }

    /** One overlapped call into the lower provider, given the OVERLAPPED jwsp owns and where the byte count goes. */
    @FunctionalInterface
    interface LowerOverlappedCall {
        /** 0 when it completed at once, else SOCKET_ERROR with the code in {@code lpErrno} (WSA_IO_PENDING if it will complete). */
        int issue(MemorySegment overlapped, MemorySegment bytes, MemorySegment lpErrno) throws Throwable;
    }

    /**
     * An overlapped operation that is no proc-table entry (an extension function such as ConnectEx),
     * in the same request life as the entries above: the lower provider gets jwsp's OVERLAPPED
     * (under the socket lock, after the re-check that {@code c} is still the socket the handle
     * resolved to), the caller's is completed by {@link CompletionDelivery} (event, port) when
     * jwsp's port reaps it, or at once.
     */
    int proxied(SocketContext c, long resolved, MemorySegment ov, MemorySegment lpCount, MemorySegment lpErrno, ThreadScratch sc,
                LowerOverlappedCall call) throws Throwable {
        return proxied(c, resolved, ov, lpCount, lpErrno, sc, null, 0, 0, call);
    }

    /**
     * {@link #proxied} of an operation that carries a send a filter passed ({@code ConnectEx}'s
     * data, one WSABUF at {@code wsabuf}): the request captures it and remembers the filter, so the
     * filter hears of its completion ({@code onComplete}, or of its refusal) like a WSPSend's.
     */
    int proxied(SocketContext c, long resolved, MemorySegment ov, MemorySegment lpCount, MemorySegment lpErrno, ThreadScratch sc,
                org.jwsp.provider.filter.SendFilter watcher, long wsabuf, long acceptedNanos, LowerOverlappedCall call) throws Throwable {
        OverlappedRequest r = begin(c, ov, MemorySegment.NULL, MemorySegment.NULL, lpErrno);
        if (r == null) {
            return Errno.SOCKET_ERROR;
        }
        try {
            if (watcher != null && r.buffers.capture(wsabuf, 1) == null) {
                r.watcher = watcher;
                r.acceptedNanos = acceptedNanos;
                r.callerThread = Thread.currentThread().threadId();
            }
            requests.markInProgress(r);
            int rc;
            synchronized (c) {
                if (!c.stillOpen(resolved)) {
                    rc = closedMeanwhile(r, lpErrno);
                } else {
                    requests.accept(r);
                    rc = issued(c, r, lpErrno, call.issue(r.overlapped, sc.bytes, lpErrno));
                }
            }
            return finish(r, rc, lpCount, MemorySegment.NULL, lpErrno, sc);
        } finally {
            requests.end(r, sc);
        }
    }

    /** jwsp's WSPGetOverlappedResult: every overlapped operation on a jwsp socket is completed by jwsp. */
    int getOverlappedResult(long s, MemorySegment ov, MemorySegment lpTransfer, int fWait, MemorySegment lpFlags, MemorySegment lpErrno) {
        try {
            ThreadScratch sc = ThreadScratch.get();
            if (sockets.socketOf(s, sc) == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET) + 1; // FALSE
            }
            if (ov.address() == 0 || lpTransfer.address() == 0 || lpFlags.address() == 0) {
                Errno.fail(lpErrno, WsaCondition.OVERLAPPED_MISSING);
                return 0;
            }
            MemorySegment o = ov.reinterpret(CompletionDelivery.OVERLAPPED_SIZE);
            while (CompletionDelivery.inProgress(o)) {
                long event = o.get(ValueLayout.JAVA_LONG, OVERLAPPED.hEvent$offset());
                if (fWait == 0 || event == 0
                        || kernel.waitForSingleObject(event, KernelPort.INFINITE, false) != KernelPort.WAIT_OBJECT_0) {
                    Errno.fail(lpErrno, WsaCondition.INCOMPLETE);
                    return 0;
                }
            }
            lpTransfer.reinterpret(4).set(ValueLayout.JAVA_INT, 0, (int) o.get(ValueLayout.JAVA_LONG, OVERLAPPED.InternalHigh$offset()));
            lpFlags.reinterpret(4).set(ValueLayout.JAVA_INT, 0, o.get(ValueLayout.JAVA_INT, OVERLAPPED.Offset$offset()));
            int error = o.get(ValueLayout.JAVA_INT, OVERLAPPED.OffsetHigh$offset());
            if (error != 0) {
                Errno.set(lpErrno, error);
                return 0;
            }
            return 1;
        } catch (Throwable t) {
            Errno.fault(lpErrno, "WSPGetOverlappedResult", t);
            return 0;
        }
    }

    private static boolean overlappedCall(SocketContext c, MemorySegment ov, MemorySegment routine) {
        return c.overlapped && (ov.address() != 0 || routine.address() != 0);
    }

    /**
     * Under the socket lock: the socket was closed (and its slot perhaps reused by a new socket)
     * since the handle was resolved; the call is refused with WSAENOTSOCK and reaches no lower
     * socket.
     */
    private int closedMeanwhile(OverlappedRequest r, MemorySegment lpErrno) {
        requests.refuse(r, WsaCondition.NOT_A_SOCKET.code());
        return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
    }

    /** The checks of an overlapped call, then a request with the caller's reference, or null (lpErrno set). */
    private OverlappedRequest begin(SocketContext c, MemorySegment ov, MemorySegment routine, MemorySegment tid, MemorySegment lpErrno) {
        if (ov.address() == 0) {
            Errno.fail(lpErrno, WsaCondition.OVERLAPPED_MISSING);
            return null;
        }
        if (routine.address() != 0 && tid.address() == 0) {
            Errno.fail(lpErrno, WsaCondition.THREAD_ID_MISSING);
            return null;
        }
        OverlappedRequest r = requests.acquire(OverlappedRequest.PROXY, c, ov.address(), routine.address(), tid.address());
        if (r == null) {
            Errno.fail(lpErrno, WsaCondition.TOO_MANY_OUTSTANDING);
        }
        return r;
    }

    /**
     * Under the socket lock, right after the lower call (made holding the operation's
     * reference): when it completed at once and a packet will still come, the worker (which
     * reads {@code deliveredEarly} under the same lock) will not deliver a second time. A
     * pending one is counted on the socket's queue until the worker delivered it
     * (WSPCloseSocket waits).
     */
    private int issued(SocketContext c, OverlappedRequest r, MemorySegment lpErrno, int rc) {
        int result;
        if (rc == 0) {
            r.deliveredEarly = c.lowerPostsImmediate;
            result = 0;
        } else {
            int error = lpErrno.address() != 0 ? lpErrno.reinterpret(4).get(ValueLayout.JAVA_INT, 0) : 0;
            // A failure the lower provider did not explain is still a refusal.
            result = error != 0 ? error : WsaCondition.PROVIDER_FAULT.code();
            if (result == PENDING) {
                c.queue.proxyPending(); // the worker delivers it and reports proxyDelivered
            }
        }
        requests.issued(r, result);
        return rc;
    }

    /** Outcome of the lower call: immediate (deliver now), pending (the port delivers), or refused. */
    private int finish(OverlappedRequest r, int rc, MemorySegment lpCount, MemorySegment lpFlags, MemorySegment lpErrno, ThreadScratch sc) {
        if (rc == 0) {
            r.result(0, sc.bytes(), lpFlags.address() != 0 ? lpFlags.reinterpret(4).get(ValueLayout.JAVA_INT, 0) : 0);
            if (lpCount.address() != 0) {
                lpCount.reinterpret(4).set(ValueLayout.JAVA_INT, 0, r.transferred);
            }
            if (!requests.deliverAtOnce(r, sc)) {
                return Errno.fail(lpErrno, WsaCondition.ROUTINE_NOT_QUEUED);
            }
        }
        return rc;
    }
}
