package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.WSAECONNRESET;
import static org.jwsp.bindings.windows.ws2spi_h.WSAEFAULT;
import static org.jwsp.bindings.windows.ws2spi_h.WSAEMSGSIZE;
import static org.jwsp.bindings.windows.ws2spi_h.WSAESHUTDOWN;
import static org.jwsp.bindings.windows.ws2spi_h.WSA_OPERATION_ABORTED;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.CallerMemory;
import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.msghdr;
import org.jwsp.bindings.windows.LPWSAOVERLAPPED_COMPLETION_ROUTINE;
import org.jwsp.bindings.windows.LPWSAUSERAPC;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.bindings.windows.WSATHREADID;
import org.jwsp.host.kernel.CompletionPortObject;
import org.jwsp.host.kernel.CountedArena;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.host.kernel.OverlappedCompletion;
import org.jwsp.host.upcall.OverlappedStatus;
import org.jwsp.host.upcall.SocketHandle;
import org.jwsp.host.upcall.WsaErrors;
import org.jwsp.kernel.KernelPort;

/**
 * The base provider's overlapped I/O: issues captured sends and receives as
 * {@code IORING_OP_SENDMSG}/{@code IORING_OP_RECVMSG} on the ring of the port the socket is
 * associated with (or on the host's own port when it is not), and finishes them when a port
 * reaps their CQE ({@link #complete}): {@code Internal}/{@code InternalHigh} per
 * {@link OverlappedStatus}, then exactly one of: an APC to the caller's thread that runs the
 * completion routine; the {@code hEvent} (if any) plus a packet on the associated port.
 *
 * <p><b>Threads.</b> {@link #issue} runs on the caller's thread. {@link #complete} runs on the
 * reaping thread: an application thread dequeuing its port, or the host completion thread that
 * dequeues the host port forever (it never returns an entry; everything finishes inside the reap).
 * The completion routine runs on the caller's thread in its alertable wait.
 *
 * <p><b>Memory.</b> Owns the {@link RequestPool} and a {@link CountedArena} for the host thread's
 * entry array and the APC stub; {@link #close()} closes the host port, joins its thread, frees both.
 */
final class OverlappedIo implements OverlappedCompletion {

    private static final Logger LOG = LogManager.getLogger(OverlappedIo.class);

    /**
     * Tests only: runs in {@link #finish} after the status is written and the event set, before the
     * port is told, where the program may already reuse its OVERLAPPED.
     */
    static volatile Runnable completionVisible;

    private final LinuxKernelPort kernel;
    final RequestPool pool = new RequestPool();
    private final CountedArena arena = new CountedArena();
    private final long hostPortHandle;
    private final CompletionPortObject hostPort;
    private final Thread completionThread;
    private final MemorySegment apcRoutine;
    /**
     * Whether overlapped sends and receives first try to complete at once, as on Windows (default;
     * {@code -Djwsp.host.immediate=false} makes every one pend, for comparisons).
     */
    private final boolean immediate = !"false".equals(System.getProperty("jwsp.host.immediate"));

    OverlappedIo(LinuxKernelPort kernel) {
        this.kernel = kernel;
        hostPortHandle = kernel.createCompletionPort(0);
        hostPort = kernel.port(hostPortHandle);
        apcRoutine = LPWSAUSERAPC.allocate(this::runCompletionRoutine, arena);
        MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(16, arena);
        kernel.setOverlappedCompletion(this);
        completionThread = Thread.ofPlatform().daemon().name("jwsp-host-completion").start(() -> {
            while (kernel.dequeue(hostPortHandle, entries, KernelPort.INFINITE, false) != KernelPort.DEQUEUE_CLOSED) {
                // every operation on the host port finishes inside the reap; nothing is handed out
            }
        });
    }

    private CompletionPortObject portFor(BaseSocket s) {
        SocketHandle h = s.socketHandle;
        CompletionPortObject p = h == null ? null : h.port();
        return p != null ? p : hostPort;
    }

    /** {@link #issue}'s answer when the operation is pending (its completion will be indicated). */
    static final long PENDING = Long.MIN_VALUE;

    /**
     * <em>Hot.</em> Starts an overlapped send or receive. {@code buffers} is the address of
     * {@code count} {@code WSABUF}s, {@code ov} of the caller's {@code OVERLAPPED} (8-byte aligned),
     * {@code routine} of the completion routine or 0, {@code threadId} of the caller's
     * {@code WSATHREADID} (needed with a routine); {@code to} (a Linux address of {@code toLength}
     * bytes) is {@code WSPSendTo}'s destination, or the buffer {@code WSPRecvFrom}'s source is received
     * into, then written to the caller's {@code from}/{@code fromLength} at completion.
     *
     * <p>As on Windows, what the kernel can do at once is done at once ({@link AtOnce}): the
     * operation completes inside this call and its completion is still indicated (the routine's
     * APC queued, the event set, a packet posted to the associated port unless the socket's
     * handle has {@code FILE_SKIP_COMPLETION_PORT_ON_SUCCESS}) before the caller learns it.
     *
     * @return the bytes transferred (&ge; 0) when it completed at once; {@link #PENDING} if it is
     *         pending (completion will be indicated); else {@code -code} of the WSA error
     *         (nothing was started, nothing will be indicated)
     */
    long issue(BaseSocket s, int kind, long buffers, int count, long ov, long routine, long threadId, MemorySegment to,
               int toLength, long from, long fromLength) {
        return issue(s, kind, buffers, count, ov, routine, threadId, to, toLength, from, fromLength, null, 0);
    }

    /**
     * {@link #issue} of a send whose buffers point into {@code owned} ({@code TransmitFile}'s file
     * data): when it returns {@link #PENDING} or a count the request owns the arena and closes it
     * once the result is written; when it returns {@code -code} (nothing started) the caller still
     * owns it. {@code disconnect}: {@code TF_DISCONNECT} (and {@code TF_REUSE_SOCKET}), done
     * after the send succeeded and before its completion is indicated.
     */
    long issue(BaseSocket s, int kind, long buffers, int count, long ov, long routine, long threadId, MemorySegment to,
               int toLength, long from, long fromLength, java.lang.foreign.Arena owned, int disconnect) {
        IoRequest r = pool.take(count);
        if (!r.capture(buffers, count)) {
            pool.free(r);
            return -WSAEFAULT();
        }
        r.owned = owned;
        r.disconnect = disconnect;
        r.kind = kind;
        r.socket = s;
        r.overlapped = ov;
        r.completionRoutine = routine;
        r.from = from;
        r.fromLength = fromLength;
        if (routine != 0) {
            // the WSATHREADID itself is kept (its thread handle), not the caller's pointer to it
            r.threadHandle = CallerMemory.getLong(threadId + WSATHREADID.ThreadHandle$offset());
        }
        if (to != null) {
            MemorySegment.copy(to, 0, r.name, 0, toLength);
            r.message.set(ValueLayout.JAVA_LONG, msghdr.msg_name$offset(), r.name.address());
            msghdr.msg_namelen(r.message, toLength);
        }
        boolean streamSend = kind == IoRequest.SEND && s.isStream();
        r.msgFlags = linux_h.MSG_NOSIGNAL() | (streamSend ? linux_h.MSG_WAITALL() : 0);
        if (streamSend) {
            r.wanted = AtOnce.total(r);
        }
        OverlappedStatus.requestSlot(ov, r.slot + 1);
        OverlappedStatus.pending(ov);
        boolean first;
        if (kind == IoRequest.SEND) {
            if (!s.admitSend(r)) {
                return PENDING; // queued behind the send in flight; its completion submits this one
            }
            first = true;
        } else {
            synchronized (s) {
                first = s.receivesInFlight++ == 0;
            }
        }
        if (first && immediate) {
            long now = atOnce(s, r);
            if (now != PENDING) {
                return now;
            }
        }
        int rc = submit(r);
        if (rc == 0) {
            if (r.cancelled && r.overlapped == ov) {
                cancelOnRings(s, ov); // CancelIoEx came between the pending mark and the submission
            }
            return PENDING;
        }
        OverlappedStatus.requestSlot(ov, 0);
        pool.free(r);
        if (kind == IoRequest.SEND) {
            submitNextSend(s);
        } else {
            synchronized (s) {
                s.receivesInFlight--;
            }
        }
        return -WsaErrors.fromErrno(-rc);
    }

    /**
     * The nonblocking attempt: completes {@code r} here when the kernel moved it whole (a stream
     * send the kernel took in part goes on at the ring with the rest); {@link #PENDING} when the
     * ring must do (the rest of) it.
     */
    private long atOnce(BaseSocket s, IoRequest r) {
        long n = AtOnce.attempt(s, r);
        if (n < 0) {
            return PENDING; // would block, or failed: the ring repeats it and reports what it meets
        }
        if (r.kind == IoRequest.SEND) {
            if (s.isStream() && n < r.wanted) {
                r.done = (int) n;
                AtOnce.skip(r, n);
                return PENDING;
            }
            finish(r, 0, (int) n, null, true);
            submitNextSend(s); // a send queued meanwhile by another thread takes the wire now
            return n;
        }
        synchronized (s) {
            s.receivesInFlight--;
        }
        if (!s.isStream() && AtOnce.truncated(r)) {
            finish(r, WSAEMSGSIZE(), (int) n, null, false); // told by the completion, as if it had pended
            return PENDING;
        }
        if (r.from != 0) {
            SockAddrs.toWindows(r.name, MemorySegment.ofAddress(r.from), MemorySegment.ofAddress(r.fromLength));
        }
        finish(r, 0, (int) n, null, true);
        return n;
    }

    private int submit(IoRequest r) {
        int opcode = r.kind == IoRequest.SEND ? linux_h.IORING_OP_SENDMSG() : linux_h.IORING_OP_RECVMSG();
        return portFor(r.socket).submitMessage(opcode, r.socket.fd, r.message, r.msgFlags, r.overlapped);
    }

    /**
     * Gives the wire to the next queued send; a send that cannot be submitted completes with its
     * error. Runs on the reaping thread, which is inside no call on the socket: it takes a
     * reference for the submission, so that a close racing with it either has not closed the fd
     * yet (the SQE takes io_uring's own file reference) or makes it abort the send unsent.
     */
    private void submitNextSend(BaseSocket s) {
        for (IoRequest next = s.nextSend(); next != null; next = s.nextSend()) {
            if (!s.acquire()) {
                finish(next, WSA_OPERATION_ABORTED(), 0, null, false);
                continue;
            }
            int rc;
            try {
                rc = submit(next);
            } finally {
                s.release();
            }
            if (rc == 0) {
                return;
            }
            finish(next, WsaErrors.fromErrno(-rc), 0, null, false);
        }
    }

    /**
     * Indicates the completion of an overlapped call that finished at once (an overlapped
     * {@code WSPIoctl}): as Winsock requires for an overlapped operation that completes
     * immediately, the status is written and completion is still indicated — the completion
     * routine queued as an APC to the caller's thread, else the event set and a packet posted to
     * the associated port. Caller's thread, inside its call on {@code s}.
     */
    void completeNow(BaseSocket s, long ov, long routine, long threadId, int error, int bytes) {
        complete(s, ov, routine, threadId, error, bytes, error == 0);
    }

    /**
     * Indicates the completion of an overlapped call that answered {@code WSA_IO_PENDING} and
     * finished later on a thread of the host's (AcceptEx): as {@link #completeNow}, except that a
     * success is no success at once, so a handle with {@code FILE_SKIP_COMPLETION_PORT_ON_SUCCESS}
     * still gets its packet.
     */
    void completePended(BaseSocket s, long ov, int error, int bytes) {
        complete(s, ov, 0, 0, error, bytes, false);
    }

    private void complete(BaseSocket s, long ov, long routine, long threadId, int error, int bytes, boolean atOnce) {
        IoRequest r = pool.take(0);
        r.kind = IoRequest.CONTROL;
        r.socket = s;
        r.overlapped = ov;
        r.completionRoutine = routine;
        if (routine != 0) {
            r.threadHandle = CallerMemory.getLong(threadId + WSATHREADID.ThreadHandle$offset());
        }
        finish(r, error, bytes, null, atOnce);
    }

    @Override
    public long complete(CompletionPortObject port, long overlapped, int result) {
        try {
            IoRequest r = pool.get(OverlappedStatus.requestSlot(overlapped) - 1);
            if (r == null || r.overlapped != overlapped) {
                LOG.error("completion for an OVERLAPPED the base provider does not own: 0x{}", Long.toHexString(overlapped));
                return NO_ENTRY;
            }
            BaseSocket s = r.socket;
            int error = result >= 0 ? 0 : WsaErrors.fromErrno(-result); // ECANCELED is WSA_OPERATION_ABORTED there
            int bytes = Math.max(result, 0) + r.done;
            boolean cut = result <= 0 || r.kind == IoRequest.SEND && bytes < r.wanted;
            if (cut && (s.closing() || r.cancelled && result != 0)) {
                error = WSA_OPERATION_ABORTED(); // close or CancelIoEx cut it: aborted, with the count that did move
            } else if (error == 0 && r.kind == IoRequest.SEND && bytes < r.wanted) {
                error = s.sendShut ? WSAESHUTDOWN() : WSAECONNRESET(); // a stream send completes whole or fails
            }
            if (r.kind == IoRequest.SEND) {
                submitNextSend(s);
            } else {
                synchronized (s) {
                    s.receivesInFlight--;
                }
                if (r.from != 0 && error == 0) {
                    SockAddrs.toWindows(r.name, MemorySegment.ofAddress(r.from), MemorySegment.ofAddress(r.fromLength));
                }
            }
            return finish(r, error, bytes, port, false);
        } catch (Throwable t) {
            LOG.error("finishing an overlapped operation failed", t);
            return NO_ENTRY;
        }
    }

    /**
     * Writes the result and notifies the caller; returns the key to surface on {@code reaping}, or
     * NO_ENTRY. {@code atOnce}: it succeeded inside the caller's call, where a handle with
     * {@code FILE_SKIP_COMPLETION_PORT_ON_SUCCESS} gets no port packet.
     */
    private long finish(IoRequest r, int error, int bytes, CompletionPortObject reaping, boolean atOnce) {
        if (r.owned != null) {
            r.owned.close(); // the ring is done with the data
            r.owned = null;
        }
        if (r.disconnect != 0 && error == 0) {
            error = BaseExtensions.disconnect(r.socket, r.disconnect);
        }
        long ov = r.overlapped;
        long hEvent = OverlappedStatus.eventWord(ov); // before the status: then the OVERLAPPED is the program's again
        OverlappedStatus.requestSlot(ov, 0);
        OverlappedStatus.complete(ov, error, bytes);
        r.socket.signalCompletion(); // WSPGetOverlappedResult(fWait) with no event waits on the socket
        if (r.completionRoutine != 0) {
            if (!kernel.queueApc(r.threadHandle, apcRoutine, r.slot)) {
                LOG.warn("completion routine's thread is gone; completion dropped");
                pool.free(r);
            }
            return NO_ENTRY; // the APC frees the request
        }
        SocketHandle h = r.socket.socketHandle;
        pool.free(r);
        long event = OverlappedStatus.event(hEvent);
        if (event != 0) {
            kernel.setEvent(event);
        }
        Runnable hook = completionVisible;
        if (hook != null) {
            hook.run();
        }
        CompletionPortObject p = h == null ? null : h.port();
        if (p != null && !OverlappedStatus.skipsPort(hEvent) && !(atOnce && h.skipsPortOnSuccess())) {
            if (p == reaping) {
                return h.completionKey();
            }
            p.post(bytes, h.completionKey(), ov);
        }
        return NO_ENTRY;
    }

    /** The APC (on the caller's thread, in its alertable wait) that calls the completion routine. */
    private void runCompletionRoutine(long slot) {
        try {
            IoRequest r = pool.get((int) slot);
            MemorySegment routine = MemorySegment.ofAddress(r.completionRoutine);
            long ov = r.overlapped;
            pool.free(r); // before the routine: it may issue the next operation
            LPWSAOVERLAPPED_COMPLETION_ROUTINE.invoke(routine, OverlappedStatus.error(ov), OverlappedStatus.bytes(ov),
                    MemorySegment.ofAddress(ov), 0);
        } catch (Throwable t) {
            LOG.error("completion routine APC failed", t);
        }
    }

    /**
     * Ends the socket's overlapped operations for close or {@code SIO_FLUSH}: queued sends complete
     * now with {@code WSA_OPERATION_ABORTED}; with {@code cancelInFlight}, the ones in flight are
     * cancelled on their ring (their CQEs then say {@code -ECANCELED}, mapped to the same code).
     */
    void abort(BaseSocket s, boolean cancelInFlight) {
        for (IoRequest r : s.drainWaitingSends()) {
            finish(r, WSA_OPERATION_ABORTED(), 0, null, false);
        }
        if (cancelInFlight) {
            hostPort.cancel(s.fd);
            SocketHandle h = s.socketHandle;
            if (h != null && h.port() != null) {
                h.port().cancel(s.fd);
            }
        }
    }

    /**
     * {@code CancelIoEx} on {@code s}: the pending operation of {@code ov} (every one when 0) ends
     * with {@code WSA_OPERATION_ABORTED} and the count it moved, indicated as usual. A queued send
     * ends here, unsent; one in flight is cancelled on its ring. True if there was one. Any thread;
     * holds a reference on {@code s} meanwhile, so the fd the ring cancels by is still its own.
     */
    boolean cancel(BaseSocket s, long ov) {
        if (!s.acquire()) {
            return false;
        }
        try {
            IoRequest[] queued = s.takeWaitingSends(ov);
            for (IoRequest r : queued) {
                finish(r, WSA_OPERATION_ABORTED(), 0, null, false);
            }
            int inFlight = pool.markCancelled(s, ov);
            if (inFlight > 0) {
                cancelOnRings(s, ov);
            }
            return queued.length + inFlight > 0;
        } finally {
            s.release();
        }
    }

    private void cancelOnRings(BaseSocket s, long ov) {
        SocketHandle h = s.socketHandle;
        CompletionPortObject associated = h == null ? null : h.port();
        for (CompletionPortObject p : new CompletionPortObject[] {hostPort, associated}) {
            if (p != null) {
                int rc = ov == 0 ? p.cancel(s.fd) : p.cancelOverlapped(ov);
                if (rc < 0) {
                    LOG.debug("CancelIoEx: the ring refused the cancel: errno {}", -rc);
                }
            }
        }
    }

    /**
     * Closes the host port (its thread ends), and frees the pool if nothing is in flight. Called
     * after every socket was closed: their cancelled operations complete within moments, so it
     * first gives them up to two seconds (an operation on a program's port completes only when the
     * program dequeues it, one with a completion routine only when its thread waits alertably).
     */
    void close() {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (pool.inUse() > 0 && System.nanoTime() < deadline) {
            kernel.sleep(1, false);
        }
        kernel.setOverlappedCompletion(null);
        kernel.closeHandle(hostPortHandle);
        try {
            completionThread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        arena.close();
        if (pool.inUse() == 0) {
            pool.close();
        } else {
            LOG.warn("{} overlapped requests still in flight at cleanup; their memory is kept", pool.inUse());
        }
    }
}
