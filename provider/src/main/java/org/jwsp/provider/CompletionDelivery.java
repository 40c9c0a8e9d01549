package org.jwsp.provider;

import org.jwsp.bindings.CallerMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.windows.LPWSAOVERLAPPED_COMPLETION_ROUTINE;
import org.jwsp.bindings.windows.LPWSAUSERAPC;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.provider.filter.SendFilter;

/**
 * Gives the client its completion indication: writes the result into the caller's OVERLAPPED,
 * then either queues jwsp's own APC function to the caller's thread with WPUQueueApc (a
 * completion routine was given; {@code hEvent} is left to the client), or calls
 * WPUCompleteOverlappedRequest (event and/or the caller's completion port).
 *
 * <p>The caller's OVERLAPPED, as jwsp's entries read it back (WSPGetOverlappedResult):
 * {@code InternalHigh} = bytes, {@code Offset} = flags, {@code OffsetHigh} = WSA error, and
 * {@code Internal} = {@link #IN_PROGRESS} until the result is there. {@code Internal} is written
 * last, after a release fence, and read before an acquire fence.
 *
 * <p>The APC function is one upcall stub for the runtime; its context is the address of the
 * request's own OVERLAPPED, mapped back by {@link RequestSlab#ofOverlapped}. It runs on the
 * client's thread in an alertable wait and calls the client's routine
 * {@code (dwError, cbTransferred, lpOverlapped, 0)}. Completion routines of one socket are
 * never nested: if the client's routine waits alertably and another routine of the same socket
 * comes due on that thread, it is deferred on a per-thread list and run right after the outer
 * routine returns.
 */
final class CompletionDelivery {

    /** Whether a WPUQueueApc refusal has been logged at WARN in this runtime. */
    private boolean apcRefusalLogged;
    private static final Logger LOG = LogManager.getLogger(CompletionDelivery.class);
    /** WSS_OPERATION_IN_PROGRESS (= STATUS_PENDING) in OVERLAPPED.Internal. */
    static final long IN_PROGRESS = 0x103L;
    static final long OVERLAPPED_SIZE = OVERLAPPED.layout().byteSize();
    private static final int NESTING_DEPTH = 16;

    /** Per-thread record of the sockets whose routine is running on this thread. */
    private static final class RoutineNesting {
        final SocketContext[] running = new SocketContext[NESTING_DEPTH];
        int depth;
        OverlappedRequest deferredHead;
        OverlappedRequest deferredTail;
        /** The last routine this thread ran, as a call target: programs use one or a few, so it is made rarely. */
        private long routineAddress;
        private MemorySegment routine = MemorySegment.NULL;

        MemorySegment routine(long address) {
            if (address != routineAddress) {
                routine = MemorySegment.ofAddress(address);
                routineAddress = address;
            }
            return routine;
        }

        boolean isRunning(SocketContext s) {
            for (int i = 0; i < depth; i++) {
                if (running[i] == s) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * A client's completion routine, its lpOverlapped declared as an address (the same register on
     * x64): no segment is made for it per delivery, and the target comes from {@link RoutineNesting#routine}.
     */
    private static final java.lang.invoke.MethodHandle ROUTINE = java.lang.foreign.Linker.nativeLinker().downcallHandle(
            org.jwsp.bindings.AddressSignatures.addressesAsLongs(LPWSAOVERLAPPED_COMPLETION_ROUTINE.descriptor()));

    private static final ThreadLocal<RoutineNesting> NESTING = ThreadLocal.withInitial(RoutineNesting::new);

    private final UpcallTable upcalls;
    private final RequestSlab slab;
    private final org.jwsp.kernel.KernelPort kernel;
    private final MemorySegment apc;

    CompletionDelivery(UpcallTable upcalls, RequestSlab slab, org.jwsp.kernel.KernelPort kernel, Arena arena) {
        this.upcalls = upcalls;
        this.kernel = kernel;
        this.slab = slab;
        this.apc = LPWSAUSERAPC.allocate(this::apc, arena);
    }

    /** Marks the caller's OVERLAPPED as in progress before the operation can complete. */
    static void markInProgress(long callerOverlapped) {
        CallerMemory.putLong(callerOverlapped, OVERLAPPED.InternalHigh$offset(), 0L);
        VarHandle.releaseFence();
        CallerMemory.putLong(callerOverlapped, OVERLAPPED.Internal$offset(), IN_PROGRESS);
    }

    /**
     * Writes a refusal into a caller's OVERLAPPED that was marked in progress for an operation
     * that then was refused: no completion indication, only the result WSPGetOverlappedResult
     * reads back ({@code OffsetHigh} = {@code Internal} = the code, no bytes).
     */
    static void settleRefused(long callerOverlapped, int error) {
        CallerMemory.putLong(callerOverlapped, OVERLAPPED.InternalHigh$offset(), 0L);
        CallerMemory.putInt(callerOverlapped, OVERLAPPED.Offset$offset(), 0);
        CallerMemory.putInt(callerOverlapped, OVERLAPPED.OffsetHigh$offset(), error);
        VarHandle.releaseFence();
        CallerMemory.putLong(callerOverlapped, OVERLAPPED.Internal$offset(), error & 0xFFFFFFFFL);
    }

    static boolean inProgress(MemorySegment callerOverlapped) {
        boolean pending = callerOverlapped.get(ValueLayout.JAVA_LONG, OVERLAPPED.Internal$offset()) == IN_PROGRESS;
        VarHandle.acquireFence();
        return pending;
    }

    /**
     * Delivers {@code r}'s result (any thread, no lock held). Does not drop the caller's reference.
     *
     * @return false when the completion routine could not be queued (WPUQueueApc refused): no
     *         indication will reach the caller, only the result written into its OVERLAPPED
     */
    boolean deliver(OverlappedRequest r, ThreadScratch s) {
        if (r.watcher != null) {
            tellFilter(r, s); // before the indication: until then the buffers are still the caller's
        }
        long ov = r.callerOverlappedAddress;
        CallerMemory.putLong(ov, OVERLAPPED.InternalHigh$offset(), r.transferred & 0xFFFFFFFFL);
        CallerMemory.putInt(ov, OVERLAPPED.Offset$offset(), r.resultFlags);
        CallerMemory.putInt(ov, OVERLAPPED.OffsetHigh$offset(), r.error);
        VarHandle.releaseFence(); // Internal last: a reader that sees it done sees the rest
        CallerMemory.putLong(ov, OVERLAPPED.Internal$offset(), r.error & 0xFFFFFFFFL);
        if (r.routineAddress != 0) {
            r.refs.incrementAndGet();
            if (upcalls.queueApc(r.threadId, apc, r.overlapped.address(), s.errno) != 0) {
                if (!apcRefusalLogged) {
                    apcRefusalLogged = true; // racy by design: at worst a second line
                    LOG.warn("WPUQueueApc refused a completion routine (error {}); the routine will not run (logged once)", s.errno());
                } else {
                    LOG.debug("WPUQueueApc refused a completion routine (error {})", s.errno());
                }
                slab.unref(r);
                return false;
            }
        } else if (upcalls.completeOverlappedRequest(r.handle, r.callerOverlappedAddress, r.error, r.transferred, s.errno) != 0) {
            // The handle is gone (the lower provider completed after WSPCloseSocket stopped waiting for
            // it): no port can be told any more, but the client's event still must be.
            long event = CallerMemory.getLong(ov, OVERLAPPED.hEvent$offset()) & ~1L;
            if (event != 0) {
                kernel.setEvent(event);
            }
            LOG.debug("WPUCompleteOverlappedRequest refused socket {} (error {}); event set directly", r.handle, s.errno());
        }
        return true;
    }

    /**
     * {@link SendFilter#onComplete} for the send {@code r}'s filter passed or delayed, with {@code r}'s
     * result, while its buffers are still the caller's; once (the watcher is cleared). Any thread.
     */
    static void tellFilter(OverlappedRequest r, ThreadScratch s) {
        SendFilter f = r.watcher;
        r.watcher = null;
        SendFacts view = s.completed.aim(r.socket, true, r.buffers.array().address(), r.buffers.count(), r.buffers.totalBytes(), r.flags,
                r.ticket(), r.acceptedNanos, r.callerThread).fileBytes(r.fileBytes());
        tellFilter(f, view, r.error, r.transferred & 0xFFFFFFFFL);
        s.completed.clear();
    }

    /** Tells {@code f} a send it saw is complete; a Throwable from it is logged and goes no further. */
    static void tellFilter(SendFilter f, SendFacts view, int error, long bytes) {
        try {
            f.onComplete(view, error, bytes);
        } catch (Throwable t) {
            Errno.fault(MemorySegment.NULL, "SendFilter.onComplete", t);
        }
    }

    /**
     * Delivers a done list from {@link SubmissionQueue#takeDone} (all of one socket), drops the
     * operation's reference of each, then tells the queue, which WSPCloseSocket waits on.
     */
    void deliverAll(OverlappedRequest done, ThreadScratch s) {
        while (done != null) {
            SocketContext socket = done.socket; // read before the requests go back to the slab
            while (done != null) {
                OverlappedRequest next = done.nextDone;
                done.nextDone = null;
                if (!done.deliveredEarly) {
                    deliver(done, s);
                }
                slab.unref(done);
                done = next;
            }
            done = delivered(socket, s); // what the sends that waited for this delivery completed at once
        }
    }

    /**
     * Tells {@code socket}'s queue a delivery ended ({@link SubmissionQueue#delivered}) and takes
     * the done list of the sends that were issued because of it.
     */
    OverlappedRequest delivered(SocketContext socket, ThreadScratch s) {
        synchronized (socket) {
            socket.queue.delivered(s);
            return socket.queue.takeDone();
        }
    }

    /** jwsp's APC function (client thread, alertable wait). Never throws into native code. */
    private void apc(long context) {
        try {
            OverlappedRequest r = slab.ofOverlapped(context);
            if (r == null) {
                LOG.warn("APC with a context that is no request of jwsp: {}", context);
                return;
            }
            RoutineNesting n = NESTING.get();
            if (n.isRunning(r.socket) || n.depth == NESTING_DEPTH) {
                r.nextDeferred = null;
                if (n.deferredTail == null) {
                    n.deferredHead = n.deferredTail = r;
                } else {
                    n.deferredTail.nextDeferred = r;
                    n.deferredTail = r;
                }
                return;
            }
            runRoutine(n, r);
            while (n.depth == 0 && n.deferredHead != null) {
                OverlappedRequest d = n.deferredHead;
                n.deferredHead = d.nextDeferred;
                if (n.deferredHead == null) {
                    n.deferredTail = null;
                }
                d.nextDeferred = null;
                runRoutine(n, d);
            }
        } catch (Throwable t) {
            LOG.error("completion APC failed", t);
        }
    }

    private void runRoutine(RoutineNesting n, OverlappedRequest r) {
        n.running[n.depth++] = r.socket;
        try {
            ROUTINE.invokeExact(n.routine(r.routineAddress), r.error, r.transferred, r.callerOverlappedAddress, 0);
        } catch (Throwable t) {
            LOG.error("a client completion routine failed", t);
        } finally {
            n.running[--n.depth] = null;
            slab.unref(r);
        }
    }
}
