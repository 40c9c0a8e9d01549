package org.jwsp.host.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.pollfd;
import org.jwsp.bindings.windows.LPWSAUSERAPC;

/**
 * What the host knows about one thread (a JVM thread or a native thread that called in): its
 * Linux thread id, its {@link ApcQueue}, and, while it is in an alertable wait, the eventfd
 * ("wake fd", lent by {@link WakeFds}) that {@link #queueApc} signals so that the wait's
 * {@code poll} wakes up.
 *
 * <p>Created on the thread's first use of the kernel port ({@link #current()}). Its scratch
 * memory (two {@code pollfd}s and an 8-byte word for eventfd reads/writes) belongs to an
 * automatic arena that lives as long as this object (Java heap-like memory, no fd). The wake fd
 * is held only inside an alertable wait ({@link #beginAlertable}/{@link #endAlertable}), so a
 * thread holds no native resource between waits and none after it ends, whether or not the GC
 * ever collects its {@link Thread}. An APC queued to a thread that has ended is refused, as
 * Windows refuses {@code QueueUserAPC} to a terminated thread: {@link #queueApc} asks the owner's
 * {@link Thread#isAlive()} (held weakly; a native thread's attachment ends when it exits), so the
 * caller learns it at once and can free what the APC would have freed. Java offers no thread-exit
 * hook, so nothing runs at the exit itself; a {@link Cleaner} on the {@link Thread} only marks
 * the record gone once the GC has collected it.
 */
final class HostThread {

    private static final Logger LOG = LogManager.getLogger(HostThread.class);
    private static final Cleaner CLEANER = Cleaner.create();
    private static final ThreadLocal<HostThread> CURRENT = ThreadLocal.withInitial(HostThread::attach);

    final int tid;
    final ApcQueue apcs = new ApcQueue();
    /** pollfd[0] is the object waited on, pollfd[1] this thread's wake fd. Owner thread only. */
    final MemorySegment pollfds;
    /** [0..8) the value 1 for eventfd writes, [8..16) a sink for eventfd reads. */
    private final MemorySegment word;
    private final MemorySegment sink;
    private final long[] apc = new long[2];
    /** The lent wake fd while in an alertable wait, else -1; guarded by {@code this}. */
    private int wakeFd = -1;
    /** Nesting of alertable waits (an APC may wait alertably); owner thread only. */
    private int alertableDepth;
    /** The thread is gone: APCs are refused. Guarded by {@code this}. */
    private boolean gone;
    /** pollfds for a wait on several objects (the wake fd first), made on the thread's first such wait. Owner thread only. */
    private MemorySegment manyPollfds;
    /** The owning thread (weakly: this record must not keep it reachable for the Cleaner). */
    private final WeakReference<Thread> owner;

    private HostThread(int tid, Thread owner) {
        this.tid = tid;
        this.owner = new WeakReference<>(owner);
        Arena arena = Arena.ofAuto();
        this.pollfds = pollfd.allocateArray(2, arena);
        this.word = arena.allocate(16, 8);
        word.set(ValueLayout.JAVA_LONG, 0, 1L);
        this.sink = word.asSlice(8, 8);
    }

    /** {@code MultipleWaits.MAX + 1} pollfds of this thread (owner thread only). */
    MemorySegment manyPollfds() {
        if (manyPollfds == null) {
            manyPollfds = pollfd.allocateArray(MultipleWaits.MAX + 1, Arena.ofAuto());
        }
        return manyPollfds;
    }

    private static HostThread attach() {
        HostThread t = new HostThread(Libc.gettid(), Thread.currentThread());
        CLEANER.register(Thread.currentThread(), t::gone);
        return t;
    }

    /** The calling thread's record. */
    static HostThread current() {
        return CURRENT.get();
    }

    /**
     * Starts an alertable wait (owner thread): borrows a wake fd and publishes it, before the
     * wait's first look at the APC queue, so an APC queued from now on writes it, and one queued
     * before is in the queue that the wait checks next. Pair with {@link #endAlertable} in a
     * {@code finally}.
     */
    void beginAlertable() {
        if (alertableDepth++ > 0) {
            return; // nested (an APC waiting alertably): the outer wait's fd serves
        }
        int fd;
        try {
            fd = WakeFds.take();
        } catch (RuntimeException e) {
            alertableDepth--;
            throw e;
        }
        synchronized (this) {
            wakeFd = fd;
        }
    }

    /** Ends an alertable wait (owner thread): unpublishes the wake fd (so no APC writes it any more) and gives it back. */
    void endAlertable() {
        if (--alertableDepth > 0) {
            return;
        }
        int fd;
        synchronized (this) {
            fd = wakeFd;
            wakeFd = -1;
        }
        if (fd >= 0) {
            WakeFds.give(fd);
        }
    }

    /** The wake fd to poll (owner thread, inside an alertable wait), or -1. */
    synchronized int wakeFd() {
        return wakeFd;
    }

    /** Queues an APC and wakes the thread's alertable wait; false once the thread is gone. */
    synchronized boolean queueApc(long routine, long context) {
        if (ended()) {
            return false;
        }
        apcs.add(routine, context);
        if (wakeFd >= 0) {
            Libc.write8(wakeFd, word);
        }
        return true;
    }

    /**
     * After a poll saw the wake fd readable: consumes its counter, so that a wake whose APC was
     * already run cannot keep the fd readable (and the next alertable wait spinning). The queue is
     * checked after this, so an APC queued before the read is still seen.
     */
    void drainWake(MemorySegment pollfds) {
        drainWake(pollfds, 1);
    }

    /** {@link #drainWake(MemorySegment)} with the wake fd at {@code pollfd[index]}. */
    void drainWake(MemorySegment pollfds, long index) {
        if ((pollfds.get(pollfd.revents$layout(), index * pollfd.sizeof() + pollfd.revents$offset()) & linux_h.POLLIN()) != 0) {
            int fd;
            synchronized (this) {
                fd = wakeFd;
            }
            if (fd >= 0) {
                Libc.read8(fd, sink);
            }
        }
    }

    /**
     * Runs every queued APC on the calling (owning) thread in FIFO order, including those queued
     * while they run; returns how many ran. An APC is a downcall into native code: a Java
     * exception can only come from a Java upcall behind it that broke the rule, and is logged.
     */
    int runApcs() {
        int fd;
        synchronized (this) {
            fd = wakeFd;
        }
        if (fd >= 0) {
            Libc.read8(fd, sink);
        }
        int ran = 0;
        while (apcs.take(apc)) {
            try {
                LPWSAUSERAPC.invoke(MemorySegment.ofAddress(apc[0]), apc[1]);
            } catch (Throwable t) {
                LOG.error("APC routine threw into the host; ignored", t);
            }
            ran++;
        }
        return ran;
    }

    /**
     * Whether the owning thread has ended (any thread): a native thread's attachment ends when it
     * exits. The APCs still queued to it are dropped then, as Windows runs down a terminated
     * thread's user APCs without calling them.
     */
    synchronized boolean ended() {
        Thread thread = owner.get();
        if (!gone && thread != null && thread.isAlive()) {
            return false;
        }
        gone();
        return true;
    }

    private synchronized void gone() {
        gone = true;
        apcs.clear();
    }
}
