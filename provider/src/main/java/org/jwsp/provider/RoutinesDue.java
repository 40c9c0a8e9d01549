package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.windows.WSATHREADID;
import org.jwsp.kernel.KernelPort;

/**
 * The requests of one runtime whose completion routine's APC is queued and has not run, each
 * holding its APC reference: {@link CompletionDelivery} adds one before WPUQueueApc and claims
 * it when the APC runs (or WPUQueueApc refused). A thread that ends never runs its APCs
 * (Windows runs them down unseen), so {@link #sweep} releases the requests whose thread handle
 * (in the request's copy of the caller's WSATHREADID) is signalled; the pool sweeps before it
 * grows ({@link OverlappedRequests#acquire}). A runtime cleaned up while APCs are out frees its
 * memory only when the last ended ({@link #retire}): the APC needs its request.
 *
 * <p>Threads: any; one lock, held for a list link or a sweep (a zero-time-out wait per request
 * listed). Intrusive links in the requests: allocates nothing.
 */
final class RoutinesDue {

    private static final Logger LOG = LogManager.getLogger(RoutinesDue.class);

    private static final AtomicInteger GENERATIONS = new AtomicInteger();
    private static final long HANDLE = WSATHREADID.ThreadHandle$offset();
    private static final long RESERVED = WSATHREADID.Reserved$offset();

    private final RequestSlab slab;
    private final KernelPort kernel;
    private final UpcallTable upcalls;
    /** Names this runtime in {@link ThreadScratch#ownThreadOf} (never 0). */
    final int generation = GENERATIONS.incrementAndGet();
    /** jwsp's own WSATHREADIDs (handle, Reserved) opened by this runtime; guarded by dueLock. */
    private long[] openedHandles = new long[8];
    private long[] openedReserved = new long[8];
    private int opened;
    /** Guards the list, {@link #apcsOut} and {@link #retired}. */
    private final Object dueLock = new Object();
    private OverlappedRequest dueHead;
    /** APC references held (queued, or running its routine): the runtime's memory outlives them. */
    private int apcsOut;
    /** Set by {@link #retire} while APCs are out: frees the runtime's memory when the last one ends. */
    private Runnable retired;

    RoutinesDue(RequestSlab slab, KernelPort kernel, UpcallTable upcalls) {
        this.slab = slab;
        this.kernel = kernel;
        this.upcalls = upcalls;
    }

    /**
     * The handle by which jwsp learns that the thread of a routine request ended, or 0 (caller
     * thread, at acquire). jwsp does not rely on the caller's WSATHREADID for this: its owner
     * (ws2_32) closes it when the thread leaves, maybe before a sweep. Each thread that sends with
     * a routine gets jwsp's own WSATHREADID once per runtime (WPUOpenCurrentThread), closed by
     * the sweep that sees the thread ended, or at cleanup (WPUCloseThread). It watches the
     * request only when the caller's WSATHREADID names the calling thread (same {@code Reserved});
     * an APC aimed at another thread is not watched and waits for that thread.
     */
    long watch(ThreadScratch sc, MemorySegment callerThreadId) {
        if (sc.ownThreadOf != generation) {
            sweep(); // a new thread: release what threads that left still hold (their ids included)
            if (!upcalls.opensThreads() || upcalls.openCurrentThread(sc.ownThread, sc.errno) != 0) {
                return 0;
            }
            synchronized (dueLock) {
                if (opened == openedHandles.length) {
                    openedHandles = Arrays.copyOf(openedHandles, opened * 2);
                    openedReserved = Arrays.copyOf(openedReserved, opened * 2);
                }
                openedHandles[opened] = sc.ownThread.get(ValueLayout.JAVA_LONG, HANDLE);
                openedReserved[opened] = sc.ownThread.get(ValueLayout.JAVA_LONG, RESERVED);
                opened++;
            }
            sc.ownThreadOf = generation;
        }
        return callerThreadId.get(ValueLayout.JAVA_LONG, RESERVED) == sc.ownThread.get(ValueLayout.JAVA_LONG, RESERVED)
                ? sc.ownThread.get(ValueLayout.JAVA_LONG, HANDLE) : 0;
    }

    /**
     * Takes jwsp's own thread ids of ended threads ({@code all} false), or all, out of the opened
     * set; returns their handles (sorted) and closes them (WPUCloseThread). Holds dueLock.
     */
    private long[] closeThreads(boolean all) {
        long[] ended = new long[opened];
        int n = 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment id = a.allocate(WSATHREADID.layout());
            MemorySegment errno = a.allocate(ValueLayout.JAVA_INT);
            for (int i = opened - 1; i >= 0; i--) {
                if (all || kernel.waitForSingleObject(openedHandles[i], 0, false) == KernelPort.WAIT_OBJECT_0) {
                    id.set(ValueLayout.JAVA_LONG, HANDLE, openedHandles[i]);
                    id.set(ValueLayout.JAVA_LONG, RESERVED, openedReserved[i]);
                    ended[n++] = openedHandles[i];
                    opened--;
                    openedHandles[i] = openedHandles[opened];
                    openedReserved[i] = openedReserved[opened];
                }
            }
            for (int i = 0; i < n; i++) {
                id.set(ValueLayout.JAVA_LONG, HANDLE, ended[i]);
                if (upcalls.closeThread(id, errno) != 0) {
                    LOG.debug("WPUCloseThread refused jwsp's thread handle {} (error {})", ended[i], errno.get(ValueLayout.JAVA_INT, 0));
                }
            }
        }
        long[] handles = Arrays.copyOf(ended, n);
        Arrays.sort(handles);
        return handles;
    }

    /** Puts {@code r}, whose APC reference is taken, on the list (before WPUQueueApc: the APC may run at once). */
    void add(OverlappedRequest r) {
        synchronized (dueLock) {
            r.apcDue = true;
            r.apcPrev = null;
            r.apcNext = dueHead;
            if (dueHead != null) {
                dueHead.apcPrev = r;
            }
            dueHead = r;
            apcsOut++;
        }
    }

    /** Takes {@code r} off the due list; false if it was not on it (its APC ran, or a sweep took it). */
    boolean claim(OverlappedRequest r) {
        synchronized (dueLock) {
            if (!r.apcDue) {
                return false;
            }
            r.apcDue = false;
            if (r.apcPrev != null) {
                r.apcPrev.apcNext = r.apcNext;
            } else {
                dueHead = r.apcNext;
            }
            if (r.apcNext != null) {
                r.apcNext.apcPrev = r.apcPrev;
            }
            r.apcPrev = r.apcNext = null;
            return true;
        }
    }

    /** An APC reference was dropped; the last one of a retired runtime frees its memory. */
    void ended() {
        Runnable free;
        synchronized (dueLock) {
            if (--apcsOut != 0 || retired == null) {
                return;
            }
            free = retired;
            retired = null;
        }
        free.run();
    }

    /** Whether an APC is queued and has not run. */
    boolean any() {
        synchronized (dueLock) {
            return dueHead != null;
        }
    }

    /**
     * Releases the requests whose APC will never run because their thread has ended (its handle
     * in the WSATHREADID copy is signalled); a handle the kernel does not know keeps its request
     * (its thread may still run the APC). Any thread, no lock held. Returns how many.
     */
    int sweep() {
        OverlappedRequest ended = null;
        synchronized (dueLock) {
            // The threads seen ended now: their ids are closed after their requests are taken, and
            // only those, so a request never watches a handle that is closed while it waits.
            long[] gone = closeThreads(false);
            if (gone.length > 0) {
                for (OverlappedRequest r = dueHead, next; r != null; r = next) {
                    next = r.apcNext;
                    if (r.watchedThread != 0 && Arrays.binarySearch(gone, r.watchedThread) >= 0) {
                        claim(r);
                        r.apcNext = ended;
                        ended = r;
                    }
                }
            }
        }
        int n = 0;
        while (ended != null) {
            OverlappedRequest next = ended.apcNext;
            ended.apcNext = null;
            slab.unref(ended);
            ended();
            ended = next;
            n++;
        }
        if (n > 0) {
            LOG.debug("released {} requests whose completion routine's thread has ended", n);
        }
        return n;
    }

    /**
     * {@code free} now, or when the last APC reference ends (after a sweep of ended threads);
     * jwsp's own thread ids are closed first.
     */
    void retire(Runnable free) {
        sweep();
        Runnable closeAndFree = () -> {
            synchronized (dueLock) {
                closeThreads(true);
            }
            free.run();
        };
        synchronized (dueLock) {
            if (apcsOut != 0) {
                retired = closeAndFree;
                LOG.info("{} completion routines still queued at cleanup: jwsp's memory is freed after they ran", apcsOut);
                return;
            }
        }
        closeAndFree.run();
    }
}
