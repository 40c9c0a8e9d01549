package org.jwsp.bindings;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;

/**
 * Function signatures with every pointer carried as a 64-bit address ({@code long}), derived
 * from the generated ones, for the few entries that run once per send.
 *
 * <p>Why: an upcall stub built from a descriptor with {@code ADDRESS} parameters hands Java one
 * {@code MemorySegment} per pointer; whether the JIT scalar-replaces them depends on how much of
 * the callee it inlines (an exception path that passes one on is enough to keep it), so the send
 * path would allocate some runs and not others. On x64 a pointer and a {@code long} travel in the
 * same register, so the native caller cannot tell the difference.
 */
public final class AddressSignatures {

    /** {@code LPWSPSEND} (nine parameters) with its pointers as addresses. */
    public static final FunctionDescriptor LPWSPSEND =
            addressesAsLongs(org.jwsp.bindings.windows.LPWSPSEND.descriptor());

    private AddressSignatures() {
    }

    /**
     * An {@code LPWSPSEND} upcall stub calling {@code receiver.method(long s, long lpBuffers, int count,
     * long lpSent, int flags, long lpOverlapped, long routine, long lpThreadId, long lpErrno)}, found
     * with the caller's {@code lookup} (so the method may be package-private), owned by {@code arena}.
     */
    public static MemorySegment lpWspSendStub(MethodHandles.Lookup lookup, Object receiver, String method, Arena arena) {
        try {
            var handle = lookup.findVirtual(receiver.getClass(), method, LPWSPSEND.toMethodType()).bindTo(receiver);
            return Linker.nativeLinker().upcallStub(handle, LPWSPSEND, arena);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(receiver.getClass().getName() + "." + method + " does not take LPWSPSEND's addresses", e);
        }
    }

    /** {@code d} with each {@link AddressLayout} argument and return replaced by {@link ValueLayout#JAVA_LONG}. */
    public static FunctionDescriptor addressesAsLongs(FunctionDescriptor d) {
        MemoryLayout[] args = d.argumentLayouts().stream().map(AddressSignatures::asLong).toArray(MemoryLayout[]::new);
        return d.returnLayout().map(r -> FunctionDescriptor.of(asLong(r), args))
                .orElseGet(() -> FunctionDescriptor.ofVoid(args));
    }

    private static MemoryLayout asLong(MemoryLayout l) {
        return l instanceof AddressLayout ? ValueLayout.JAVA_LONG : l;
    }
}
