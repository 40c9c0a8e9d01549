package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.CallerMemory;
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
 * <p>Immutable after {@link #start} but for a logged-once flag; used from any thread.
 * {@link #cleanup} is called once, by the last WSPCleanup.
 */
final class LowerProvider {

    private static final java.lang.invoke.MethodHandle RAW_SEND = java.lang.foreign.Linker.nativeLinker().downcallHandle(
            org.jwsp.bindings.AddressSignatures.LPWSPSEND);

    private static final Logger LOG = LogManager.getLogger(LowerProvider.class);
    /** Preset in an lpErrno jwsp hands down: no Winsock code, so still there means "not written". */
    static final int NO_CODE = 0x7A5E_0000;

    final String path;
    /** Whether {@link #noCode} has logged (racy by design: at worst a second line). */
    private boolean warnedNoCode;
    /** The lower provider's WSPPROC_TABLE (our copy). */
    final MemorySegment table;
    private final MemorySegment send;
    private final MemorySegment getOverlappedResult;
    private final MemorySegment cleanup;
    /**
     * Its extension functions as {@link LowerExtensions} found them, by {@link ExtensionFunctions}'s
     * index (null until asked). A racing second lookup only writes the same address again.
     */
    final MemorySegment[] extensionFunctions = new MemorySegment[LowerExtensions.COUNT];

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

    /**
     * The lower WSPSend with every pointer as an address: nothing is materialised per call.
     * {@code errno} must be writable (jwsp's scratch, or a caller's lpErrno that passed
     * {@link CallerPointers#plausible}): it is preset, so a lower provider that answers
     * SOCKET_ERROR without writing it is caught ({@link #noCode}) instead of leaving a stale code
     * (an earlier call's WSA_IO_PENDING) to be taken for its answer.
     */
    int sendRaw(long s, long buffers, int count, long sent, int flags, long overlapped, long errno) {
        int rc;
        int before = CallerMemory.getInt(errno);
        CallerMemory.putInt(errno, NO_CODE);
        try {
            rc = (int) RAW_SEND.invokeExact(send, s, buffers, count, sent, flags, overlapped, 0L, 0L, errno);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        int code = CallerMemory.getInt(errno);
        if (rc == 0 && code == NO_CODE) {
            CallerMemory.putInt(errno, before); // a success leaves a caller's lpErrno as it was
        } else if (rc != 0 && code == NO_CODE) {
            CallerMemory.putInt(errno, noCode("WSPSend"));
        }
        return rc;
    }

    /**
     * A lower provider failed a call without an error code: WSAENETDOWN (the seed's "network
     * subsystem has failed"), logged at WARN once per lower provider.
     */
    private int noCode(String entry) {
        if (!warnedNoCode) {
            warnedNoCode = true;
            LOG.warn("{} of {} failed without writing lpErrno; answering {} (logged once)", entry, path,
                    WsaCondition.LOWER_GAVE_NO_CODE);
        }
        return WsaCondition.LOWER_GAVE_NO_CODE.code();
    }

    int send(long s, MemorySegment buffers, int count, MemorySegment sent, int flags, MemorySegment overlapped, MemorySegment errno) {
        return LPWSPSEND.invoke(send, s, buffers, count, sent, flags, overlapped, MemorySegment.NULL, MemorySegment.NULL, errno);
    }

    /**
     * Non-blocking result of an overlapped operation the lower provider has completed; the WSA
     * error, 0 on success. The scratch count and error are preset (0 bytes, {@link #NO_CODE}), so
     * a lower provider that writes neither cannot make an earlier operation's values this one's.
     */
    int result(long s, MemorySegment overlapped, ThreadScratch scratch) {
        scratch.bytes.set(ValueLayout.JAVA_INT, 0, 0);
        scratch.errno.set(ValueLayout.JAVA_INT, 0, NO_CODE);
        int ok = LPWSPGETOVERLAPPEDRESULT.invoke(getOverlappedResult, s, overlapped, scratch.bytes, 0, scratch.flags, scratch.errno);
        if (ok != 0) {
            return 0;
        }
        int code = scratch.errno.get(ValueLayout.JAVA_INT, 0);
        return code == NO_CODE ? noCode("WSPGetOverlappedResult") : code;
    }

    /** The lower WSPShutdown (a nonblocking call: it initiates the FIN). */
    int shutdown(long s, int how, MemorySegment errno) {
        return org.jwsp.bindings.windows.LPWSPSHUTDOWN.invoke(WSPPROC_TABLE.lpWSPShutdown(table), s, how, errno);
    }

    int cleanup(MemorySegment errno) {
        return LPWSPCLEANUP.invoke(cleanup, errno);
    }
}
