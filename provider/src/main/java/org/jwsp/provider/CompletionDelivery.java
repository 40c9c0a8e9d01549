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
 * <p>The APC function is one upcall stub for the JVM (global arena: an APC may still be queued
 * when the last WSPCleanup ends a runtime); its context is the address of the request's own
 * OVERLAPPED, mapped back by {@link RequestSlab#ofOverlapped} of the live delivery whose slab
 * holds it. It runs on the client's thread in an alertable wait and calls the client's routine
 * {@code (dwError, cbTransferred, lpOverlapped, 0)}.
 *
 * <p>Every request whose APC is queued and has not run is on a list (its APC reference held).
 * A thread that ends never runs its APCs (Windows runs them down unseen), so {@link #sweep}
 * releases the requests whose thread handle is signalled (the thread ended); the pool sweeps
 * before it grows, and the runtime at its cleanup. A runtime cleaned up while APCs are still
 * out keeps its arena (its requests, the threads' WSATHREADID copies) until the last has run or
 * its thread was seen ended ({@link #retire}). Completion routines of one socket are
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

    private final ThreadLocal<RoutineNesting> nesting = ThreadLocal.withInitial(RoutineNesting::new);

    /** The deliveries whose APCs may still run: started runtimes, and retired ones with APCs out. Copy on write. */
    private static volatile CompletionDelivery[] live = new CompletionDelivery[0];
    /** jwsp's APC function for every runtime (one per JVM, never freed). */
    private static final MemorySegment APC = LPWSAUSERAPC.allocate(CompletionDelivery::dispatchApc, Arena.global());

    private final UpcallTable upcalls;
    private final RequestSlab slab;
    private final org.jwsp.kernel.KernelPort kernel;
    private final MemorySegment apc = APC;
    /** The requests whose APC is out. */
    private final RoutinesDue due;

    CompletionDelivery(UpcallTable upcalls, RequestSlab slab, org.jwsp.kernel.KernelPort kernel) {
        this.upcalls = upcalls;
        this.kernel = kernel;
        this.slab = slab;
        this.due = new RoutinesDue(slab, kernel, upcalls);
    }

    /** For tests: runtimes whose APCs may still run (started ones, and cleaned-up ones with routines queued). */
    static int liveDeliveries() {
        return live.length;
    }

    /** From now on APCs find this delivery's requests (the runtime is built). */
    void start() {
        live(this, true);
    }

    private static synchronized void live(CompletionDelivery d, boolean add) {
        java.util.List<CompletionDelivery> l = new java.util.ArrayList<>(java.util.List.of(live));
        if (add) {
            l.add(d);
        } else {
            l.remove(d);
        }
        live = l.toArray(new CompletionDelivery[0]);
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
            due.add(r); // before the APC can run
            if (upcalls.queueApc(r.threadId, apc, r.overlapped.address(), s.errno) != 0) {
                if (!apcRefusalLogged) {
                    apcRefusalLogged = true; // racy by design: at worst a second line
                    LOG.warn("WPUQueueApc refused a completion routine (error {}); the routine will not run (logged once)", s.errno());
                } else {
                    LOG.debug("WPUQueueApc refused a completion routine (error {})", s.errno());
                }
                if (due.claim(r)) {
                    slab.unref(r);
                    due.ended();
                }
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
        done = LowerIssue.issueClaimed(done, s); // a lower send this thread took the job of issuing goes first
        while (done != null) {
            SocketContext socket = done.socket; // read before the requests go back to the slab
            for (OverlappedRequest r = done; r != null; r = r.nextDone) {
                if (!r.deliveredEarly) {
                    deliver(r, s);
                }
            }
            // Every indication is out: tell the queue at once, before the bookkeeping below, so a
            // caller woken by the last one finds the socket free for its next send to complete at
            // once (otherwise a window-1 program's next send queues behind this tail, is delivered
            // here, and the next one again: a chain of hand-offs).
            OverlappedRequest more = delivered(socket, s);
            while (done != null) {
                OverlappedRequest next = done.nextDone;
                done.nextDone = null;
                slab.unref(done);
                done = next;
            }
            done = more; // what the sends that waited for this delivery completed at once
        }
    }

    /**
     * Tells {@code socket}'s queue a delivery ended ({@link SubmissionQueue#delivered}), issues
     * the sends that waited for it (after the lock, {@link LowerIssue}) and takes the done list of
     * those that completed.
     */
    OverlappedRequest delivered(SocketContext socket, ThreadScratch s) {
        OverlappedRequest done;
        synchronized (socket) {
            socket.queue.delivered(s);
            done = socket.queue.takeDone();
        }
        return LowerIssue.issueClaimed(done, s);
    }

    /** jwsp's APC function (client thread, alertable wait): finds the runtime of the request. Never throws into native code. */
    private static void dispatchApc(long context) {
        try {
            CompletionDelivery[] l = live;
            for (int i = 0; i < l.length; i++) {
                OverlappedRequest r = l[i].slab.ofOverlapped(context);
                if (r != null) {
                    l[i].apc(r);
                    return;
                }
            }
            LOG.warn("APC with a context that is no request of jwsp: {}", context);
        } catch (Throwable t) {
            LOG.error("completion APC failed", t);
        }
    }

    private void apc(OverlappedRequest r) {
        try {
            if (!due.claim(r)) {
                LOG.warn("APC of a request no longer due (its thread was seen ended): ignored");
                return;
            }
            RoutineNesting n = nesting.get();
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
            due.ended();
        }
    }

    /** Whether an APC is queued and has not run (a cheap look, for the pool before it grows). */
    boolean apcsDue() {
        return due.any();
    }

    /** The handle by which a routine request's thread is watched ({@link RoutinesDue#watch}); caller thread. */
    long watch(ThreadScratch sc, MemorySegment callerThreadId) {
        return due.watch(sc, callerThreadId);
    }

    /** Releases the requests whose routine's thread has ended ({@link RoutinesDue#sweep}); how many. */
    int sweep() {
        return due.sweep();
    }

    /**
     * The runtime's last WSPCleanup: {@code free} frees its memory now, or, while APCs of its
     * requests are still queued to live threads, when the last of them has run (or its thread
     * was seen ended by a later sweep). Until then APCs of this runtime still find it.
     */
    void retire(Runnable free) {
        due.retire(() -> {
            live(this, false);
            free.run();
        });
    }
}
