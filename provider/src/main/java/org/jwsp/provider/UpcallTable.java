package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.windows.LPWPUCLOSESOCKETHANDLE;
import org.jwsp.bindings.windows.LPWPUCOMPLETEOVERLAPPEDREQUEST;
import org.jwsp.bindings.windows.LPWPUCREATESOCKETHANDLE;
import org.jwsp.bindings.windows.LPWPUCLOSETHREAD;
import org.jwsp.bindings.windows.LPWPUOPENCURRENTTHREAD;
import org.jwsp.bindings.windows.LPWPUQUEUEAPC;
import org.jwsp.bindings.windows.WSPUPCALLTABLE;
import org.jwsp.kernel.KernelException;
import org.jwsp.kernel.KernelPort;

/**
 * The first door: ws2_32's upcall table as WSPStartup received it (by value, so copied here
 * into the provider's arena before the upcall returns), plus the one ws2_32 export a provider
 * calls for completions, WPUCompleteOverlappedRequest, found through {@link KernelPort#procAddress}.
 *
 * <p>Immutable after construction; every method is a plain downcall usable from any thread.
 * The copy is also what jwsp hands, by value, to the lower provider's WSPStartup.
 */
final class UpcallTable {

    private static final java.lang.invoke.MethodHandle RAW_COMPLETE = java.lang.foreign.Linker.nativeLinker().downcallHandle(
            java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.JAVA_LONG,
                    java.lang.foreign.ValueLayout.JAVA_LONG, java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.JAVA_INT,
                    org.jwsp.bindings.windows.ws2spi_h.C_POINTER));

    private final MemorySegment table;
    private final MemorySegment createSocketHandle;
    private final MemorySegment closeSocketHandle;
    private final MemorySegment queueApc;
    private final MemorySegment completeOverlappedRequest;
    /** WPUOpenCurrentThread and WPUCloseThread, or NULL when the table lacks them (jwsp then watches no thread). */
    private final MemorySegment openCurrentThread;
    private final MemorySegment closeThread;

    UpcallTable(MemorySegment byValue, KernelPort kernel, Arena arena) {
        this.table = arena.allocate(WSPUPCALLTABLE.layout());
        table.copyFrom(byValue.reinterpret(WSPUPCALLTABLE.layout().byteSize()));
        this.createSocketHandle = required(WSPUPCALLTABLE.lpWPUCreateSocketHandle(table), "WPUCreateSocketHandle");
        this.closeSocketHandle = required(WSPUPCALLTABLE.lpWPUCloseSocketHandle(table), "WPUCloseSocketHandle");
        this.queueApc = required(WSPUPCALLTABLE.lpWPUQueueApc(table), "WPUQueueApc");
        this.openCurrentThread = WSPUPCALLTABLE.lpWPUOpenCurrentThread(table);
        this.closeThread = WSPUPCALLTABLE.lpWPUCloseThread(table);
        this.completeOverlappedRequest = required(kernel.procAddress("ws2_32.dll", "WPUCompleteOverlappedRequest"),
                "ws2_32!WPUCompleteOverlappedRequest");
    }

    private static MemorySegment required(MemorySegment fn, String name) {
        if (fn.address() == 0) {
            throw new KernelException("upcall " + name + " is missing", 0);
        }
        return fn;
    }

    /** The copy, to pass by value to the lower provider's WSPStartup. */
    MemorySegment table() {
        return table;
    }

    long createSocketHandle(int catalogEntryId, long context, MemorySegment errno) {
        return LPWPUCREATESOCKETHANDLE.invoke(createSocketHandle, catalogEntryId, context, errno);
    }

    int closeSocketHandle(long s, MemorySegment errno) {
        return LPWPUCLOSESOCKETHANDLE.invoke(closeSocketHandle, s, errno);
    }

    int queueApc(MemorySegment threadId, MemorySegment apc, long context, MemorySegment errno) {
        return LPWPUQUEUEAPC.invoke(queueApc, threadId, apc, context, errno);
    }

    /** Whether WPUOpenCurrentThread and WPUCloseThread are there. */
    boolean opensThreads() {
        return openCurrentThread.address() != 0 && closeThread.address() != 0;
    }

    int openCurrentThread(MemorySegment threadId, MemorySegment errno) {
        return LPWPUOPENCURRENTTHREAD.invoke(openCurrentThread, threadId, errno);
    }

    int closeThread(MemorySegment threadId, MemorySegment errno) {
        return LPWPUCLOSETHREAD.invoke(closeThread, threadId, errno);
    }

    /** WPUCompleteOverlappedRequest with the OVERLAPPED as an address (nothing materialised per completion). */
    int completeOverlappedRequest(long s, long overlapped, int error, int bytes, MemorySegment errno) {
        try {
            return (int) RAW_COMPLETE.invokeExact(completeOverlappedRequest, s, overlapped, error, bytes, errno);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    int completeOverlappedRequest(long s, MemorySegment overlapped, int error, int bytes, MemorySegment errno) {
        return LPWPUCOMPLETEOVERLAPPEDREQUEST.invoke(completeOverlappedRequest, s, overlapped, error, bytes, errno);
    }
}
