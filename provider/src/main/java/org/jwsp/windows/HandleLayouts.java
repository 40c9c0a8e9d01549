package org.jwsp.windows;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;

/**
 * Rewrites a generated kernel32 {@link FunctionDescriptor} so that chosen {@code HANDLE} arguments
 * (and optionally the result) travel as Java {@code long} instead of {@link java.lang.foreign.MemorySegment}.
 *
 * <p>Why: {@link org.jwsp.kernel.KernelPort} carries handles as {@code long}; passing them as
 * segments would allocate a {@code MemorySegment} per hot call. On Windows x64 a pointer and a
 * 64-bit integer are both passed in the same integer register or stack slot, so the two
 * descriptors describe the same call. Only pointer-sized address layouts may be rewritten; any
 * other layout at a given index is a programming error and is refused here, once, when the
 * downcall handle is built (never on the hot path).
 *
 * <p>Pure: no native memory, no state; safe on any thread and on any system.
 */
final class HandleLayouts {

    private HandleLayouts() {
    }

    /** The descriptor with the arguments at {@code handleArgs} as {@link ValueLayout#JAVA_LONG}. */
    static FunctionDescriptor withHandleArgs(FunctionDescriptor generated, int... handleArgs) {
        MemoryLayout[] args = generated.argumentLayouts().toArray(MemoryLayout[]::new);
        for (int i : handleArgs) {
            if (i < 0 || i >= args.length) {
                throw new IllegalArgumentException("no argument " + i + " in " + generated);
            }
            args[i] = asLong(args[i], "argument " + i + " of " + generated);
        }
        return generated.returnLayout()
                .map(r -> FunctionDescriptor.of(r, args))
                .orElseGet(() -> FunctionDescriptor.ofVoid(args));
    }

    /** As {@link #withHandleArgs}, and the returned {@code HANDLE} as a {@code long} too. */
    static FunctionDescriptor returningHandle(FunctionDescriptor generated, int... handleArgs) {
        FunctionDescriptor d = withHandleArgs(generated, handleArgs);
        MemoryLayout ret = generated.returnLayout()
                .orElseThrow(() -> new IllegalArgumentException("no result to rewrite in " + generated));
        return FunctionDescriptor.of(asLong(ret, "result of " + generated),
                d.argumentLayouts().toArray(MemoryLayout[]::new));
    }

    private static ValueLayout.OfLong asLong(MemoryLayout layout, String what) {
        if (!(layout instanceof AddressLayout a) || a.byteSize() != Long.BYTES) {
            throw new IllegalArgumentException(what + " is " + layout + ", not a 64-bit HANDLE");
        }
        return ValueLayout.JAVA_LONG;
    }
}
