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
     * {@code LPWSPSEND} as Java receives it through {@link #lpWspSendStub}: the nine parameters,
     * each pointer as its address. Implemented by a method reference to the entry
     * ({@code sendPath::send}), so "find usages" of the entry finds its binding.
     */
    @FunctionalInterface
    public interface WspSendByAddress {
        int send(long s, long lpBuffers, int dwBufferCount, long lpNumberOfBytesSent, int dwFlags, long lpOverlapped,
                 long lpCompletionRoutine, long lpThreadId, long lpErrno);
    }

    private static final java.lang.invoke.MethodHandle WSP_SEND_BY_ADDRESS;

    static {
        try {
            WSP_SEND_BY_ADDRESS = MethodHandles.publicLookup().findVirtual(WspSendByAddress.class, "send", LPWSPSEND.toMethodType());
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** An {@code LPWSPSEND} upcall stub calling {@code entry}, owned by {@code arena}. */
    public static MemorySegment lpWspSendStub(WspSendByAddress entry, Arena arena) {
        return Linker.nativeLinker().upcallStub(WSP_SEND_BY_ADDRESS.bindTo(entry), LPWSPSEND, arena);
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
