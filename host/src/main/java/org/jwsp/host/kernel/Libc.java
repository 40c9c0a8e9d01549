package org.jwsp.host.kernel;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import org.jwsp.bindings.CapturedErrno;
import org.jwsp.bindings.linux.linux_h;

/**
 * The host's downcalls into glibc and the two io_uring system calls, each returning the
 * kernel's convention: a non-negative result, or {@code -errno}. errno is captured the one way
 * jwsp captures it, {@link CapturedErrno}, into a per-thread state segment (owned by an
 * automatic arena, freed with the thread's {@link ThreadLocal} value).
 *
 * <p>Called from any thread: application threads in upcalls, completion threads, tests. No call
 * here is {@code critical}: every one may block. Handles come from the generated
 * {@code linux_h.X$address()}/{@code X$descriptor()} pairs so the signatures are the headers'.
 */
public final class Libc {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> CapturedErrno.allocate(java.lang.foreign.Arena.ofAuto()));

    private static final MethodHandle SOCKET = errno(linux_h.socket$address(), linux_h.socket$descriptor());
    private static final MethodHandle BIND = errno(linux_h.bind$address(), linux_h.bind$descriptor());
    private static final MethodHandle LISTEN = errno(linux_h.listen$address(), linux_h.listen$descriptor());
    private static final MethodHandle ACCEPT4 = errno(linux_h.accept4$address(), linux_h.accept4$descriptor());
    private static final MethodHandle CONNECT = errno(linux_h.connect$address(), linux_h.connect$descriptor());
    private static final MethodHandle SHUTDOWN = errno(linux_h.shutdown$address(), linux_h.shutdown$descriptor());
    private static final MethodHandle CLOSE = errno(linux_h.close$address(), linux_h.close$descriptor());
    private static final MethodHandle SENDMSG = errno(linux_h.sendmsg$address(), linux_h.sendmsg$descriptor());
    private static final MethodHandle RECVMSG = errno(linux_h.recvmsg$address(), linux_h.recvmsg$descriptor());
    private static final MethodHandle GETSOCKOPT = errno(linux_h.getsockopt$address(), linux_h.getsockopt$descriptor());
    private static final MethodHandle SETSOCKOPT = errno(linux_h.setsockopt$address(), linux_h.setsockopt$descriptor());
    private static final MethodHandle GETSOCKNAME = errno(linux_h.getsockname$address(), linux_h.getsockname$descriptor());
    private static final MethodHandle GETPEERNAME = errno(linux_h.getpeername$address(), linux_h.getpeername$descriptor());
    private static final MethodHandle EVENTFD = errno(linux_h.eventfd$address(), linux_h.eventfd$descriptor());
    private static final MethodHandle POLL = errno(linux_h.poll$address(), linux_h.poll$descriptor());
    private static final MethodHandle MMAP = errno(linux_h.mmap$address(), linux_h.mmap$descriptor());
    private static final MethodHandle MUNMAP = errno(linux_h.munmap$address(), linux_h.munmap$descriptor());
    /** {@code fcntl(int, int, ...)} with one variadic {@code int}. */
    private static final MethodHandle FCNTL = CapturedErrno.downcall(linux_h.fcntl.address(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    /** {@code read}/{@code write} without errno: only used on eventfds, where failure means "nothing to read". */
    private static final MethodHandle READ = LINKER.downcallHandle(linux_h.read$address(), linux_h.read$descriptor());
    private static final MethodHandle WRITE = LINKER.downcallHandle(linux_h.write$address(), linux_h.write$descriptor());
    private static final MethodHandle GETTID = LINKER.downcallHandle(linux_h.gettid$address(), linux_h.gettid$descriptor());
    /** {@code syscall(__NR_io_uring_setup, unsigned entries, struct io_uring_params *)}. */
    private static final MethodHandle IO_URING_SETUP = CapturedErrno.downcall(linux_h.syscall.address(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
            Linker.Option.firstVariadicArg(1));
    /** {@code syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags, argp, argsz)}. */
    private static final MethodHandle IO_URING_ENTER = CapturedErrno.downcall(linux_h.syscall.address(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    /**
     * The same call without errno capture, tried first. The capture costs the JDK a per-call slice
     * of the state segment that only C2's escape analysis removes, and io_uring_enter is on every
     * overlapped operation's path; {@link #ioUringEnter} asks for errno only when the call failed.
     */
    private static final MethodHandle IO_URING_ENTER_NO_ERRNO = LINKER.downcallHandle(linux_h.syscall.address(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(1));

    private Libc() {
    }

    private static MethodHandle errno(MemorySegment address, FunctionDescriptor descriptor) {
        return CapturedErrno.downcall(address, descriptor);
    }

    private static int fail(MemorySegment state) {
        return -CapturedErrno.errno(state);
    }

    private static AssertionError unreachable(Throwable t) {
        return new AssertionError("downcall failed in the JVM", t);
    }

    public static int socket(int domain, int type, int protocol) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) SOCKET.invokeExact(st, domain, type, protocol);
            return r < 0 ? fail(st) : r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int bind(int fd, MemorySegment addr, int len) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) BIND.invokeExact(st, fd, addr, len);
            return r < 0 ? fail(st) : r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int listen(int fd, int backlog) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) LISTEN.invokeExact(st, fd, backlog);
            return r < 0 ? fail(st) : r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int accept4(int fd, MemorySegment addr, MemorySegment lenPtr, int flags) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) ACCEPT4.invokeExact(st, fd, addr, lenPtr, flags);
            return r < 0 ? fail(st) : r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int connect(int fd, MemorySegment addr, int len) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) CONNECT.invokeExact(st, fd, addr, len);
            return r < 0 ? fail(st) : r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int shutdown(int fd, int how) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) SHUTDOWN.invokeExact(st, fd, how);
            return r < 0 ? fail(st) : r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int close(int fd) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) CLOSE.invokeExact(st, fd);
            return r < 0 ? fail(st) : r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long sendmsg(int fd, MemorySegment msg, int flags) {
        MemorySegment st = STATE.get();
        try {
            long r = (long) SENDMSG.invokeExact(st, fd, msg, flags);
            return r < 0 ? fail(st) : r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long recvmsg(int fd, MemorySegment msg, int flags) {
        MemorySegment st = STATE.get();
        try {
            long r = (long) RECVMSG.invokeExact(st, fd, msg, flags);
            return r < 0 ? fail(st) : r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment lenPtr) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) GETSOCKOPT.invokeExact(st, fd, level, name, value, lenPtr);
            return r < 0 ? fail(st) : r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int setsockopt(int fd, int level, int name, MemorySegment value, int len) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) SETSOCKOPT.invokeExact(st, fd, level, name, value, len);
            return r < 0 ? fail(st) : r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int getsockname(int fd, MemorySegment addr, MemorySegment lenPtr) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) GETSOCKNAME.invokeExact(st, fd, addr, lenPtr);
            return r < 0 ? fail(st) : r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int getpeername(int fd, MemorySegment addr, MemorySegment lenPtr) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) GETPEERNAME.invokeExact(st, fd, addr, lenPtr);
            return r < 0 ? fail(st) : r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int fcntl(int fd, int cmd, int arg) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) FCNTL.invokeExact(st, fd, cmd, arg);
            return r < 0 ? fail(st) : r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int eventfd(int initval, int flags) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) EVENTFD.invokeExact(st, initval, flags);
            return r < 0 ? fail(st) : r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int poll(MemorySegment fds, long nfds, int timeoutMillis) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) POLL.invokeExact(st, fds, nfds, timeoutMillis);
            return r < 0 ? fail(st) : r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code mmap} of a shared file mapping; returns {@link MemorySegment#NULL} on failure. */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset) {
        MemorySegment st = STATE.get();
        try {
            MemorySegment r = (MemorySegment) MMAP.invokeExact(st, MemorySegment.NULL, length, prot, flags, fd, offset);
            return r.address() == linux_h.MAP_FAILED().address() ? MemorySegment.NULL : r.reinterpret(length);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int munmap(MemorySegment mapping) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) MUNMAP.invokeExact(st, mapping, mapping.byteSize());
            return r < 0 ? fail(st) : r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code read} of exactly 8 bytes (an eventfd counter); true if it read them. */
    public static boolean read8(int fd, MemorySegment word) {
        try {
            return (long) READ.invokeExact(fd, word, 8L) == 8L;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code write} of exactly 8 bytes (an eventfd increment); true if it wrote them. */
    public static boolean write8(int fd, MemorySegment word) {
        try {
            return (long) WRITE.invokeExact(fd, word, 8L) == 8L;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int ioUringSetup(int entries, MemorySegment params) {
        MemorySegment st = STATE.get();
        try {
            long r = (long) IO_URING_SETUP.invokeExact(st, (long) linux_h.__NR_io_uring_setup(), entries, params);
            return r < 0 ? fail(st) : (int) r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /**
     * io_uring_enter without an argument block. Allocates nothing, with or without escape analysis:
     * the call is made first without errno capture. A failed io_uring_enter consumed no SQE (the
     * kernel reports any submission as a count, never as -1) and reaped nothing, so on -1 the
     * same call is made again with errno captured; it is the same request a moment later.
     */
    public static int ioUringEnter(int fd, int toSubmit, int minComplete, int flags) {
        try {
            long r = (long) IO_URING_ENTER_NO_ERRNO.invokeExact((long) linux_h.__NR_io_uring_enter(), fd, toSubmit,
                    minComplete, flags, MemorySegment.NULL, 0L);
            if (r >= 0) {
                return (int) r;
            }
            MemorySegment st = STATE.get();
            r = (long) IO_URING_ENTER.invokeExact(st, (long) linux_h.__NR_io_uring_enter(), fd, toSubmit,
                    minComplete, flags, MemorySegment.NULL, 0L);
            return r < 0 ? fail(st) : (int) r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }
}
