package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.LPWSPACCEPT;
import org.jwsp.bindings.windows.LPWSPASYNCSELECT;
import org.jwsp.bindings.windows.LPWSPCLOSESOCKET;
import org.jwsp.bindings.windows.LPWSPCONNECT;
import org.jwsp.bindings.windows.LPWSPEVENTSELECT;
import org.jwsp.bindings.windows.LPWSPGETSOCKOPT;
import org.jwsp.bindings.windows.LPWSPIOCTL;
import org.jwsp.bindings.windows.LPWSPJOINLEAF;
import org.jwsp.bindings.windows.LPWSPSHUTDOWN;
import org.jwsp.bindings.windows.LPWSPSOCKET;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.bindings.windows.ws2spi_h;

/**
 * The entries that create, change or end a jwsp socket: WSPSocket and WSPAccept (lower socket
 * + jwsp's own handle through WPUCreateSocketHandle, with a {@link SocketContext}),
 * WSPCloseSocket, WSPShutdown, WSPConnect, WSPJoinLeaf, WSPIoctl (FIONBIO and SIO_FLUSH are
 * jwsp's concern), WSPEventSelect and WSPAsyncSelect (they make the socket nonblocking).
 * Everything else about them is the lower provider's answer. Client threads; never throws
 * into native code.
 */
final class SocketEntries {

    private static final int SOCK_STREAM = ws2spi_h.SOCK_STREAM();
    private static final int WOULD_BLOCK = ws2spi_h.WSAEWOULDBLOCK();
    private static final long CLOSE_WAIT_MILLIS = 5_000;
    private static final org.apache.logging.log4j.Logger LOG = org.apache.logging.log4j.LogManager.getLogger(SocketEntries.class);

    private final ProviderRuntime rt;
    private final LayeredIdentity identity;
    private final ExtensionFunctions extensions;

    SocketEntries(ProviderRuntime rt) {
        this.rt = rt;
        this.identity = new LayeredIdentity(rt);
        this.extensions = new ExtensionFunctions(rt, rt.arena);
    }

    /** The extension functions (PassThrough's WSPSetSockOpt needs them for SO_UPDATE_ACCEPT_CONTEXT). */
    ExtensionFunctions extensions() {
        return extensions;
    }

    long socket(int af, int type, int protocol, MemorySegment info, int g, int flags, MemorySegment lpErrno) {
        try {
            ProviderRuntime.Chain chain = rt.chainFor(info);
            MemorySegment lowerInfo = chain.lowerSocketInfo();
            long lower;
            int reserved = info.address() == 0 ? 0 : WSAPROTOCOL_INFOW.dwProviderReserved(info.reinterpret(LayeredIdentity.INFO_W_SIZE));
            if (info.address() == 0 || reserved == WSAPROTOCOL_INFOW.dwProviderReserved(chain.link().ownInfo())) {
                lower = LPWSPSOCKET.invoke(WSPPROC_TABLE.lpWSPSocket(chain.lower().table), af, type, protocol, lowerInfo, g, flags, lpErrno);
            } else {
                // A duplicate (WSASocket FROM_PROTOCOL_INFO): the lower provider's key for it goes back down with its entry.
                try (Arena call = Arena.ofConfined()) {
                    MemorySegment keyed = call.allocate(WSAPROTOCOL_INFOW.layout()).copyFrom(lowerInfo);
                    WSAPROTOCOL_INFOW.dwProviderReserved(keyed, reserved);
                    lower = LPWSPSOCKET.invoke(WSPPROC_TABLE.lpWSPSocket(chain.lower().table), af, type, protocol, keyed, g, flags, lpErrno);
                }
            }
            if (lower == Errno.INVALID_SOCKET) {
                return lower;
            }
            int realAf = af > 0 ? af : WSAPROTOCOL_INFOW.iAddressFamily(lowerInfo);
            int realType = type > 0 ? type : WSAPROTOCOL_INFOW.iSocketType(lowerInfo);
            int realProtocol = protocol > 0 ? protocol : WSAPROTOCOL_INFOW.iProtocol(lowerInfo);
            return adopt(chain, lower, realAf, realType, realProtocol, (flags & ws2spi_h.WSA_FLAG_OVERLAPPED()) != 0, false, lpErrno);
        } catch (Throwable t) {
            return Errno.faultSocket(lpErrno, "WSPSocket", t);
        }
    }

    long accept(long s, MemorySegment addr, MemorySegment addrLen, MemorySegment condition, long callbackData, MemorySegment lpErrno) {
        try {
            SocketContext listener = rt.socketOf(s, ThreadScratch.get());
            if (listener == null) {
                Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
                return Errno.INVALID_SOCKET;
            }
            long lower = LPWSPACCEPT.invoke(WSPPROC_TABLE.lpWSPAccept(listener.lower.table), listener.lowerHandle, addr, addrLen,
                    condition, callbackData, lpErrno);
            if (lower == Errno.INVALID_SOCKET) {
                return lower;
            }
            long handle = adopt(rt.chainOf(listener.catalogEntryId), lower, listener.addressFamily, listener.type,
                    listener.protocol, listener.overlapped, true, lpErrno);
            SocketContext accepted = handle == Errno.INVALID_SOCKET ? null : rt.socketOf(handle, ThreadScratch.get());
            if (accepted != null && addr.address() != 0 && addrLen.address() != 0) {
                copyPeer(accepted, addr, addrLen.reinterpret(4).get(ValueLayout.JAVA_INT, 0));
            }
            return handle;
        } catch (Throwable t) {
            return Errno.faultSocket(lpErrno, "WSPAccept", t);
        }
    }

    /** Gives a lower socket its jwsp handle and context; closes it again if jwsp cannot. */
    private long adopt(ProviderRuntime.Chain chain, long lower, int af, int type, int protocol, boolean overlapped,
                       boolean connected, MemorySegment lpErrno) {
        SocketContext c = rt.sockets.open();
        if (c == null) {
            closeLower(chain.lower(), lower);
            Errno.fail(lpErrno, WsaCondition.TOO_MANY_SOCKETS);
            return Errno.INVALID_SOCKET;
        }
        c.lower = chain.lower();
        c.lowerHandle = lower;
        c.catalogEntryId = chain.link().ownCatalogEntryId();
        c.addressFamily = af;
        c.type = type;
        c.protocol = protocol;
        c.overlapped = overlapped;
        c.connected = connected;
        c.messageOriented = type != SOCK_STREAM;
        c.maxMessageSize = c.messageOriented ? maxMessageSize(c, chain) : Integer.MAX_VALUE;
        c.queue.lowerPostsImmediate = rt.lowerPostsImmediate;
        ThreadScratch sc = ThreadScratch.get();
        long handle = rt.upcalls.createSocketHandle(c.catalogEntryId, c.contextValue, sc.errno);
        if (handle == Errno.INVALID_SOCKET || handle == 0) {
            Errno.set(lpErrno, sc.errno());
            closeLower(c.lower, lower);
            rt.sockets.free(c);
            return Errno.INVALID_SOCKET;
        }
        c.handle = handle;
        if (overlapped) {
            rt.completions.associate(c);
        }
        c.open = true;
        return handle;
    }

    private static int maxMessageSize(SocketContext c, ProviderRuntime.Chain chain) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment value = call.allocate(ValueLayout.JAVA_INT);
            MemorySegment len = call.allocate(ValueLayout.JAVA_INT, 4);
            MemorySegment errno = call.allocate(ValueLayout.JAVA_INT);
            int rc = LPWSPGETSOCKOPT.invoke(WSPPROC_TABLE.lpWSPGetSockOpt(c.lower.table), c.lowerHandle, ws2spi_h.SOL_SOCKET(),
                    ws2spi_h.SO_MAX_MSG_SIZE(), value, len, errno);
            int size = rc == 0 ? value.get(ValueLayout.JAVA_INT, 0) : WSAPROTOCOL_INFOW.dwMessageSize(chain.link().nextInfo());
            return size <= 0 ? Integer.MAX_VALUE : size;
        }
    }

    private void closeLower(LowerProvider lower, long s) {
        LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(lower.table), s, ThreadScratch.get().errno);
    }

    int closeSocket(long s, MemorySegment lpErrno) {
        try {
            ThreadScratch sc = ThreadScratch.get();
            SocketContext c = rt.socketOf(s, sc);
            if (c == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            SendRequest aborted;
            synchronized (c) {
                if (c.closing) {
                    return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
                }
                c.closing = true;
                c.queue.abortWaiting();
                aborted = c.queue.takeDone();
                c.notifyAll();
            }
            rt.delivery.deliverAll(aborted, sc);
            int rc = LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(c.lower.table), c.lowerHandle, lpErrno);
            if (rc != 0) {
                // The lower socket is still open (e.g. WSAEWOULDBLOCK of a lingering nonblocking close):
                // jwsp's socket stays too, and the program gets the lower provider's error (as the
                // reference LSP does). Sends jwsp had queued were ended above with WSA_OPERATION_ABORTED.
                synchronized (c) {
                    c.closing = false;
                }
                return rc;
            }
            boolean quiet = awaitQuiet(c);
            rt.upcalls.closeSocketHandle(c.handle, sc.errno);
            if (quiet) {
                rt.sockets.free(c);
            } else {
                // The lower provider still owns a send of this socket: the slot is not reused until
                // WSPCleanup, so its late completion cannot touch another socket (the client's event
                // is still set: CompletionDelivery falls back to it).
                c.open = false;
                LOG.warn("WSPCloseSocket: the lower provider did not end its operations within {} ms; slot {} retired", CLOSE_WAIT_MILLIS, c.slot);
            }
            return rc;
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPCloseSocket", t);
        }
    }

    /**
     * Waits (bounded) until the socket is {@link SubmissionQueue#quiet}: the lower provider has
     * completed what it held (aborted by the close) and every completion has been delivered.
     */
    static boolean awaitQuiet(SocketContext c) throws InterruptedException {
        long deadline = System.nanoTime() + CLOSE_WAIT_MILLIS * 1_000_000;
        synchronized (c) {
            while (!c.queue.quiet()) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return false;
                }
                c.queue.waiters++;
                try {
                    c.wait(left);
                } finally {
                    c.queue.waiters--;
                }
            }
            return true;
        }
    }

    int shutdown(long s, int how, MemorySegment lpErrno) {
        try {
            SocketContext c = rt.socketOf(s, ThreadScratch.get());
            if (c == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            boolean send = how == ws2spi_h.SD_SEND() || how == ws2spi_h.SD_BOTH();
            if (send) {
                // Sends jwsp accepted before the shutdown go out before the FIN.
                synchronized (c) {
                    c.shutdownSend = true;
                    while (!c.queue.drained() && !c.closing) {
                        c.queue.waiters++;
                        try {
                            c.wait();
                        } finally {
                            c.queue.waiters--;
                        }
                    }
                }
            }
            int rc = LPWSPSHUTDOWN.invoke(WSPPROC_TABLE.lpWSPShutdown(c.lower.table), c.lowerHandle, how, lpErrno);
            if (rc != 0 && send) {
                c.shutdownSend = false;
            }
            return rc;
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPShutdown", t);
        }
    }

    int connect(long s, MemorySegment name, int nameLen, MemorySegment callerData, MemorySegment calleeData,
                MemorySegment sqos, MemorySegment gqos, MemorySegment lpErrno) {
        try {
            SocketContext c = rt.socketOf(s, ThreadScratch.get());
            if (c == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            int rc = LPWSPCONNECT.invoke(WSPPROC_TABLE.lpWSPConnect(c.lower.table), c.lowerHandle, name, nameLen, callerData,
                    calleeData, sqos, gqos, lpErrno);
            if (rc == 0 || lpErrno.address() != 0 && lpErrno.reinterpret(4).get(ValueLayout.JAVA_INT, 0) == WOULD_BLOCK) {
                c.connected = true;
                copyPeer(c, name, nameLen);
            }
            return rc;
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPConnect", t);
        }
    }

    long joinLeaf(long s, MemorySegment name, int nameLen, MemorySegment callerData, MemorySegment calleeData,
                  MemorySegment sqos, MemorySegment gqos, int flags, MemorySegment lpErrno) {
        try {
            SocketContext c = rt.socketOf(s, ThreadScratch.get());
            if (c == null) {
                Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
                return Errno.INVALID_SOCKET;
            }
            long lower = LPWSPJOINLEAF.invoke(WSPPROC_TABLE.lpWSPJoinLeaf(c.lower.table), c.lowerHandle, name, nameLen,
                    callerData, calleeData, sqos, gqos, flags, lpErrno);
            // A non-root leaf answers the socket itself; a new (root) socket is not layered by jwsp.
            return lower == c.lowerHandle ? s : Errno.INVALID_SOCKET;
        } catch (Throwable t) {
            return Errno.faultSocket(lpErrno, "WSPJoinLeaf", t);
        }
    }

    int ioctl(long s, int code, MemorySegment in, int cbIn, MemorySegment out, int cbOut, MemorySegment lpReturned,
              MemorySegment ov, MemorySegment routine, MemorySegment tid, MemorySegment lpErrno) {
        try {
            ThreadScratch sc = ThreadScratch.get();
            SocketContext c = rt.socketOf(s, sc);
            if (c == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            if (code == ws2spi_h.SIO_FLUSH()) {
                return flush(c, lpReturned, lpErrno, sc);
            }
            if (LayeredIdentity.answersIoctl(code)) {
                return identity.ioctl(c, out, cbOut, lpReturned, ov, routine, tid, lpErrno, sc);
            }
            if (code == ws2spi_h.SIO_GET_EXTENSION_FUNCTION_POINTER()) {
                int own = extensions.pointer(c, in, cbIn, out, cbOut, lpReturned, ov, routine, tid, lpErrno, sc);
                if (own != ExtensionFunctions.NOT_MINE) {
                    return own;
                }
            }
            int rc = rt.proxy.ioctl(c, code, in, cbIn, out, cbOut, lpReturned, ov, routine, tid, lpErrno, sc);
            if (rc == 0 && code == ws2spi_h.FIONBIO() && in.address() != 0 && cbIn >= 4) {
                c.nonBlocking = in.reinterpret(4).get(ValueLayout.JAVA_INT, 0) != 0;
            }
            return rc;
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPIoctl", t);
        }
    }

    /** SIO_FLUSH: every send still queued in jwsp ends with WSA_OPERATION_ABORTED; then the lower provider flushes its own. */
    private int flush(SocketContext c, MemorySegment lpReturned, MemorySegment lpErrno, ThreadScratch sc) {
        SendRequest aborted;
        synchronized (c) {
            c.queue.abortWaiting();
            aborted = c.queue.takeDone();
        }
        rt.delivery.deliverAll(aborted, sc);
        // A lower provider without SIO_FLUSH (WSAENOPROTOOPT, WSAEOPNOTSUPP) leaves only its send in flight.
        LPWSPIOCTL.invoke(WSPPROC_TABLE.lpWSPIoctl(c.lower.table), c.lowerHandle, ws2spi_h.SIO_FLUSH(), MemorySegment.NULL, 0,
                MemorySegment.NULL, 0, sc.bytes, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, sc.errno);
        if (lpReturned.address() != 0) {
            lpReturned.reinterpret(4).set(ValueLayout.JAVA_INT, 0, 0);
        }
        return 0;
    }

    int eventSelect(long s, MemorySegment event, int events, MemorySegment lpErrno) {
        try {
            SocketContext c = rt.socketOf(s, ThreadScratch.get());
            if (c == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            int rc = LPWSPEVENTSELECT.invoke(WSPPROC_TABLE.lpWSPEventSelect(c.lower.table), c.lowerHandle, event, events, lpErrno);
            if (rc == 0 && events != 0) {
                c.nonBlocking = true;
            }
            return rc;
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPEventSelect", t);
        }
    }

    int asyncSelect(long s, MemorySegment hwnd, int msg, int events, MemorySegment lpErrno) {
        try {
            SocketContext c = rt.socketOf(s, ThreadScratch.get());
            if (c == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            int rc = LPWSPASYNCSELECT.invoke(WSPPROC_TABLE.lpWSPAsyncSelect(c.lower.table), c.lowerHandle, hwnd, msg, events, lpErrno);
            if (rc == 0 && events != 0) {
                c.nonBlocking = true;
            }
            return rc;
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPAsyncSelect", t);
        }
    }

    private static void copyPeer(SocketContext c, MemorySegment name, int nameLen) {
        if (name.address() == 0 || nameLen <= 0) {
            return;
        }
        long n = Math.min(nameLen, c.peer.byteSize());
        MemorySegment.copy(name.reinterpret(n), 0, c.peer, 0, n);
    }
}
