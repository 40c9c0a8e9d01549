package org.jwsp.bindings;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * {@code errno} for the Linux bindings. jextract's downcalls cannot see {@code errno} (the JVM
 * may overwrite it before Java reads it), so a caller that needs it builds its handle here from
 * the generated address and descriptor, with {@code Linker.Option.captureCallState("errno")}:
 *
 * {@snippet :
 * MethodHandle sendmsg = CapturedErrno.downcall(linux_h.sendmsg$address(), linux_h.sendmsg$descriptor());
 * long n = (long) sendmsg.invokeExact(state, fd, msghdr, flags);   // state: CapturedErrno.allocate(arena)
 * if (n < 0) { int errno = CapturedErrno.errno(state); }
 * }
 *
 * The capture segment is the caller's: one per thread, reused for every call, so the hot path
 * allocates nothing.
 */
public final class CapturedErrno {

    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    /** The layout of a capture segment ({@link Linker.Option#captureStateLayout()}). */
    public static final StructLayout LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno")).withInvokeExactBehavior();

    private CapturedErrno() {
    }

    /**
     * A downcall handle whose first parameter is the capture segment, then the function's own;
     * {@code options} are the linker's others (for example {@code firstVariadicArg} for
     * {@code fcntl} or {@code syscall}).
     */
    public static MethodHandle downcall(MemorySegment address, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker.Option[] all = java.util.Arrays.copyOf(options, options.length + 1);
        all[options.length] = CAPTURE;
        return Linker.nativeLinker().downcallHandle(address, descriptor, all);
    }

    /** A capture segment for one thread's calls. */
    public static MemorySegment allocate(java.lang.foreign.SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    /** The {@code errno} the last call through a capturing handle left in {@code state}. */
    public static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }
}
