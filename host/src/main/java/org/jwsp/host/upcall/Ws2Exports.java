package org.jwsp.host.upcall;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.windows.LPWPUCOMPLETEOVERLAPPEDREQUEST;
import org.jwsp.host.kernel.CompletionPortObject;
import org.jwsp.host.kernel.LinuxKernelPort;

/**
 * The ws2_32 exports a provider calls directly, found by name the way {@code GetProcAddress(ws2_32)}
 * finds them: {@code procAddress("ws2_32.dll", "WPUCompleteOverlappedRequest")} is registered here;
 * the catalog functions ({@code WSCEnumProtocols}, {@code WSCInstallProvider}, ...) by the catalog
 * ({@code org.jwsp.host.catalog.CatalogExports}), which answers them.
 *
 * <p>{@code WPUCompleteOverlappedRequest(s, lpOverlapped, dwError, cbTransferred, lpErrno)}: writes
 * {@code Internal} = {@code dwError} and {@code InternalHigh} = {@code cbTransferred}
 * ({@link OverlappedStatus}), then signals {@code hEvent} if there is one, and queues a packet
 * {@code (cbTransferred, key, lpOverlapped)} to the port {@code s} is associated with, unless the
 * low bit of {@code hEvent} is set. {@code WSAEINVAL} if {@code s} is not a socket handle made by
 * {@code WPUCreateSocketHandle}, {@code WSAEFAULT} for a null {@code lpOverlapped}. Called on the
 * provider's completion threads; <em>hot</em>: no allocation, no lookup beyond the handle table.
 * The stub lives for the process (global arena).
 */
public final class Ws2Exports {

    /** The module name providers look ws2_32's exports up under. */
    public static final String MODULE = "ws2_32.dll";

    private static final LinuxKernelPort KERNEL = LinuxKernelPort.instance();

    static {
        KERNEL.registerExport(MODULE, "WPUCompleteOverlappedRequest",
                LPWPUCOMPLETEOVERLAPPEDREQUEST.allocate(Ws2Exports::completeOverlappedRequest, Arena.global()));
    }

    private Ws2Exports() {
    }

    /** Makes sure the exports are registered (class initialisation does it once). */
    public static void register() {
        // the static initialiser is the registration
    }

    private static int completeOverlappedRequest(long s, MemorySegment lpOverlapped, int dwError, int cbTransferred,
                                                 MemorySegment lpErrno) {
        try {
            SocketHandle h = Ws2UpcallTable.socket(s);
            if (h == null) {
                WsaErrors.set(lpErrno, WSAEINVAL());
                return SOCKET_ERROR();
            }
            if (lpOverlapped.address() == 0) {
                WsaErrors.set(lpErrno, WSAEFAULT());
                return SOCKET_ERROR();
            }
            long ov = lpOverlapped.address();
            OverlappedStatus.complete(ov, dwError, cbTransferred);
            long event = OverlappedStatus.event(ov);
            if (event != 0) {
                KERNEL.setEvent(event);
            }
            CompletionPortObject port = h.port();
            if (port != null && !OverlappedStatus.skipsPort(ov)) {
                if (!port.post(cbTransferred, h.completionKey(), ov)) {
                    WsaErrors.set(lpErrno, WSAEINVAL());
                    return SOCKET_ERROR();
                }
            }
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WPUCompleteOverlappedRequest", t, lpErrno);
            return SOCKET_ERROR();
        }
    }
}
