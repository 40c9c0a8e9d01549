package org.jwsp.host.kernel;

import org.jwsp.bindings.CallerMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.pollfd;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.kernel.KernelPort;

/**
 * An I/O completion port over one {@link IoUring}. It hands out packets from two sources, merged
 * into one FIFO of arrival:
 * <ul>
 *   <li>CQEs of the ring, whose {@code user_data} says what they are (low 3 bits; an
 *       {@code OVERLAPPED} is 8-byte aligned so its tag is 0):
 *     <ul>
 *       <li>tag 0: an overlapped socket operation ({@code IORING_OP_SENDMSG}/{@code RECVMSG},
 *           submitted by {@link #submitMessage}); {@code user_data} is the {@code OVERLAPPED}
 *           address and the installed {@link OverlappedCompletion} finishes it;</li>
 *       <li>{@link #TAG_DOORBELL}: a NOP that only makes the ring readable, so that a thread
 *           asleep on it wakes and takes the posted packets;</li>
 *       <li>{@link #TAG_WAKE}: the NOP that {@link #close()} posts so every waiter wakes;</li>
 *       <li>{@link #TAG_CANCEL}: the answer to an {@code IORING_OP_ASYNC_CANCEL} (the cancelled
 *           operations complete themselves with {@code -ECANCELED});</li>
 *     </ul></li>
 *   <li>posted packets ({@code PostQueuedCompletionStatus}, {@code WPUCompleteOverlappedRequest}),
 *       which never enter the kernel by themselves: {@link #post} queues them in
 *       {@link PostedPackets}, marked with the CQ tail of their moment, and the reaper hands each
 *       out after the CQEs that arrived before it and before those that came after.</li>
 * </ul>
 *
 * <p><b>Posting without a system call.</b> A post is seen by every later dequeue (it is in the
 * queue before {@code post} returns). It enters the kernel only to wake a thread already asleep
 * on the ring: it then submits one doorbell NOP, and no other post does until that doorbell's CQE
 * is reaped. The argument that no packet is left while every waiter sleeps is written in
 * {@link PostedPackets}: a waiter's last look at the queue and its registration as a sleeper are
 * one critical section, and so are a post's enqueue and its look at the sleepers; a ring CQE needs
 * no such care, {@code poll} on the ring fd is level-triggered on the CQ. On Windows each
 * {@code PostQueuedCompletionStatus} is a kernel transition; here a burst of posts to a port
 * nobody sleeps on costs none, and to a sleeping port one.
 *
 * <p><b>Threads.</b> Any number of threads may {@link #dequeue} (they wait in {@code poll} on the
 * ring fd, which is readable while the CQ ring is not empty, plus their wake fd when alertable);
 * reaping (CQEs and posted packets alike) is serialised by the ring's reap lock. Any thread may
 * post or submit.
 *
 * <p><b>Lifetime.</b> A reference count: the handle holds one, every dequeue/post/submit holds one
 * while it runs. {@link #close()} marks the port closed (waiters return
 * {@link KernelPort#DEQUEUE_CLOSED}), posts a wake NOP and drops the handle's reference; the last
 * reference unmaps the ring and closes its fd; the packets still queued then are counted as
 * {@link #discarded()} (a Windows port drops them the same way). The packet arrays hold no native
 * memory.
 */
public final class CompletionPortObject implements KernelObject {

    static final long TAG_MASK = 7;
    static final long TAG_DOORBELL = 1;
    static final long TAG_WAKE = 2;
    static final long TAG_CANCEL = 3;

    private static final long ENTRY_SIZE = OVERLAPPED_ENTRY.sizeof();
    private static volatile OverlappedCompletion overlappedCompletion;

    /** Called by a waiter after it counted itself a sleeper and before it enters {@code poll}: tests hold that window. */
    interface SleepHook {
        void asleep(CompletionPortObject port);
    }

    private static volatile SleepHook sleepHook;

    private final IoUring ring;
    private final References refs = new References();
    private final PostedPackets packets = new PostedPackets();
    /** The reaper's current destination; only touched under the ring's reap lock. */
    private MemorySegment reapEntries;
    private int reapIndex;
    /** Set by a {@link IoUring.CqeSink#STOP} during the current reap; under the reap lock. */
    private boolean reapStopped;
    private final IoUring.CqeSink sink = this::onCqe;
    private final PostedPackets.Sink postedSink = this::write;
    private volatile int discarded;

    private CompletionPortObject(IoUring ring) {
        this.ring = ring;
    }

    static CompletionPortObject open() {
        return new CompletionPortObject(IoUring.open());
    }

    /** Installs (or with null removes) the {@link SleepHook}; tests only. */
    static void setSleepHook(SleepHook hook) {
        sleepHook = hook;
    }

    static void setOverlappedCompletion(OverlappedCompletion completion) {
        overlappedCompletion = completion;
    }

    /** The ring's fd (for tests and diagnostics). */
    public int ringFd() {
        return ring.fd;
    }

    boolean acquire() {
        return refs.acquire();
    }

    void release() {
        if (refs.release()) {
            discarded = packets.queued(); // no post is running: each holds a reference
            ring.close();
        }
    }

    /** Packets that were posted and still queued when the port's last reference went (0 while open). */
    public int discarded() {
        return discarded;
    }

    /** Posted packets not yet dequeued (for tests and diagnostics). */
    public int queued() {
        return packets.queued();
    }

    /** CQEs the ring has published so far (doorbells included), while the port is open: tests check that posts do not enter the kernel. */
    int cqesPublished() {
        return ring.cqTail();
    }

    /** Threads asleep on this port right now, waiting for a packet (for tests and diagnostics). */
    public int sleepers() {
        return packets.sleepers();
    }

    // ---- submission -------------------------------------------------------------------------

    /**
     * <em>Hot.</em> Submits {@code IORING_OP_SENDMSG} or {@code IORING_OP_RECVMSG} of {@code msghdr}
     * on {@code fd}, with {@code user_data} = the {@code overlapped} address (non-zero, 8-byte
     * aligned, else {@code -EFAULT}). The {@code msghdr}, its iovecs and buffers must stay valid
     * until the completion. Returns 0 or {@code -errno}.
     */
    public int submitMessage(int opcode, int fd, MemorySegment msghdr, int msgFlags, long overlapped) {
        if ((overlapped & TAG_MASK) != 0 || overlapped == 0) {
            return -linux_h.EFAULT();
        }
        if (!acquire()) {
            return -linux_h.EBADF();
        }
        ring.submitLock.lock();
        try {
            long sqe = ring.nextSqe();
            if (sqe < 0) {
                return -linux_h.EAGAIN();
            }
            ring.prepMsg(sqe, opcode, fd, msghdr, msgFlags, overlapped);
            return ring.submit();
        } finally {
            ring.submitLock.unlock();
            release();
        }
    }

    /**
     * Cancels the operation in flight whose {@code OVERLAPPED} is {@code overlapped} (its
     * {@code user_data}); it completes with {@code -ECANCELED}. 0 or {@code -errno} of the submission.
     */
    public int cancelOverlapped(long overlapped) {
        if (!acquire()) {
            return -linux_h.EBADF();
        }
        ring.submitLock.lock();
        try {
            long sqe = ring.nextSqe();
            if (sqe < 0) {
                return -linux_h.EAGAIN();
            }
            ring.prepCancelUserData(sqe, overlapped, TAG_CANCEL);
            return ring.submit();
        } finally {
            ring.submitLock.unlock();
            release();
        }
    }

    /** Cancels every operation in flight on {@code fd}; they complete with {@code -ECANCELED}. */
    public int cancel(int fd) {
        if (!acquire()) {
            return -linux_h.EBADF();
        }
        ring.submitLock.lock();
        try {
            long sqe = ring.nextSqe();
            if (sqe < 0) {
                return -linux_h.EAGAIN();
            }
            ring.prepCancelFd(sqe, fd, TAG_CANCEL);
            return ring.submit();
        } finally {
            ring.submitLock.unlock();
            release();
        }
    }

    /**
     * <em>Hot.</em> {@code PostQueuedCompletionStatus}: queues the packet for the next dequeue and
     * enters the kernel only if a thread sleeps on the port (one doorbell NOP, see the class
     * comment). False only if the port is closed.
     */
    public boolean post(int bytes, long key, long overlapped) {
        if (!acquire()) {
            return false;
        }
        try {
            if (packets.post(bytes, key, overlapped, ring.cqTail())) {
                ringDoorbell();
            }
            return true;
        } finally {
            release();
        }
    }

    /** Submits a doorbell NOP (the caller claimed it in {@link PostedPackets}); its CQE wakes every sleeper. */
    private void ringDoorbell() {
        int rc = -1;
        ring.submitLock.lock();
        try {
            long sqe = ring.nextSqe();
            if (sqe >= 0) {
                ring.prepNop(sqe, TAG_DOORBELL);
                rc = ring.submit();
            }
        } finally {
            ring.submitLock.unlock();
        }
        if (rc != 0) {
            packets.doorbellFailed(); // the packet is queued all the same; the next post or reap rings again
        }
    }

    // ---- dequeue ----------------------------------------------------------------------------

    /**
     * {@link KernelPort#dequeue}, see there; an {@code entries} segment smaller than one
     * {@code OVERLAPPED_ENTRY} is refused like a closed port ({@link KernelPort#DEQUEUE_CLOSED}).
     */
    int dequeue(MemorySegment entries, int timeoutMillis, boolean alertable) {
        int max = (int) Math.min(Integer.MAX_VALUE, entries.byteSize() / ENTRY_SIZE);
        if (max == 0 || !acquire()) {
            return KernelPort.DEQUEUE_CLOSED;
        }
        HostThread thread = HostThread.current();
        boolean lent = false;
        try {
            if (alertable) {
                thread.beginAlertable(); // before the first look at the queue: see HostThread.beginAlertable
                lent = true;
            }
            long deadline = Waits.deadline(timeoutMillis);
            for (;;) {
                if (alertable && !thread.apcs.isEmpty()) {
                    thread.runApcs();
                    return KernelPort.DEQUEUE_IO_COMPLETION;
                }
                if (refs.closed()) {
                    return KernelPort.DEQUEUE_CLOSED;
                }
                int n = reap(entries, max);
                if (n > 0) {
                    return n;
                }
                int wait = Waits.remainingMillis(deadline);
                if (wait == 0) {
                    return KernelPort.DEQUEUE_TIMEOUT;
                }
                MemorySegment fds = thread.pollfds;
                pollfd.fd(fds, ring.fd);
                pollfd.events(fds, (short) linux_h.POLLIN());
                pollfd.revents(fds, (short) 0);
                Waits.setWake(thread, alertable);
                if (!packets.sleep()) {
                    continue; // posted since the reap above: take it
                }
                int ready;
                try {
                    SleepHook hook = sleepHook;
                    if (hook != null) {
                        hook.asleep(this);
                    }
                    ready = Libc.poll(fds, 2, wait);
                } finally {
                    packets.awake();
                }
                if (ready > 0 && alertable) {
                    thread.drainWake(fds);
                }
                if (ready > 0 && (pollfd.revents(fds) & linux_h.POLLIN()) != 0 && !ring.hasCompletions()) {
                    ring.flushOverflow(); // readable but empty: CQEs wait on the kernel's overflow list
                }
            }
        } finally {
            if (lent) {
                thread.endAlertable();
            }
            release();
        }
    }

    /**
     * Fills up to {@code max} entries, merging the ring's CQEs and the posted packets in order of
     * arrival (a packet goes right before the CQE at its mark). If it leaves packets behind while
     * threads sleep, it rings the doorbell for them.
     */
    private int reap(MemorySegment entries, int max) {
        int produced;
        ring.reapLock.lock();
        try {
            reapEntries = entries;
            reapIndex = 0;
            reapStopped = false;
            while (reapIndex < max && !reapStopped) {
                int head = ring.cqHead();
                int before = packets.cqesBeforeOldest(head);
                if (before == 0) {
                    packets.take(head, max - reapIndex, postedSink);
                } else if (ring.reap(sink, max - reapIndex, before) == 0) {
                    if (before == PostedPackets.NONE) {
                        break; // nothing anywhere
                    }
                    packets.take(head, max - reapIndex, postedSink); // defensive: marks never run ahead of the tail
                }
            }
            produced = reapIndex; // read under the lock: the next reaper resets it
        } finally {
            reapEntries = null;
            ring.reapLock.unlock();
        }
        if (packets.needsDoorbell()) {
            ringDoorbell();
        }
        return produced;
    }

    /** One CQE, under the reap lock: whether it produced the next OVERLAPPED_ENTRY ({@link IoUring.CqeSink}). */
    private int onCqe(long userData, int res) {
        long tag = userData & TAG_MASK;
        if (tag == TAG_DOORBELL) {
            packets.doorbellAnswered();
            return IoUring.CqeSink.CONSUMED;
        }
        if (tag == TAG_WAKE) {
            // a reap that began before close() took the wake meant for every waiter: put it back
            // (so the ring fd stays readable) and stop, or this reap would take it again
            postWake();
            reapStopped = true;
            return IoUring.CqeSink.STOP;
        }
        if (tag != 0) {
            return IoUring.CqeSink.CONSUMED; // the answer to a cancel: the cancelled operations answer themselves
        }
        OverlappedCompletion completion = overlappedCompletion;
        long key = completion == null ? OverlappedCompletion.NO_ENTRY : completion.complete(this, userData, res);
        if (key == OverlappedCompletion.NO_ENTRY) {
            return IoUring.CqeSink.CONSUMED;
        }
        write(key, userData, CallerMemory.getAlignedLong(userData + OVERLAPPED.Internal$offset()),
                (int) CallerMemory.getAlignedLong(userData + OVERLAPPED.InternalHigh$offset()));
        return IoUring.CqeSink.PRODUCED;
    }

    /** A posted packet, under the reap lock. */
    private void write(long key, long overlapped, int bytes) {
        write(key, overlapped, 0L, bytes);
    }

    /** Writes OVERLAPPED_ENTRY[reapIndex++]; pointers are 64-bit on both targets (x64, x86_64). */
    private void write(long key, long overlapped, long internal, int bytes) {
        long at = reapIndex++ * ENTRY_SIZE;
        MemorySegment e = reapEntries;
        e.set(OVERLAPPED_ENTRY.lpCompletionKey$layout(), at + OVERLAPPED_ENTRY.lpCompletionKey$offset(), key);
        e.set(ValueLayout.JAVA_LONG, at + OVERLAPPED_ENTRY.lpOverlapped$offset(), overlapped);
        e.set(OVERLAPPED_ENTRY.Internal$layout(), at + OVERLAPPED_ENTRY.Internal$offset(), internal);
        e.set(OVERLAPPED_ENTRY.dwNumberOfBytesTransferred$layout(),
                at + OVERLAPPED_ENTRY.dwNumberOfBytesTransferred$offset(), bytes);
    }

    // ---- close ------------------------------------------------------------------------------

    boolean isClosed() {
        return refs.closed();
    }

    /** Wakes every waiter with {@link KernelPort#DEQUEUE_CLOSED}; the last reference frees the ring. */
    @Override
    public void close() {
        refs.markClosed();
        postWake();
        release();
    }

    /** Submits the wake NOP; its CQE stays in the ring (nobody reaps once closed): the fd stays readable. */
    private void postWake() {
        ring.submitLock.lock();
        try {
            long sqe = ring.nextSqe();
            if (sqe >= 0) {
                ring.prepNop(sqe, TAG_WAKE);
                ring.submit();
            }
        } finally {
            ring.submitLock.unlock();
        }
    }
}
