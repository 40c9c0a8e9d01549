package org.jwsp.host.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.pollfd;
import org.jwsp.bindings.windows.LPWSAUSERAPC;

/**
 * What the host knows about one thread (a JVM thread or a native thread that called in): its
 * Linux thread id, its {@link ApcQueue}, and (from its first alertable wait on) an eventfd
 * ("wake fd") that {@link #queueApc} signals so that an alertable {@code poll} of that thread wakes up.
 *
 * <p>Created on the thread's first use of the kernel port ({@link #current()}). Its scratch
 * memory (two {@code pollfd}s and an 8-byte word for eventfd reads/writes) belongs to an
 * automatic arena that lives as long as this object; the wake fd is closed by a {@link Cleaner}
 * when the thread's {@link Thread} object is collected, after which APCs queued to it are refused.
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
    /** -1 until the thread's first alertable wait makes it; guarded by {@code this}. */
    private int wakeFd = -1;
    /** The thread is gone: APCs are refused. Guarded by {@code this}. */
    private boolean gone;

    private HostThread(int tid) {
        this.tid = tid;
        Arena arena = Arena.ofAuto();
        this.pollfds = pollfd.allocateArray(2, arena);
        this.word = arena.allocate(16, 8);
        word.set(ValueLayout.JAVA_LONG, 0, 1L);
        this.sink = word.asSlice(8, 8);
    }

    private static HostThread attach() {
        HostThread t = new HostThread(Libc.gettid());
        CLEANER.register(Thread.currentThread(), t::close);
        return t;
    }

    /** The calling thread's record. */
    static HostThread current() {
        return CURRENT.get();
    }

    /**
     * The wake fd, made on the owner's first alertable wait (so threads that never wait alertably
     * hold no fd). Safe against a concurrent {@link #queueApc}: an APC queued before the fd exists
     * is in the queue, which every alertable wait checks after this call and before it polls.
     */
    synchronized int wakeFd() {
        if (wakeFd < 0 && !gone) {
            int fd = Libc.eventfd(0, linux_h.EFD_NONBLOCK() | linux_h.EFD_CLOEXEC());
            if (fd < 0) {
                throw new org.jwsp.kernel.KernelException("eventfd for a thread's APC queue", -fd);
            }
            wakeFd = fd;
        }
        return wakeFd;
    }

    /** Queues an APC and wakes the thread's alertable wait; false once the thread is gone. */
    synchronized boolean queueApc(long routine, long context) {
        if (gone) {
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
        if ((pollfds.get(pollfd.revents$layout(), pollfd.sizeof() + pollfd.revents$offset()) & linux_h.POLLIN()) != 0) {
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

    private synchronized void close() {
        gone = true;
        if (wakeFd >= 0) {
            Libc.close(wakeFd);
            wakeFd = -1;
        }
    }
}
