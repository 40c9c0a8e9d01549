package org.jwsp.host.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.pthread_create$__start_routine;
import org.jwsp.bindings.windows.LPTHREAD_START_ROUTINE;

/**
 * A thread made by {@code CreateThread}: a pthread the JVM did not start, which runs the caller's
 * {@code DWORD WINAPI start(LPVOID)} and ends when it returns. Its handle is waitable: signalled
 * once the thread has ended ({@code WaitForSingleObject}), as a Windows thread object is, and
 * takes APCs ({@code QueueUserAPC}) while the thread lives.
 *
 * <p>How: {@code pthread_create} (detached) starts a native thread at {@link #TRAMPOLINE}, an
 * upcall stub that records the thread ({@link HostThread}, so its id is the one
 * {@code GetCurrentThreadId} answers there), lets {@link #start} return, then calls the start
 * routine by its Windows signature ({@code LPTHREAD_START_ROUTINE}). {@link #start} waits until the
 * new thread has recorded itself, so the id is known when {@code CreateThread} returns.
 *
 * <p>Memory and lifetime: the "ended" signal is a manual-reset {@link EventObject}, referenced by
 * the handle and by the running thread; whichever lets go last (CloseHandle, or the thread's end)
 * frees its eventfd. Nothing of the caller's memory is kept but the two pointers it passed.
 */
final class CreatedThread implements KernelObject {

    private static final Logger LOG = LogManager.getLogger(CreatedThread.class);
    /** Threads between pthread_create and their first instruction, by the key passed as the pthread's argument. */
    private static final ConcurrentHashMap<Long, CreatedThread> STARTING = new ConcurrentHashMap<>();
    private static final AtomicLong KEYS = new AtomicLong();
    private static final MemorySegment TRAMPOLINE = pthread_create$__start_routine.allocate(CreatedThread::run, Arena.global());

    final EventObject ended;
    private final MemorySegment routine;
    private final MemorySegment parameter;
    private final CountDownLatch recorded = new CountDownLatch(1);
    /** The thread's record; set by the thread itself before {@link #start} returns. */
    private volatile HostThread thread;

    private CreatedThread(MemorySegment routine, MemorySegment parameter) {
        this.ended = EventObject.create(true, false);
        this.routine = routine;
        this.parameter = parameter;
    }

    /**
     * Starts a thread running {@code routine(parameter)}; returns it once it runs, or null when
     * Linux refused a thread ({@code pthread_create}'s error is logged).
     */
    static CreatedThread start(MemorySegment routine, MemorySegment parameter) {
        CreatedThread t = new CreatedThread(routine, parameter);
        t.ended.acquire(); // the running thread's own reference, dropped when it ends
        long key = KEYS.incrementAndGet();
        STARTING.put(key, t);
        int rc;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment id = arena.allocate(linux_h.C_LONG);
            rc = linux_h.pthread_create(id, MemorySegment.NULL, TRAMPOLINE, MemorySegment.ofAddress(key));
            if (rc == 0) {
                linux_h.pthread_detach(id.get(ValueLayout.JAVA_LONG, 0));
            }
        }
        if (rc != 0) {
            STARTING.remove(key);
            LOG.warn("pthread_create failed: errno {}", rc);
            t.ended.release();
            t.ended.close();
            return null;
        }
        boolean interrupted = false;
        while (true) {
            try {
                t.recorded.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return t;
    }

    /** The new thread's whole life, inside the trampoline's upcall. Never throws into native code. */
    private static MemorySegment run(MemorySegment key) {
        CreatedThread t = STARTING.remove(key.address());
        if (t == null) {
            return MemorySegment.NULL;
        }
        try {
            t.thread = HostThread.current();
        } catch (Throwable e) {
            LOG.error("a created thread could not be recorded", e);
        } finally {
            t.recorded.countDown();
        }
        try {
            LPTHREAD_START_ROUTINE.invoke(t.routine, t.parameter);
        } catch (Throwable e) {
            LOG.error("a created thread's start routine failed inside the host", e);
        } finally {
            t.ended.set();
            t.ended.release();
        }
        return MemorySegment.NULL;
    }

    /** The Linux thread id ({@code GetCurrentThreadId} on that thread), or 0 if it could not be recorded. */
    int tid() {
        HostThread h = thread;
        return h == null ? 0 : h.tid;
    }

    /** {@code QueueUserAPC} to this thread: false once it has ended. */
    boolean queueApc(long routine, long context) {
        HostThread h = thread;
        return h != null && h.queueApc(routine, context);
    }

    @Override
    public void close() {
        ended.close(); // the handle's reference; the thread keeps the event until it ends
    }
}
