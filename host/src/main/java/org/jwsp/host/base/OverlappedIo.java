package org.jwsp.host.base;

import org.jwsp.bindings.CallerMemory;
import static org.jwsp.bindings.windows.ws2spi_h.WSAEFAULT;
import static org.jwsp.bindings.windows.ws2spi_h.WSA_OPERATION_ABORTED;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
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

    private final LinuxKernelPort kernel;
    final RequestPool pool = new RequestPool();
    private final CountedArena arena = new CountedArena();
    private final long hostPortHandle;
    private final CompletionPortObject hostPort;
    private final Thread completionThread;
    private final MemorySegment apcRoutine;

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

    /**
     * <em>Hot.</em> Starts an overlapped send or receive. {@code buffers} is the address of
     * {@code count} {@code WSABUF}s, {@code ov} of the caller's {@code OVERLAPPED} (8-byte aligned),
     * {@code routine} of the completion routine or 0, {@code threadId} of the caller's
     * {@code WSATHREADID} (needed with a routine); {@code to} (a Linux address of {@code toLength}
     * bytes) is {@code WSPSendTo}'s destination, or the buffer {@code WSPRecvFrom}'s source is received
     * into, then written to the caller's {@code from}/{@code fromLength} at completion.
     *
     * @return 0 if the operation is pending (completion will be indicated), else the WSA error
     *         (nothing was started, nothing will be indicated)
     */
    int issue(BaseSocket s, int kind, long buffers, int count, long ov, long routine, long threadId, MemorySegment to,
              int toLength, long from, long fromLength) {
        IoRequest r = pool.take(count);
        if (!r.capture(buffers, count)) {
            pool.free(r);
            return WSAEFAULT();
        }
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
        r.msgFlags = linux_h.MSG_NOSIGNAL() | (kind == IoRequest.SEND && s.isStream() ? linux_h.MSG_WAITALL() : 0);
        OverlappedStatus.requestSlot(ov, r.slot + 1);
        OverlappedStatus.pending(ov);
        if (kind == IoRequest.SEND) {
            if (!s.admitSend(r)) {
                return 0; // queued behind the send in flight; its completion submits this one
            }
        } else {
            synchronized (s) {
                s.receivesInFlight++;
            }
        }
        int rc = submit(r);
        if (rc == 0) {
            return 0;
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
        return WsaErrors.fromErrno(-rc);
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
                finish(next, WSA_OPERATION_ABORTED(), 0, null);
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
            finish(next, WsaErrors.fromErrno(-rc), 0, null);
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
        IoRequest r = pool.take(0);
        r.kind = IoRequest.CONTROL;
        r.socket = s;
        r.overlapped = ov;
        r.completionRoutine = routine;
        if (routine != 0) {
            r.threadHandle = CallerMemory.getLong(threadId + WSATHREADID.ThreadHandle$offset());
        }
        finish(r, error, bytes, null);
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
            if (s.closing() && result <= 0) {
                error = WSA_OPERATION_ABORTED();
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
            return finish(r, error, Math.max(result, 0), port);
        } catch (Throwable t) {
            LOG.error("finishing an overlapped operation failed", t);
            return NO_ENTRY;
        }
    }

    /** Writes the result and notifies the caller; returns the key to surface on {@code reaping}, or NO_ENTRY. */
    private long finish(IoRequest r, int error, int bytes, CompletionPortObject reaping) {
        long ov = r.overlapped;
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
        long event = OverlappedStatus.event(ov);
        if (event != 0) {
            kernel.setEvent(event);
        }
        CompletionPortObject p = h == null ? null : h.port();
        if (p != null && !OverlappedStatus.skipsPort(ov)) {
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
            finish(r, WSA_OPERATION_ABORTED(), 0, null);
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
