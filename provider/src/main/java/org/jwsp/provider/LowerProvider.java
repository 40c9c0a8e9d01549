package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.LPWSPCLEANUP;
import org.jwsp.bindings.windows.LPWSPGETOVERLAPPEDRESULT;
import org.jwsp.bindings.windows.LPWSPSEND;
import org.jwsp.bindings.windows.LPWSPSTARTUP;
import org.jwsp.bindings.windows.WSPData;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.kernel.KernelException;
import org.jwsp.kernel.KernelPort;

/**
 * The second door: the next provider of a chain, started through its own WSPStartup (found
 * with {@code procAddress(path, "WSPStartup")}), and its WSPPROC_TABLE, copied into the
 * provider's arena. The entries the send path calls on every operation are read once into
 * fields; the others are read from {@link #table} by the pass-through entries.
 *
 * <p>Immutable after {@link #start}; used from any thread. {@link #cleanup} is called once,
 * by the last WSPCleanup.
 */
final class LowerProvider {

    private static final java.lang.invoke.MethodHandle RAW_SEND = java.lang.foreign.Linker.nativeLinker().downcallHandle(
            org.jwsp.bindings.AddressSignatures.LPWSPSEND);

    final String path;
    /** The lower provider's WSPPROC_TABLE (our copy). */
    final MemorySegment table;
    private final MemorySegment send;
    private final MemorySegment getOverlappedResult;
    private final MemorySegment cleanup;

    private LowerProvider(String path, MemorySegment table) {
        this.path = path;
        this.table = table;
        this.send = WSPPROC_TABLE.lpWSPSend(table);
        this.getOverlappedResult = WSPPROC_TABLE.lpWSPGetOverlappedResult(table);
        this.cleanup = WSPPROC_TABLE.lpWSPCleanup(table);
    }

    /**
     * Loads and starts the provider at {@code path} with version 2.2, handing it jwsp's copy of
     * the upcall table by value.
     */
    static LowerProvider start(KernelPort kernel, String path, MemorySegment protocolInfo, UpcallTable upcalls, Arena arena) {
        MemorySegment startup = kernel.procAddress(path, "WSPStartup");
        if (startup.address() == 0) {
            throw new KernelException("no WSPStartup in " + path, 0);
        }
        MemorySegment data = arena.allocate(WSPData.layout());
        MemorySegment table = arena.allocate(WSPPROC_TABLE.layout());
        int rc = LPWSPSTARTUP.invoke(startup, LayeredProvider.VERSION_2_2, data, protocolInfo, upcalls.table(), table);
        if (rc != 0) {
            throw new KernelException("WSPStartup of " + path + " answered " + rc, rc);
        }
        return new LowerProvider(path, table);
    }

    /** The lower WSPSend with every pointer as an address: nothing is materialised per call. */
    int sendRaw(long s, long buffers, int count, long sent, int flags, long overlapped, long errno) {
        try {
            return (int) RAW_SEND.invokeExact(send, s, buffers, count, sent, flags, overlapped, 0L, 0L, errno);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    int send(long s, MemorySegment buffers, int count, MemorySegment sent, int flags, MemorySegment overlapped, MemorySegment errno) {
        return LPWSPSEND.invoke(send, s, buffers, count, sent, flags, overlapped, MemorySegment.NULL, MemorySegment.NULL, errno);
    }

    /** Non-blocking result of an overlapped operation the lower provider has completed; the WSA error, 0 on success. */
    int result(long s, MemorySegment overlapped, ThreadScratch scratch) {
        int ok = LPWSPGETOVERLAPPEDRESULT.invoke(getOverlappedResult, s, overlapped, scratch.bytes, 0, scratch.flags, scratch.errno);
        return ok != 0 ? 0 : scratch.errno.get(ValueLayout.JAVA_INT, 0);
    }

    int cleanup(MemorySegment errno) {
        return LPWSPCLEANUP.invoke(cleanup, errno);
    }
}
