package org.jwsp.testkit;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import org.jwsp.bindings.linux.iovec;
import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.msghdr;

/**
 * TEST-ONLY: how {@link FakeLowerProvider} moves a WSABUF array through its socketpair:
 * {@code sendmsg}/{@code recvmsg} over iovecs built in a per-thread scratch {@code msghdr}
 * (at most 1024 entries). The raw entries take addresses and allocate nothing, so the allocation
 * tests measure jwsp, not the fake. Stateless apart from each thread's scratch (an automatic
 * arena, freed with the thread).
 */
final class FakeTransfers {

    private static final int MAX_IOVECS = 1024;
    private static final StructLayout SCRATCH = MemoryLayout.structLayout(
            msghdr.layout().withName("msg"), MemoryLayout.sequenceLayout(MAX_IOVECS, iovec.layout()).withName("iov"));
    private static final long IOV_AT = SCRATCH.byteOffset(MemoryLayout.PathElement.groupElement("iov"));
    private static final MethodHandle SENDMSG = Linker.nativeLinker().downcallHandle(linux_h.sendmsg$address(),
            linux_h.sendmsg$descriptor(), Linker.Option.captureCallState("errno"));
    /**
     * sendmsg without errno capture, for the raw (hot) path: the capture costs the JDK a per-call
     * slice that only escape analysis removes, and the allocation tests must measure jwsp with or
     * without it. On -1 the send is asked again with errno captured (a failed sendmsg sent nothing).
     */
    private static final MethodHandle SENDMSG_NO_ERRNO = Linker.nativeLinker().downcallHandle(linux_h.sendmsg$address(),
            linux_h.sendmsg$descriptor());
    private static final MethodHandle RECVMSG = Linker.nativeLinker().downcallHandle(linux_h.recvmsg$address(),
            linux_h.recvmsg$descriptor(), Linker.Option.captureCallState("errno"));
    private static final long ERRNO_OFFSET = Linker.Option.captureStateLayout()
            .byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    /** Per thread: the msghdr with its iovecs, and the captured call state. */
    private static final ThreadLocal<MemorySegment[]> SCRATCHES = ThreadLocal.withInitial(
            () -> new MemorySegment[] {Arena.ofAuto().allocate(SCRATCH), Arena.ofAuto().allocate(Linker.Option.captureStateLayout())});

    private FakeTransfers() {
    }

    /** sendmsg of the {@code count} WSABUFs of {@code wsabufs}: bytes, or -errno. */
    static long send(int fd, MemorySegment wsabufs, int count, int flags) {
        return transfer(true, fd, wsabufs, count, flags);
    }

    /** recvmsg into the {@code count} WSABUFs of {@code wsabufs}: bytes, or -errno. */
    static long receive(int fd, MemorySegment wsabufs, int count, int flags) {
        return transfer(false, fd, wsabufs, count, flags);
    }

    private static long transfer(boolean send, int fd, MemorySegment wsabufs, int count, int flags) {
        MemorySegment[] sc = SCRATCHES.get();
        MemorySegment msg = message(sc[0], wsabufs.address(), count, 0);
        try {
            long n = send ? (long) SENDMSG.invokeExact(sc[1], fd, msg, flags) : (long) RECVMSG.invokeExact(sc[1], fd, msg, flags);
            return n >= 0 ? n : -sc[1].get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * A blocking stream send as a base provider makes it: all of it, or an error. Linux's sendmsg
     * returns a partial count when a signal reaches the thread mid-send, so the rest is sent here.
     */
    static long sendAllRaw(int fd, long wsabufs, int count, int flags) {
        long total = 0;
        long want = 0;
        for (int i = 0; i < count; i++) {
            want += RawStubs.ALL.get(ValueLayout.JAVA_INT_UNALIGNED, wsabufs + i * 16L) & 0xFFFFFFFFL;
        }
        do {
            long n = sendRaw(fd, wsabufs, count, flags, total);
            if (n == -linux_h.EINTR()) {
                continue;
            }
            if (n < 0) {
                return n;
            }
            total += n;
        } while (total < want);
        return total;
    }

    /**
     * sendmsg over a WSABUF array at an address, past its first {@code skip} bytes: bytes, or
     * -errno (captured by a second call only after a failure).
     */
    static long sendRaw(int fd, long wsabufs, int count, int flags, long skip) {
        MemorySegment[] sc = SCRATCHES.get();
        MemorySegment msg = message(sc[0], wsabufs, count, skip);
        try {
            long n = (long) SENDMSG_NO_ERRNO.invokeExact(fd, msg, flags);
            if (n >= 0) {
                return n;
            }
            n = (long) SENDMSG.invokeExact(sc[1], fd, msg, flags);
            return n >= 0 ? n : -sc[1].get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Points this thread's scratch {@code msghdr} at iovecs for the {@code count} WSABUFs at
     * {@code wsabufs}, past their first {@code skip} bytes (a partly sent array), and returns it.
     */
    private static MemorySegment message(MemorySegment msg, long wsabufs, int count, long skip) {
        long iovSize = iovec.layout().byteSize();
        int iovs = 0;
        for (int i = 0; i < count; i++) {
            long base = RawStubs.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, wsabufs + i * 16L + 8);
            long len = RawStubs.ALL.get(ValueLayout.JAVA_INT_UNALIGNED, wsabufs + i * 16L) & 0xFFFFFFFFL;
            if (skip >= len) {
                skip -= len;
                continue;
            }
            msg.set(ValueLayout.JAVA_LONG, IOV_AT + iovs * iovSize + iovec.iov_base$offset(), base + skip);
            msg.set(ValueLayout.JAVA_LONG, IOV_AT + iovs * iovSize + iovec.iov_len$offset(), len - skip);
            skip = 0;
            iovs++;
        }
        for (long z = 0; z < msghdr.layout().byteSize(); z += 8) {
            msg.set(ValueLayout.JAVA_LONG, z, 0L);
        }
        msg.set(ValueLayout.JAVA_LONG, msghdr.msg_iov$offset(), msg.address() + IOV_AT);
        msg.set(ValueLayout.JAVA_LONG, msghdr.msg_iovlen$offset(), iovs);
        return msg;
    }
}
