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
 * An I/O completion port over one {@link IoUring}. Every packet the port hands out came through
 * the ring as a CQE; the CQE's {@code user_data} says what it is (low 3 bits, an {@code OVERLAPPED}
 * is 8-byte aligned so its tag is 0):
 * <ul>
 *   <li>tag 0: an overlapped socket operation ({@code IORING_OP_SENDMSG}/{@code RECVMSG}, submitted
 *       by {@link #submitMessage}); {@code user_data} is the {@code OVERLAPPED} address and the
 *       installed {@link OverlappedCompletion} finishes it;</li>
 *   <li>{@link #TAG_POST}: a {@code PostQueuedCompletionStatus} packet, an {@code IORING_OP_NOP}
 *       whose {@code user_data} is {@code slot << 3 | TAG_POST} into the pooled packet arrays;</li>
 *   <li>{@link #TAG_WAKE}: the NOP that {@link #close()} posts so every waiter wakes;</li>
 *   <li>{@link #TAG_CANCEL}: the answer to an {@code IORING_OP_ASYNC_CANCEL} (the cancelled
 *       operations complete themselves with {@code -ECANCELED}).</li>
 * </ul>
 *
 * <p><b>Threads.</b> Any number of threads may {@link #dequeue} (they wait in {@code poll} on the
 * ring fd, which is readable while the CQ ring is not empty, plus their wake fd when alertable);
 * reaping is serialised by the ring's reap lock. Any thread may post or submit.
 *
 * <p><b>Lifetime.</b> A reference count: the handle holds one, every dequeue/post/submit holds one
 * while it runs. {@link #close()} marks the port closed (waiters return
 * {@link KernelPort#DEQUEUE_CLOSED}), posts a wake NOP and drops the handle's reference; the last
 * reference unmaps the ring and closes its fd. The packet arrays hold no native memory.
 */
public final class CompletionPortObject implements KernelObject {

    static final long TAG_MASK = 7;
    static final long TAG_POST = 1;
    static final long TAG_WAKE = 2;
    static final long TAG_CANCEL = 3;

    private static final long ENTRY_SIZE = OVERLAPPED_ENTRY.sizeof();
    private static volatile OverlappedCompletion overlappedCompletion;

    private final IoUring ring;
    private final References refs = new References();
    private final PostedPackets packets = new PostedPackets();
    /** The reaper's current destination; only touched under the ring's reap lock. */
    private MemorySegment reapEntries;
    private int reapIndex;
    private final IoUring.CqeSink sink = this::onCqe;

    private CompletionPortObject(IoUring ring) {
        this.ring = ring;
    }

    static CompletionPortObject open() {
        return new CompletionPortObject(IoUring.open());
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
            ring.close();
        }
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

    /** <em>Hot.</em> {@code PostQueuedCompletionStatus}: a NOP carrying a pooled packet. */
    public boolean post(int bytes, long key, long overlapped) {
        if (!acquire()) {
            return false;
        }
        int slot = packets.take(bytes, key, overlapped);
        boolean ok = false;
        ring.submitLock.lock();
        try {
            long sqe = ring.nextSqe();
            if (sqe >= 0) {
                ring.prepNop(sqe, ((long) slot << 3) | TAG_POST);
                ok = ring.submit() == 0;
            }
        } finally {
            ring.submitLock.unlock();
            if (!ok) {
                packets.free(slot);
            }
            release();
        }
        return ok;
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
                int ready = Libc.poll(fds, 2, wait);
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

    private int reap(MemorySegment entries, int max) {
        ring.reapLock.lock();
        try {
            reapEntries = entries;
            reapIndex = 0;
            return ring.reap(sink, max);
        } finally {
            reapEntries = null;
            ring.reapLock.unlock();
        }
    }

    /** One CQE, under the reap lock: whether it produced the next OVERLAPPED_ENTRY ({@link IoUring.CqeSink}). */
    private int onCqe(long userData, int res) {
        long tag = userData & TAG_MASK;
        if (tag == TAG_POST) {
            int slot = (int) (userData >>> 3);
            write(packets.key(slot), packets.overlapped(slot), 0L, packets.bytes(slot));
            packets.free(slot);
            return IoUring.CqeSink.PRODUCED;
        }
        if (tag == TAG_WAKE) {
            // a reap that began before close() took the wake meant for every waiter: put it back
            // (so the ring fd stays readable) and stop, or this reap would take it again
            postWake();
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
