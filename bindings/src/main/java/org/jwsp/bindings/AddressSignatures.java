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
 * from the generated ones, for the few entries that run once per send: {@code WSPSend}, and on the
 * Linux host {@code WSPGetOverlappedResult}, {@code WPUCompleteOverlappedRequest} and
 * {@code WPUQuerySocketHandleContext}.
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

    /** {@code LPWSPGETOVERLAPPEDRESULT} (six parameters) with its pointers as addresses. */
    public static final FunctionDescriptor LPWSPGETOVERLAPPEDRESULT =
            addressesAsLongs(org.jwsp.bindings.windows.LPWSPGETOVERLAPPEDRESULT.descriptor());

    /** {@code LPWPUCOMPLETEOVERLAPPEDREQUEST} (five parameters) with its pointers as addresses. */
    public static final FunctionDescriptor LPWPUCOMPLETEOVERLAPPEDREQUEST =
            addressesAsLongs(org.jwsp.bindings.windows.LPWPUCOMPLETEOVERLAPPEDREQUEST.descriptor());

    /** {@code LPWPUQUERYSOCKETHANDLECONTEXT} (three parameters) with its pointers as addresses. */
    public static final FunctionDescriptor LPWPUQUERYSOCKETHANDLECONTEXT =
            addressesAsLongs(org.jwsp.bindings.windows.LPWPUQUERYSOCKETHANDLECONTEXT.descriptor());

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

    /** {@code LPWSPGETOVERLAPPEDRESULT} as Java receives it through {@link #lpWspGetOverlappedResultStub}. */
    @FunctionalInterface
    public interface WspGetOverlappedResultByAddress {
        int getOverlappedResult(long s, long lpOverlapped, long lpcbTransfer, int fWait, long lpdwFlags, long lpErrno);
    }

    /** {@code LPWPUCOMPLETEOVERLAPPEDREQUEST} as Java receives it through {@link #lpWpuCompleteOverlappedRequestStub}. */
    @FunctionalInterface
    public interface WpuCompleteOverlappedRequestByAddress {
        int complete(long s, long lpOverlapped, int dwError, int cbTransferred, long lpErrno);
    }

    /** {@code LPWPUQUERYSOCKETHANDLECONTEXT} as Java receives it through {@link #lpWpuQuerySocketHandleContextStub}. */
    @FunctionalInterface
    public interface WpuQuerySocketHandleContextByAddress {
        int query(long s, long lpContext, long lpErrno);
    }

    private static final java.lang.invoke.MethodHandle WSP_SEND_BY_ADDRESS =
            entry(WspSendByAddress.class, "send", LPWSPSEND);
    private static final java.lang.invoke.MethodHandle WSP_GET_OVERLAPPED_RESULT_BY_ADDRESS =
            entry(WspGetOverlappedResultByAddress.class, "getOverlappedResult", LPWSPGETOVERLAPPEDRESULT);
    private static final java.lang.invoke.MethodHandle WPU_COMPLETE_OVERLAPPED_REQUEST_BY_ADDRESS =
            entry(WpuCompleteOverlappedRequestByAddress.class, "complete", LPWPUCOMPLETEOVERLAPPEDREQUEST);
    private static final java.lang.invoke.MethodHandle WPU_QUERY_SOCKET_HANDLE_CONTEXT_BY_ADDRESS =
            entry(WpuQuerySocketHandleContextByAddress.class, "query", LPWPUQUERYSOCKETHANDLECONTEXT);

    private static java.lang.invoke.MethodHandle entry(Class<?> type, String name, FunctionDescriptor d) {
        try {
            return MethodHandles.publicLookup().findVirtual(type, name, d.toMethodType());
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** An {@code LPWSPSEND} upcall stub calling {@code entry}, owned by {@code arena}. */
    public static MemorySegment lpWspSendStub(WspSendByAddress entry, Arena arena) {
        return Linker.nativeLinker().upcallStub(WSP_SEND_BY_ADDRESS.bindTo(entry), LPWSPSEND, arena);
    }

    /** An {@code LPWSPGETOVERLAPPEDRESULT} upcall stub calling {@code entry}, owned by {@code arena}. */
    public static MemorySegment lpWspGetOverlappedResultStub(WspGetOverlappedResultByAddress entry, Arena arena) {
        return Linker.nativeLinker().upcallStub(WSP_GET_OVERLAPPED_RESULT_BY_ADDRESS.bindTo(entry),
                LPWSPGETOVERLAPPEDRESULT, arena);
    }

    /** An {@code LPWPUCOMPLETEOVERLAPPEDREQUEST} upcall stub calling {@code entry}, owned by {@code arena}. */
    public static MemorySegment lpWpuCompleteOverlappedRequestStub(WpuCompleteOverlappedRequestByAddress entry, Arena arena) {
        return Linker.nativeLinker().upcallStub(WPU_COMPLETE_OVERLAPPED_REQUEST_BY_ADDRESS.bindTo(entry),
                LPWPUCOMPLETEOVERLAPPEDREQUEST, arena);
    }

    /** An {@code LPWPUQUERYSOCKETHANDLECONTEXT} upcall stub calling {@code entry}, owned by {@code arena}. */
    public static MemorySegment lpWpuQuerySocketHandleContextStub(WpuQuerySocketHandleContextByAddress entry, Arena arena) {
        return Linker.nativeLinker().upcallStub(WPU_QUERY_SOCKET_HANDLE_CONTEXT_BY_ADDRESS.bindTo(entry),
                LPWPUQUERYSOCKETHANDLECONTEXT, arena);
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
