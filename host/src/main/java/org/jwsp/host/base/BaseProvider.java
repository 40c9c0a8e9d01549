package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.windows.LPWSPSTARTUP;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.bindings.windows.WSPData;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.bindings.windows.WSPUPCALLTABLE;
import org.jwsp.host.kernel.CountedArena;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.host.upcall.UpcallFaults;
import org.jwsp.host.upcall.WsaErrors;

/**
 * The host's base provider (msafd's place): a Winsock service provider over real Linux TCP and UDP
 * sockets, found like a DLL through {@code procAddress(MODULE, "WSPStartup")}. Its
 * {@code WSPStartup} copies the caller's upcall table, fills {@code WSPDATA}, and fills the
 * caller's {@code WSPPROC_TABLE} with the provider's 30 upcall stubs ({@link BaseProcTable}).
 *
 * <p>{@code WSPStartup}/{@code WSPCleanup} are counted: the first starts the provider's state (the
 * upcall table copy, {@link BaseSocketTable}, {@link OverlappedIo} with its host port and completion
 * thread), the last closes every socket still open and frees that state. Thread-safe; the stubs
 * themselves live for the process (global arena), like a loaded DLL's code.
 */
public final class BaseProvider {

    /** The module ("DLL path") the catalog records for the base entries. */
    public static final String MODULE = "%SystemRoot%\\system32\\mswsock.dll";

    private static final Logger LOG = LogManager.getLogger(BaseProvider.class);
    private static final BaseProvider INSTANCE = new BaseProvider();
    private static final MemorySegment STARTUP = LPWSPSTARTUP.allocate(INSTANCE::startup, Arena.global());
    private static final MemorySegment PROC_TABLE = BaseProcTable.build(INSTANCE, Arena.global());

    static {
        INSTANCE.kernel.registerExport(MODULE, "WSPStartup", STARTUP);
    }

    /** The base provider's one door to the kernel (AFD's place): its collaborators get it from here. */
    final LinuxKernelPort kernel = LinuxKernelPort.instance();
    final BaseSocketTable sockets = new BaseSocketTable(kernel);
    final SocketCalls socketCalls = new SocketCalls(this);
    final TransferCalls transferCalls = new TransferCalls(this);
    final OptionCalls optionCalls = new OptionCalls(this);
    final BaseIdentity identity = new BaseIdentity();
    final BaseExtensions extensions = new BaseExtensions(this);
    final NetworkEvents networkEvents = new NetworkEvents(this);

    private int startups;
    private CountedArena arena;
    private volatile MemorySegment upcalls;
    private volatile OverlappedIo io;
    private volatile int defaultCatalogEntryId;

    private BaseProvider() {
    }

    /** Makes sure {@code procAddress(MODULE, "WSPStartup")} finds the provider (class initialisation registers it). */
    public static void register() {
        // the static initialiser is the registration
    }

    /** The base provider's {@code WSPStartup} (also {@code procAddress(MODULE, "WSPStartup")}). */
    public static MemorySegment wspStartup() {
        return STARTUP;
    }

    /** Sockets open in the base provider, for leak checks. */
    public static int openSockets() {
        return INSTANCE.sockets.openCount();
    }

    /** Whether the provider is between a first {@code WSPStartup} and the last {@code WSPCleanup}. */
    public static synchronized boolean started() {
        return INSTANCE.startups > 0;
    }

    MemorySegment upcalls() {
        return upcalls;
    }

    OverlappedIo io() {
        return io;
    }

    int defaultCatalogEntryId() {
        return defaultCatalogEntryId;
    }

    private int startup(short version, MemorySegment lpWSPData, MemorySegment lpProtocolInfo, MemorySegment upcallTable,
                        MemorySegment lpProcTable) {
        try {
            if (lpWSPData.address() == 0 || lpProcTable.address() == 0) {
                return WSAEFAULT();
            }
            if ((version & 0xFF) < 2 || ((version & 0xFF) == 2 && ((version >> 8) & 0xFF) < 2)) {
                return WSAVERNOTSUPPORTED();
            }
            synchronized (BaseProvider.class) {
                if (startups++ == 0) {
                    arena = new CountedArena();
                    MemorySegment copy = WSPUPCALLTABLE.allocate(arena);
                    copy.copyFrom(upcallTable.reinterpret(WSPUPCALLTABLE.sizeof()));
                    upcalls = copy;
                    io = new OverlappedIo(kernel);
                    identity.remember(lpProtocolInfo);
                    if (lpProtocolInfo.address() != 0) {
                        defaultCatalogEntryId = WSAPROTOCOL_INFOW.dwCatalogEntryId(
                                lpProtocolInfo.reinterpret(WSAPROTOCOL_INFOW.sizeof()));
                    }
                }
            }
            MemorySegment data = lpWSPData.reinterpret(WSPData.sizeof());
            WSPData.wVersion(data, (short) 0x0202);
            WSPData.wHighVersion(data, (short) 0x0202);
            MemorySegment description = WSPData.szDescription(data);
            description.fill((byte) 0);
            byte[] text = "jwsp Linux host base provider (TCP/UDP over Linux sockets)".getBytes(StandardCharsets.UTF_16LE);
            MemorySegment.copy(MemorySegment.ofArray(text), 0, description, 0, Math.min(text.length, description.byteSize() - 2));
            lpProcTable.reinterpret(WSPPROC_TABLE.sizeof()).copyFrom(PROC_TABLE);
            return 0;
        } catch (Throwable t) {
            return UpcallFaults.report("WSPStartup", t, MemorySegment.NULL);
        }
    }

    int cleanup(MemorySegment lpErrno) {
        try {
            OverlappedIo closing;
            synchronized (BaseProvider.class) {
                if (startups == 0) {
                    return SocketCalls.fail(lpErrno, WSANOTINITIALISED());
                }
                if (--startups > 0) {
                    return 0;
                }
                closing = io;
            }
            for (long s : sockets.openHandles()) {
                socketCalls.close(s, MemorySegment.NULL);
            }
            networkEvents.close();
            closing.close();
            synchronized (BaseProvider.class) {
                io = null;
                upcalls = null;
                arena.close();
                arena = null;
            }
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WSPCleanup", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    /** The answer of every entry this provider does not offer. */
    static int unsupported(MemorySegment lpErrno) {
        try {
            WsaErrors.set(lpErrno, WSAEOPNOTSUPP());
        } catch (Throwable t) {
            LOG.error("unsupported entry could not write lpErrno", t);
        }
        return SOCKET_ERROR();
    }
}
