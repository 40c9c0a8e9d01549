package org.jwsp.host.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;

import org.jwsp.bindings.linux.io_cqring_offsets;
import org.jwsp.bindings.linux.io_sqring_offsets;
import org.jwsp.bindings.linux.io_uring_cqe;
import org.jwsp.bindings.linux.io_uring_params;
import org.jwsp.bindings.linux.io_uring_sqe;
import org.jwsp.bindings.linux.linux_h;

/**
 * One io_uring instance: the ring fd, the submission ring, the SQE array and the completion ring,
 * all {@code mmap}'d from the kernel and read through the generated layouts. It only moves
 * entries; what an entry means is {@link CompletionPortObject}'s business.
 *
 * <pre>
 *   SQ ring (shared): head (kernel writes) | tail (we write) | ring_mask | array[sq_entries] (u32 index into SQEs)
 *   SQEs:             struct io_uring_sqe[sq_entries]  (64 bytes each, we write)
 *   CQ ring (shared): head (we write) | tail (kernel writes) | ring_mask | cqes[cq_entries] (16 bytes each)
 * </pre>
 *
 * <p><b>Memory ordering.</b> The kernel reads the SQ tail with {@code smp_load_acquire} and
 * publishes the SQ head with {@code smp_store_release}; it writes a CQE and then publishes the CQ
 * tail with {@code smp_store_release}, and reads our CQ head with {@code smp_load_acquire}. So:
 * we fill the SQE and its array slot with plain stores and then {@code setRelease} the SQ tail
 * (the kernel's acquire of the tail sees the whole SQE); we {@code getAcquire} the SQ head before
 * reusing a slot; we {@code getAcquire} the CQ tail before reading CQEs (the kernel's release
 * made them visible), and only after reading them do we {@code setRelease} the CQ head (so the
 * kernel cannot overwrite a CQE we are still reading). No SQPOLL thread: the kernel consumes SQEs
 * only inside {@code io_uring_enter}, which we call with the submission lock held.
 *
 * <p><b>Threads.</b> Any thread may submit ({@link #submitLock} serialises them); any thread may
 * reap ({@link #reapLock}). A submitter never takes the reap lock; a reaper may submit (a
 * completion that starts the next send), so lock order is reap, then submit.
 *
 * <p><b>Memory.</b> The three mappings belong to this object and are unmapped, and the fd
 * closed, by {@link #close()}, once, by the port that owns the ring.
 */
final class IoUring {

    private static final VarHandle U32 = ValueLayout.JAVA_INT.varHandle();
    private static final int SQ_ENTRIES = 256;
    private static final int CQ_ENTRIES = 4096;

    final int fd;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final boolean singleMmap;
    private final long sqHeadOff, sqTailOff, sqArrayOff, cqHeadOff, cqTailOff, cqesOff;
    private final int sqMask, sqEntries, cqMask;

    final ReentrantLock submitLock = new ReentrantLock();
    final ReentrantLock reapLock = new ReentrantLock();

    /** Our copy of the SQ tail; only written under {@link #submitLock}. */
    private int sqTail;

    private IoUring(int fd, MemorySegment sqRing, MemorySegment cqRing, MemorySegment sqes, boolean singleMmap,
                    MemorySegment params) {
        this.fd = fd;
        this.sqRing = sqRing;
        this.cqRing = cqRing;
        this.sqes = sqes;
        this.singleMmap = singleMmap;
        MemorySegment sq = io_uring_params.sq_off(params);
        MemorySegment cq = io_uring_params.cq_off(params);
        sqHeadOff = io_sqring_offsets.head(sq);
        sqTailOff = io_sqring_offsets.tail(sq);
        sqArrayOff = io_sqring_offsets.array(sq);
        sqMask = sqRing.get(ValueLayout.JAVA_INT, io_sqring_offsets.ring_mask(sq));
        sqEntries = io_uring_params.sq_entries(params);
        cqHeadOff = io_cqring_offsets.head(cq);
        cqTailOff = io_cqring_offsets.tail(cq);
        cqesOff = io_cqring_offsets.cqes(cq);
        cqMask = cqRing.get(ValueLayout.JAVA_INT, io_cqring_offsets.ring_mask(cq));
        sqTail = (int) U32.getAcquire(sqRing, sqTailOff);
    }

    /** {@code io_uring_setup} and the mappings; throws {@link org.jwsp.kernel.KernelException} when refused. */
    static IoUring open() {
        try (CountedArena scratch = new CountedArena()) {
            MemorySegment params = io_uring_params.allocate(scratch);
            io_uring_params.flags(params, linux_h.IORING_SETUP_CQSIZE() | linux_h.IORING_SETUP_CLAMP());
            io_uring_params.cq_entries(params, CQ_ENTRIES);
            int fd = Libc.ioUringSetup(SQ_ENTRIES, params);
            if (fd < 0) {
                throw new org.jwsp.kernel.KernelException("io_uring_setup failed", -fd);
            }
            MemorySegment sq = io_uring_params.sq_off(params);
            MemorySegment cq = io_uring_params.cq_off(params);
            long sqSize = io_sqring_offsets.array(sq) + io_uring_params.sq_entries(params) * 4L;
            long cqSize = io_cqring_offsets.cqes(cq) + io_uring_params.cq_entries(params) * io_uring_cqe.sizeof();
            boolean single = (io_uring_params.features(params) & linux_h.IORING_FEAT_SINGLE_MMAP()) != 0;
            int prot = linux_h.PROT_READ() | linux_h.PROT_WRITE();
            int flags = linux_h.MAP_SHARED() | linux_h.MAP_POPULATE();
            MemorySegment sqRing = MemorySegment.NULL, cqRing = MemorySegment.NULL, sqes = MemorySegment.NULL;
            try {
                sqRing = Libc.mmap(single ? Math.max(sqSize, cqSize) : sqSize, prot, flags, fd, linux_h.IORING_OFF_SQ_RING());
                cqRing = single ? sqRing : Libc.mmap(cqSize, prot, flags, fd, linux_h.IORING_OFF_CQ_RING());
                sqes = Libc.mmap(io_uring_params.sq_entries(params) * io_uring_sqe.sizeof(), prot, flags, fd,
                        linux_h.IORING_OFF_SQES());
                if (sqRing.equals(MemorySegment.NULL) || cqRing.equals(MemorySegment.NULL) || sqes.equals(MemorySegment.NULL)) {
                    throw new org.jwsp.kernel.KernelException("mmap of io_uring rings failed", 0);
                }
                return new IoUring(fd, sqRing, cqRing, sqes, single, params);
            } catch (RuntimeException e) {
                unmap(sqRing);
                if (!single) {
                    unmap(cqRing);
                }
                unmap(sqes);
                Libc.close(fd);
                throw e;
            }
        }
    }

    private static void unmap(MemorySegment m) {
        if (!m.equals(MemorySegment.NULL)) {
            Libc.munmap(m);
        }
    }

    // ---- submission -------------------------------------------------------------------------

    /**
     * The offset in the SQE array of the next free SQE, zeroed; the caller holds {@link #submitLock},
     * fills it with the {@code prep*} methods and calls {@link #submit()}. -1 if the SQ is full
     * (cannot happen while every submit enters at once).
     */
    long nextSqe() {
        int head = (int) U32.getAcquire(sqRing, sqHeadOff);
        if (sqTail - head >= sqEntries) {
            return -1;
        }
        int index = sqTail & sqMask;
        long sqe = index * io_uring_sqe.sizeof();
        for (long b = 0; b < io_uring_sqe.sizeof(); b += 8) {
            sqes.set(ValueLayout.JAVA_LONG, sqe + b, 0L);
        }
        sqRing.set(ValueLayout.JAVA_INT, sqArrayOff + index * 4L, index);
        return sqe;
    }

    /**
     * Publishes the SQE from {@link #nextSqe()} and enters the kernel to submit it. If the kernel
     * did not take it, the tail is rolled back (safe: the kernel only reads the SQ inside
     * {@code io_uring_enter}, which we call under the lock) and {@code -errno} is returned.
     */
    int submit() {
        int head = (int) U32.getAcquire(sqRing, sqHeadOff);
        U32.setRelease(sqRing, sqTailOff, sqTail + 1);
        int r;
        do {
            r = Libc.ioUringEnter(fd, 1, 0, 0);
        } while (r == -linux_h.EINTR());
        if (r == 1 || (int) U32.getAcquire(sqRing, sqHeadOff) != head) {
            sqTail++;
            return 0;
        }
        U32.setRelease(sqRing, sqTailOff, sqTail);
        return r < 0 ? r : -linux_h.EAGAIN();
    }

    void prepNop(long sqe, long userData) {
        sqes.set(io_uring_sqe.opcode$layout(), sqe + io_uring_sqe.opcode$offset(), (byte) linux_h.IORING_OP_NOP());
        sqes.set(io_uring_sqe.user_data$layout(), sqe + io_uring_sqe.user_data$offset(), userData);
    }

    void prepMsg(long sqe, int opcode, int socketFd, MemorySegment msghdr, int msgFlags, long userData) {
        sqes.set(io_uring_sqe.opcode$layout(), sqe + io_uring_sqe.opcode$offset(), (byte) opcode);
        sqes.set(io_uring_sqe.fd$layout(), sqe + io_uring_sqe.fd$offset(), socketFd);
        sqes.set(io_uring_sqe.addr$layout(), sqe + io_uring_sqe.addr$offset(), msghdr.address());
        sqes.set(io_uring_sqe.len$layout(), sqe + io_uring_sqe.len$offset(), 1);
        sqes.set(io_uring_sqe.msg_flags$layout(), sqe + io_uring_sqe.msg_flags$offset(), msgFlags);
        sqes.set(io_uring_sqe.user_data$layout(), sqe + io_uring_sqe.user_data$offset(), userData);
    }

    /** {@code IORING_OP_ASYNC_CANCEL} of the request whose {@code user_data} is {@code target}. */
    void prepCancelUserData(long sqe, long target, long userData) {
        sqes.set(io_uring_sqe.opcode$layout(), sqe + io_uring_sqe.opcode$offset(), (byte) linux_h.IORING_OP_ASYNC_CANCEL());
        sqes.set(io_uring_sqe.fd$layout(), sqe + io_uring_sqe.fd$offset(), -1);
        sqes.set(io_uring_sqe.addr$layout(), sqe + io_uring_sqe.addr$offset(), target);
        sqes.set(io_uring_sqe.user_data$layout(), sqe + io_uring_sqe.user_data$offset(), userData);
    }

    /** {@code IORING_OP_ASYNC_CANCEL} of every request on {@code fd}. */
    void prepCancelFd(long sqe, int socketFd, long userData) {
        sqes.set(io_uring_sqe.opcode$layout(), sqe + io_uring_sqe.opcode$offset(), (byte) linux_h.IORING_OP_ASYNC_CANCEL());
        sqes.set(io_uring_sqe.fd$layout(), sqe + io_uring_sqe.fd$offset(), socketFd);
        sqes.set(io_uring_sqe.cancel_flags$layout(), sqe + io_uring_sqe.cancel_flags$offset(),
                linux_h.IORING_ASYNC_CANCEL_FD() | linux_h.IORING_ASYNC_CANCEL_ALL());
        sqes.set(io_uring_sqe.user_data$layout(), sqe + io_uring_sqe.user_data$offset(), userData);
    }

    // ---- completion -------------------------------------------------------------------------

    /** Receives one CQE while the reaper holds {@link #reapLock}. */
    interface CqeSink {
        /** The CQE was consumed and produced nothing. */
        int CONSUMED = 0;
        /** The CQE produced an entry. */
        int PRODUCED = 1;
        /** The CQE was consumed and the reap must stop here. */
        int STOP = -1;

        int accept(long userData, int res);
    }

    /**
     * Reaps CQEs until {@code maxProduced} of them produced an entry, {@code maxConsumed} were
     * consumed, a sink said {@link CqeSink#STOP} or the ring is empty; the caller holds
     * {@link #reapLock}. Returns the number consumed (the sink counts what it produced).
     */
    int reap(CqeSink sink, int maxProduced, int maxConsumed) {
        int head = (int) U32.get(cqRing, cqHeadOff);
        int tail = (int) U32.getAcquire(cqRing, cqTailOff);
        int produced = 0, consumed = 0;
        while (head != tail && produced < maxProduced && consumed < maxConsumed) {
            long cqe = cqesOff + (head & cqMask) * io_uring_cqe.sizeof();
            long userData = cqRing.get(io_uring_cqe.user_data$layout(), cqe + io_uring_cqe.user_data$offset());
            int res = cqRing.get(io_uring_cqe.res$layout(), cqe + io_uring_cqe.res$offset());
            head++;
            consumed++;
            // release the slot before running the sink: the sink may submit, and nothing below reads the CQE
            U32.setRelease(cqRing, cqHeadOff, head);
            int r = sink.accept(userData, res);
            if (r == CqeSink.STOP) {
                break;
            }
            produced += r;
            if (head == tail) {
                tail = (int) U32.getAcquire(cqRing, cqTailOff);
            }
        }
        return consumed;
    }

    /** Our CQ head: the index of the next CQE to reap (only the reaper writes it). */
    int cqHead() {
        return (int) U32.get(cqRing, cqHeadOff);
    }

    /** The kernel's CQ tail: how many CQEs have ever been published (acquire). */
    int cqTail() {
        return (int) U32.getAcquire(cqRing, cqTailOff);
    }

    /** True if the CQ ring holds at least one CQE. */
    boolean hasCompletions() {
        return (int) U32.get(cqRing, cqHeadOff) != (int) U32.getAcquire(cqRing, cqTailOff);
    }

    /** Flushes CQEs the kernel kept on its overflow list into the ring ({@code IORING_ENTER_GETEVENTS}, min 0). */
    void flushOverflow() {
        Libc.ioUringEnter(fd, 0, 0, linux_h.IORING_ENTER_GETEVENTS());
    }

    /** Unmaps the rings and closes the fd; the kernel cancels whatever is still in flight. */
    void close() {
        Libc.munmap(sqes);
        Libc.munmap(sqRing);
        if (!singleMmap) {
            Libc.munmap(cqRing);
        }
        Libc.close(fd);
    }
}
