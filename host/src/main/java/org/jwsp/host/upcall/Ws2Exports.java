package org.jwsp.host.upcall;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import org.jwsp.bindings.AddressSignatures;
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
 * low bit of {@code hEvent} is set or {@code s} has {@code FILE_SKIP_COMPLETION_PORT_ON_SUCCESS} (as on
 * Windows for a non-IFS handle, Microsoft KB2568167: the program never sees those completions on its
 * port). {@code WSAEINVAL} if {@code s} is not a socket handle made by
 * {@code WPUCreateSocketHandle}, {@code WSAEFAULT} for a null {@code lpOverlapped}. Called on the
 * provider's completion threads; <em>hot</em>: no allocation, no lookup beyond the handle table.
 * The stub takes its pointers as addresses ({@link AddressSignatures}: no segment per call) and
 * lives for the process (global arena).
 *
 * <p>Also {@code WSASetLastError}/{@code WSAGetLastError}: the one per-thread Winsock error of the
 * host, which the functions a program calls directly (extension functions such as {@code ConnectEx})
 * set and {@code org.jwsp.host.ws2.Ws2} (and its native exports) read and write.
 */
public final class Ws2Exports {

    /** The module name providers look ws2_32's exports up under. */
    public static final String MODULE = "ws2_32.dll";

    private static final LinuxKernelPort KERNEL = LinuxKernelPort.instance();

    /** The thread's Winsock error as {@code WSASetLastError}/{@code WSAGetLastError} see it (extension functions report by it). */
    private static final ThreadLocal<int[]> LAST_ERROR = ThreadLocal.withInitial(() -> new int[1]);

    static {
        KERNEL.registerExport(MODULE, "WPUCompleteOverlappedRequest",
                AddressSignatures.lpWpuCompleteOverlappedRequestStub(Ws2Exports::completeOverlappedRequest, Arena.global()));
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            KERNEL.registerExport(MODULE, "WSASetLastError", Linker.nativeLinker().upcallStub(
                    lookup.findStatic(Ws2Exports.class, "setLastError", MethodType.methodType(void.class, int.class)),
                    FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT), Arena.global()));
            KERNEL.registerExport(MODULE, "WSAGetLastError", Linker.nativeLinker().upcallStub(
                    lookup.findStatic(Ws2Exports.class, "lastError", MethodType.methodType(int.class)),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT), Arena.global()));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@code WSASetLastError}: the calling thread's Winsock error (what extension functions set before returning FALSE). */
    public static void setLastError(int code) {
        LAST_ERROR.get()[0] = code;
    }

    /** {@code WSAGetLastError} as the exported function answers it. */
    public static int lastError() {
        return LAST_ERROR.get()[0];
    }

    /**
     * Tests only: runs in {@code WPUCompleteOverlappedRequest} after the status is written and the
     * event set, before the port is told, where a program may already reuse its OVERLAPPED.
     */
    static volatile Runnable completionVisible;

    private Ws2Exports() {
    }

    /** Makes sure the exports are registered (class initialisation does it once). */
    public static void register() {
        // the static initialiser is the registration
    }

    private static int completeOverlappedRequest(long s, long lpOverlapped, int dwError, int cbTransferred, long lpErrno) {
        try {
            SocketHandle h = Ws2UpcallTable.socket(s);
            if (h == null) {
                WsaErrors.set(lpErrno, WSAEINVAL());
                return SOCKET_ERROR();
            }
            if (lpOverlapped == 0) {
                WsaErrors.set(lpErrno, WSAEFAULT());
                return SOCKET_ERROR();
            }
            long ov = lpOverlapped;
            // hEvent is read once, before the completion is visible: from then on the OVERLAPPED is
            // the program's again (a thread woken by the event or polling Internal may reuse it), so
            // its low bit cannot be asked afterwards
            long hEvent = OverlappedStatus.eventWord(ov);
            OverlappedStatus.complete(ov, dwError, cbTransferred);
            long event = OverlappedStatus.event(hEvent);
            if (event != 0) {
                KERNEL.setEvent(event);
            }
            Runnable hook = completionVisible;
            if (hook != null) {
                hook.run();
            }
            CompletionPortObject port = h.port();
            // KB2568167: on a non-IFS handle (the only kind whose operations complete through here)
            // FILE_SKIP_COMPLETION_PORT_ON_SUCCESS loses every port completion: the request that
            // WPUCompleteOverlappedRequest completes through ws2ifsl succeeds at once, so the I/O
            // manager skips its packet. The event and the OVERLAPPED are still written.
            if (port != null && !OverlappedStatus.skipsPort(hEvent) && !h.skipsPortOnSuccess()) {
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
