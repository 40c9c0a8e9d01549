package org.jwsp.testkit;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;

/**
 * TEST-ONLY: upcall stubs whose pointer parameters arrive as {@code long} addresses (the same
 * registers as pointers on x64), so the harness's hot upcalls materialise no MemorySegment per
 * call and the allocation test measures jwsp, not the harness.
 */
final class RawStubs {

    /** TEST-ONLY: the whole address space, for the harness's raw upcalls (no segment per call). */
    static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private RawStubs() {
    }

    /** Every layout of {@code fd} with each address layout replaced by JAVA_LONG. */
    static FunctionDescriptor raw(FunctionDescriptor fd) {
        var args = fd.argumentLayouts().stream().map(l -> l instanceof java.lang.foreign.AddressLayout ? ValueLayout.JAVA_LONG : l)
                .toArray(java.lang.foreign.MemoryLayout[]::new);
        return fd.returnLayout().map(r -> FunctionDescriptor.of(r, args)).orElseGet(() -> FunctionDescriptor.ofVoid(args));
    }

    static MemorySegment stub(Object target, String method, FunctionDescriptor c, Arena arena) {
        FunctionDescriptor raw = raw(c);
        try {
            var mh = MethodHandles.privateLookupIn(target.getClass(), MethodHandles.lookup())
                    .findVirtual(target.getClass(), method, raw.toMethodType()).bindTo(target);
            return Linker.nativeLinker().upcallStub(mh, raw, arena);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
