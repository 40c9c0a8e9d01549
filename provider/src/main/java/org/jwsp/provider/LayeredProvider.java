package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.windows.LPWSPCLEANUP;
import org.jwsp.bindings.windows.LPWSPSTARTUP;
import org.jwsp.bindings.windows.WSPData;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.provider.filter.SendFilter;

/**
 * jwsp, the layered provider: the public door of this package.
 *
 * <p>{@link #startupStub()} is the native address of jwsp's WSPStartup; the Windows bootstrap
 * DLL returns it from its own exported WSPStartup, and the Linux host's catalog calls it
 * through the same pointer. WSPStartup checks the version (2.2), keeps (copies) the upcall
 * table, finds and starts the next provider of the protocol chain, fills WSPDATA and the
 * WSPPROC_TABLE with jwsp's 30 entries. The first WSPStartup builds the runtime; each
 * WSPCleanup undoes one WSPStartup and the last one releases everything.
 *
 * <p>Configure before the first WSPStartup with {@link #configure}; a filter may be swapped at
 * any time with {@link #setFilter}. Threads: startup/cleanup/configure are serialised on this
 * class's lock; the entries run on the client's threads.
 */
public final class LayeredProvider {

    private static final Logger LOG = LogManager.getLogger(LayeredProvider.class);
    /** MAKEWORD(2, 2). */
    static final short VERSION_2_2 = 0x0202;
    private static final String DESCRIPTION = "jwsp layered provider (Java send path)";
    private static final MemorySegment STARTUP_STUB = LPWSPSTARTUP.allocate(LayeredProvider::startup, Arena.global());
    /** WSPCleanup closes the runtime's arena, so its stub lives in the global one. */
    static final MemorySegment CLEANUP_STUB = LPWSPCLEANUP.allocate(LayeredProvider::cleanup, Arena.global());

    private static ProviderSettings settings = ProviderSettings.defaults();
    private static volatile ProviderRuntime runtime;

    private LayeredProvider() {
    }

    /** The native address of jwsp's WSPStartup (an upcall stub that lives as long as the JVM). */
    public static MemorySegment startupStub() {
        return STARTUP_STUB;
    }

    /** Sets how the next runtime is built (kernel port, filter, pool sizes); refused while one is running. */
    public static synchronized void configure(ProviderSettings s) {
        if (runtime != null) {
            throw new IllegalStateException("jwsp is started; configure it before the first WSPStartup");
        }
        settings = s;
    }

    /** Replaces the send filter of the running provider (and of the next one). */
    public static synchronized void setFilter(SendFilter filter) {
        settings = settings.withFilter(filter);
        ProviderRuntime rt = runtime;
        if (rt != null) {
            rt.setFilter(filter);
        }
    }

    /**
     * Releases an overlapped send a filter held with {@link SendFilter#DELAY}: it, and the sends
     * queued behind it, go on to the lower provider. Any thread.
     *
     * @return false if the ticket names no held send (already released, or the socket closed)
     */
    public static boolean releaseDelayed(long ticket) {
        ProviderRuntime rt = runtime;
        return rt != null && rt.releaseDelayed(ticket);
    }

    /** Requests (overlapped operations) jwsp holds right now; 0 when all have completed. */
    public static int outstandingRequests() {
        ProviderRuntime rt = runtime;
        return rt == null ? 0 : rt.outstandingRequests();
    }

    /** {@link LargeCaptures} blocks lent right now; 0 when every long send has completed (tests). */
    static int lentLargeCaptures() {
        ProviderRuntime rt = runtime;
        return rt == null ? 0 : rt.lentLargeCaptures();
    }

    /** Sockets open through jwsp right now. */
    public static int openSockets() {
        ProviderRuntime rt = runtime;
        return rt == null ? 0 : rt.openSockets();
    }

    /** Whether a runtime is up (between the first WSPStartup and the last WSPCleanup). */
    public static boolean started() {
        return runtime != null;
    }

    private static int startup(short version, MemorySegment wspData, MemorySegment protocolInfo, MemorySegment upcallTable,
                               MemorySegment procTable) {
        try {
            int major = version & 0xFF;
            int minor = (version >> 8) & 0xFF;
            if (major < 2 || major == 2 && minor < 2) {
                return WsaCondition.VERSION_NOT_SUPPORTED.code();
            }
            if (wspData.address() == 0 || protocolInfo.address() == 0 || procTable.address() == 0) {
                return WsaCondition.PROVIDER_FAILED_INIT.code();
            }
            synchronized (LayeredProvider.class) {
                boolean fresh = runtime == null;
                ProviderRuntime rt = fresh ? new ProviderRuntime(settings, upcallTable) : runtime;
                try {
                    rt.startup(protocolInfo);
                } catch (Throwable t) {
                    LOG.error("WSPStartup: the next provider of the chain could not be started", t);
                    if (fresh) {
                        rt.close();
                    }
                    return WsaCondition.PROVIDER_FAILED_INIT.code();
                }
                runtime = rt;
                MemorySegment data = wspData.reinterpret(WSPData.layout().byteSize());
                WSPData.wVersion(data, VERSION_2_2);
                WSPData.wHighVersion(data, VERSION_2_2);
                MemorySegment description = WSPData.szDescription(data);
                description.fill((byte) 0);
                for (int i = 0; i < DESCRIPTION.length() && i < WSPData.szDescription$dimensions()[0] - 1; i++) {
                    WSPData.szDescription(data, i, (short) DESCRIPTION.charAt(i));
                }
                procTable.reinterpret(WSPPROC_TABLE.layout().byteSize()).copyFrom(rt.procTable);
                return 0;
            }
        } catch (Throwable t) {
            LOG.error("WSPStartup failed inside jwsp", t);
            return WsaCondition.PROVIDER_FAILED_INIT.code();
        }
    }

    /** WSPCleanup: undoes one WSPStartup; the last one closes the runtime. */
    static int cleanup(MemorySegment lpErrno) {
        try {
            synchronized (LayeredProvider.class) {
                ProviderRuntime rt = runtime;
                if (rt == null) {
                    return Errno.fail(lpErrno, WsaCondition.NOT_STARTED);
                }
                if (rt.cleanup()) {
                    runtime = null;
                    rt.close();
                }
                return 0;
            }
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPCleanup", t);
        }
    }
}
