package org.jwsp.host.upcall;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.AddressSignatures;
import org.jwsp.bindings.CallerMemory;
import org.jwsp.bindings.windows.LPWPUCLOSEEVENT;
import org.jwsp.bindings.windows.LPWPUCLOSESOCKETHANDLE;
import org.jwsp.bindings.windows.LPWPUCLOSETHREAD;
import org.jwsp.bindings.windows.LPWPUCREATEEVENT;
import org.jwsp.bindings.windows.LPWPUCREATESOCKETHANDLE;
import org.jwsp.bindings.windows.LPWPUFDISSET;
import org.jwsp.bindings.windows.LPWPUGETPROVIDERPATH;
import org.jwsp.bindings.windows.LPWPUMODIFYIFSHANDLE;
import org.jwsp.bindings.windows.LPWPUOPENCURRENTTHREAD;
import org.jwsp.bindings.windows.LPWPUPOSTMESSAGE;
import org.jwsp.bindings.windows.LPWPUQUERYBLOCKINGCALLBACK;
import org.jwsp.bindings.windows.LPWPUQUEUEAPC;
import org.jwsp.bindings.windows.LPWPURESETEVENT;
import org.jwsp.bindings.windows.LPWPUSETEVENT;
import org.jwsp.bindings.windows.WSATHREADID;
import org.jwsp.bindings.windows.WSPUPCALLTABLE;
import org.jwsp.host.kernel.LinuxKernelPort;

/**
 * The {@code WSPUPCALLTABLE} that the host's ws2_32 hands every provider's {@code WSPStartup}:
 * 15 upcall stubs in native memory, each a small Java body over the {@link LinuxKernelPort}.
 * Supported: socket handles ({@code WPUCreateSocketHandle}, {@code WPUQuerySocketHandleContext},
 * {@code WPUCloseSocketHandle}), threads and APCs ({@code WPUOpenCurrentThread},
 * {@code WPUCloseThread}, {@code WPUQueueApc}), events ({@code WPUCreateEvent} = a manual-reset
 * event like {@code WSACreateEvent}, {@code WPUSetEvent}, {@code WPUResetEvent},
 * {@code WPUCloseEvent}), {@code WPUGetProviderPath} (forwards to the ws2_32 export
 * {@code WSCGetProviderPath}), {@code WPUQueryBlockingCallback} (Winsock 2 has no blocking hook:
 * answers a null callback), {@code WPUPostMessage} ({@code PostMessageW} to the host's message-only
 * windows, {@link User32Exports}). Unsupported, answering as documented for that case:
 * {@code WPUFDIsSet} (no {@code select}: 0),
 * {@code WPUModifyIFSHandle} (no IFS handles: {@code INVALID_SOCKET}, {@code WSAEINVALIDPROVIDER}).
 *
 * <p>Called from any provider thread, JVM-started or not. Every body catches {@link Throwable}
 * ({@link UpcallFaults}). The table and its stubs live for the process, like ws2_32's code: they
 * are allocated once from the global arena.
 */
public final class Ws2UpcallTable {

    private static final LinuxKernelPort KERNEL = LinuxKernelPort.instance();
    private static final MemorySegment TABLE = build(Arena.global());

    static {
        Ws2Exports.register();
        User32Exports.register();
    }

    private Ws2UpcallTable() {
    }

    /** The process's upcall table (pass it by value to {@code WSPStartup}). */
    public static MemorySegment table() {
        return TABLE;
    }

    /** {@code WPUPostMessage}: what {@code PostMessageW} does; FALSE for a window that is not (or no longer) there. */
    private static int postMessage(MemorySegment window, int message, long wParam, long lParam) {
        try {
            return KERNEL.windows().post(window.address(), message, wParam, lParam) ? TRUE() : FALSE();
        } catch (Throwable t) {
            UpcallFaults.report("WPUPostMessage", t, MemorySegment.NULL);
            return FALSE();
        }
    }

    /** The {@link SocketHandle} behind {@code s}, or null if it is not a socket handle. <em>Hot</em>. */
    public static SocketHandle socket(long s) {
        return KERNEL.handles().get(s) instanceof SocketHandle h ? h : null;
    }

    private static MemorySegment build(Arena arena) {
        MemorySegment t = WSPUPCALLTABLE.allocate(arena);
        WSPUPCALLTABLE.lpWPUCloseEvent(t, LPWPUCLOSEEVENT.allocate(Ws2UpcallTable::closeEvent, arena));
        WSPUPCALLTABLE.lpWPUCloseSocketHandle(t, LPWPUCLOSESOCKETHANDLE.allocate(Ws2UpcallTable::closeSocketHandle, arena));
        WSPUPCALLTABLE.lpWPUCreateEvent(t, LPWPUCREATEEVENT.allocate(Ws2UpcallTable::createEvent, arena));
        WSPUPCALLTABLE.lpWPUCreateSocketHandle(t, LPWPUCREATESOCKETHANDLE.allocate(Ws2UpcallTable::createSocketHandle, arena));
        WSPUPCALLTABLE.lpWPUFDIsSet(t, LPWPUFDISSET.allocate((s, set) -> 0, arena));
        WSPUPCALLTABLE.lpWPUGetProviderPath(t, LPWPUGETPROVIDERPATH.allocate(Ws2UpcallTable::providerPath, arena));
        WSPUPCALLTABLE.lpWPUModifyIFSHandle(t, LPWPUMODIFYIFSHANDLE.allocate(Ws2UpcallTable::modifyIfsHandle, arena));
        WSPUPCALLTABLE.lpWPUPostMessage(t, LPWPUPOSTMESSAGE.allocate(Ws2UpcallTable::postMessage, arena));
        WSPUPCALLTABLE.lpWPUQueryBlockingCallback(t, LPWPUQUERYBLOCKINGCALLBACK.allocate(Ws2UpcallTable::queryBlockingCallback, arena));
        WSPUPCALLTABLE.lpWPUQuerySocketHandleContext(t, AddressSignatures.lpWpuQuerySocketHandleContextStub(Ws2UpcallTable::querySocketHandleContext, arena));
        WSPUPCALLTABLE.lpWPUQueueApc(t, LPWPUQUEUEAPC.allocate(Ws2UpcallTable::queueApc, arena));
        WSPUPCALLTABLE.lpWPUResetEvent(t, LPWPURESETEVENT.allocate(Ws2UpcallTable::resetEvent, arena));
        WSPUPCALLTABLE.lpWPUSetEvent(t, LPWPUSETEVENT.allocate(Ws2UpcallTable::setEvent, arena));
        WSPUPCALLTABLE.lpWPUOpenCurrentThread(t, LPWPUOPENCURRENTTHREAD.allocate(Ws2UpcallTable::openCurrentThread, arena));
        WSPUPCALLTABLE.lpWPUCloseThread(t, LPWPUCLOSETHREAD.allocate(Ws2UpcallTable::closeThread, arena));
        return t;
    }

    // ---- socket handles ---------------------------------------------------------------------

    private static long createSocketHandle(int catalogEntryId, long context, MemorySegment lpErrno) {
        try {
            return KERNEL.handles().open(new SocketHandle(catalogEntryId, context));
        } catch (Throwable t) {
            UpcallFaults.report("WPUCreateSocketHandle", t, lpErrno);
            return INVALID_SOCKET();
        }
    }

    /** <em>Hot</em> (once per send through a layered provider): pointers as addresses, no segment per call. */
    private static int querySocketHandleContext(long s, long lpContext, long lpErrno) {
        try {
            SocketHandle h = socket(s);
            if (h == null) {
                WsaErrors.set(lpErrno, WSAENOTSOCK());
                return SOCKET_ERROR();
            }
            if (lpContext == 0) {
                WsaErrors.set(lpErrno, WSAEFAULT());
                return SOCKET_ERROR();
            }
            CallerMemory.putLong(lpContext, h.context());
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WPUQuerySocketHandleContext", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    private static int closeSocketHandle(long s, MemorySegment lpErrno) {
        try {
            if (socket(s) == null || KERNEL.handles().close(s) == null) {
                WsaErrors.set(lpErrno, WSAENOTSOCK());
                return SOCKET_ERROR();
            }
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WPUCloseSocketHandle", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    private static long modifyIfsHandle(int catalogEntryId, long proposed, MemorySegment lpErrno) {
        WsaErrors.set(lpErrno, WSAEINVALIDPROVIDER());
        return INVALID_SOCKET();
    }

    // ---- threads and APCs -------------------------------------------------------------------

    private static int openCurrentThread(MemorySegment lpThreadId, MemorySegment lpErrno) {
        try {
            if (lpThreadId.address() == 0) {
                WsaErrors.set(lpErrno, WSAEFAULT());
                return SOCKET_ERROR();
            }
            MemorySegment id = lpThreadId.reinterpret(WSATHREADID.sizeof());
            WSATHREADID.ThreadHandle(id, MemorySegment.ofAddress(KERNEL.openCurrentThread()));
            WSATHREADID.Reserved(id, KERNEL.currentThreadId());
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WPUOpenCurrentThread", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    private static int closeThread(MemorySegment lpThreadId, MemorySegment lpErrno) {
        try {
            if (lpThreadId.address() == 0) {
                WsaErrors.set(lpErrno, WSAEFAULT());
                return SOCKET_ERROR();
            }
            MemorySegment id = lpThreadId.reinterpret(WSATHREADID.sizeof());
            if (!KERNEL.closeHandle(WSATHREADID.ThreadHandle(id).address())) {
                WsaErrors.set(lpErrno, WSAEINVAL());
                return SOCKET_ERROR();
            }
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WPUCloseThread", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    /** <em>Hot</em> for completion routines: one array lookup, one eventfd write. */
    private static int queueApc(MemorySegment lpThreadId, MemorySegment lpfnUserApc, long context, MemorySegment lpErrno) {
        try {
            if (lpThreadId.address() == 0 || lpfnUserApc.address() == 0) {
                WsaErrors.set(lpErrno, WSAEFAULT());
                return SOCKET_ERROR();
            }
            long thread = lpThreadId.reinterpret(WSATHREADID.sizeof()).get(ValueLayout.JAVA_LONG, WSATHREADID.ThreadHandle$offset());
            if (!KERNEL.queueApc(thread, lpfnUserApc, context)) {
                WsaErrors.set(lpErrno, WSAEINVAL());
                return SOCKET_ERROR();
            }
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WPUQueueApc", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    // ---- events -----------------------------------------------------------------------------

    private static MemorySegment createEvent(MemorySegment lpErrno) {
        try {
            return MemorySegment.ofAddress(KERNEL.createEvent(true, false));
        } catch (Throwable t) {
            UpcallFaults.report("WPUCreateEvent", t, lpErrno);
            return MemorySegment.NULL;
        }
    }

    private static int setEvent(MemorySegment hEvent, MemorySegment lpErrno) {
        return eventVerb(hEvent, lpErrno, 0);
    }

    private static int resetEvent(MemorySegment hEvent, MemorySegment lpErrno) {
        return eventVerb(hEvent, lpErrno, 1);
    }

    private static int closeEvent(MemorySegment hEvent, MemorySegment lpErrno) {
        return eventVerb(hEvent, lpErrno, 2);
    }

    private static int eventVerb(MemorySegment hEvent, MemorySegment lpErrno, int verb) {
        try {
            long h = hEvent.address();
            boolean ok = switch (verb) {
                case 0 -> KERNEL.setEvent(h);
                case 1 -> KERNEL.resetEvent(h);
                default -> KERNEL.closeHandle(h);
            };
            if (!ok) {
                WsaErrors.set(lpErrno, WSA_INVALID_HANDLE());
                return FALSE();
            }
            return TRUE();
        } catch (Throwable t) {
            UpcallFaults.report(verb == 0 ? "WPUSetEvent" : verb == 1 ? "WPUResetEvent" : "WPUCloseEvent", t, lpErrno);
            return FALSE();
        }
    }

    // ---- catalog ----------------------------------------------------------------------------

    private static int providerPath(MemorySegment guid, MemorySegment path, MemorySegment lenPtr, MemorySegment lpErrno) {
        try {
            MemorySegment wsc = KERNEL.procAddress(Ws2Exports.MODULE, "WSCGetProviderPath");
            if (wsc.address() == 0) {
                WsaErrors.set(lpErrno, WSAEINVAL());
                return SOCKET_ERROR();
            }
            return LPWPUGETPROVIDERPATH.invoke(wsc, guid, path, lenPtr, lpErrno);
        } catch (Throwable t) {
            UpcallFaults.report("WPUGetProviderPath", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    private static int queryBlockingCallback(int catalogEntryId, MemorySegment lplpfnCallback, MemorySegment lpdwContext,
                                             MemorySegment lpErrno) {
        try {
            if (lplpfnCallback.address() == 0 || lpdwContext.address() == 0) {
                WsaErrors.set(lpErrno, WSAEFAULT());
                return SOCKET_ERROR();
            }
            lplpfnCallback.reinterpret(8).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0L);
            lpdwContext.reinterpret(8).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0L);
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WPUQueryBlockingCallback", t, lpErrno);
            return SOCKET_ERROR();
        }
    }
}
