package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.LPWSPACCEPT;
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
 * WSPCloseSocket (a failing lower close keeps the socket), WSPShutdown, WSPConnect, WSPJoinLeaf,
 * WSPIoctl (FIONBIO and SIO_FLUSH are jwsp's concern; the identity ioctls, SIO_EXT_POLL,
 * SIO_EXT_SENDMSG and SIO_GET_EXTENSION_FUNCTION_POINTER for jwsp's own functions are answered by
 * {@link LayeredIdentity}, {@link ExtPoll} and {@link ExtensionFunctions}), WSPEventSelect and
 * WSPAsyncSelect (they make the socket nonblocking; the lower provider posts WSPAsyncSelect's
 * messages to jwsp's window, {@link AsyncSelectWindow}, which forwards them with jwsp's handle).
 * Everything else about them is the lower provider's answer. Client threads; never throws
 * into native code.
 */
final class SocketEntries {

    private static final int WOULD_BLOCK = ws2spi_h.WSAEWOULDBLOCK();
    private static final long CLOSE_WAIT_MILLIS = 5_000;
    private static final org.apache.logging.log4j.Logger LOG = org.apache.logging.log4j.LogManager.getLogger(SocketEntries.class);

    private final Chains chains;
    private final SocketTable sockets;
    private final UpcallTable upcalls;
    private final CompletionPort completions;
    private final CompletionDelivery delivery;
    private final OverlappedProxy proxy;
    private final LayeredIdentity identity;
    private final ExtensionFunctions extensions;
    private final AsyncSelectWindow asyncSelects;
    private final boolean lowerPostsImmediate;

    SocketEntries(Chains chains, SocketTable sockets, UpcallTable upcalls, CompletionPort completions, CompletionDelivery delivery,
                  OverlappedProxy proxy, LayeredIdentity identity, ExtensionFunctions extensions, AsyncSelectWindow asyncSelects,
                  boolean lowerPostsImmediate) {
        this.chains = chains;
        this.sockets = sockets;
        this.upcalls = upcalls;
        this.completions = completions;
        this.delivery = delivery;
        this.proxy = proxy;
        this.identity = identity;
        this.extensions = extensions;
        this.asyncSelects = asyncSelects;
        this.lowerPostsImmediate = lowerPostsImmediate;
    }

    long socket(int af, int type, int protocol, MemorySegment info, int g, int flags, MemorySegment lpErrno) {
        try {
            Chains.Chain chain = chains.of(info);
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
            SocketContext listener = sockets.socketOf(s, ThreadScratch.get());
            if (listener == null) {
                Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
                return Errno.INVALID_SOCKET;
            }
            long lower = LPWSPACCEPT.invoke(WSPPROC_TABLE.lpWSPAccept(listener.lower.table), listener.lowerHandle, addr, addrLen,
                    condition, callbackData, lpErrno);
            if (lower == Errno.INVALID_SOCKET) {
                return lower;
            }
            long handle = adopt(chains.of(listener.catalogEntryId), lower, listener.addressFamily, listener.type,
                    listener.protocol, listener.overlapped, true, lpErrno);
            SocketContext accepted = handle == Errno.INVALID_SOCKET ? null : sockets.socketOf(handle, ThreadScratch.get());
            if (accepted != null) {
                asyncSelects.inherit(listener, accepted, ThreadScratch.get().errno);
            }
            if (accepted != null && addr.address() != 0 && addrLen.address() != 0) {
                accepted.connected(addr, addrLen.reinterpret(4).get(ValueLayout.JAVA_INT, 0));
            }
            return handle;
        } catch (Throwable t) {
            return Errno.faultSocket(lpErrno, "WSPAccept", t);
        }
    }

    /** Gives a lower socket its jwsp handle and context; closes it again if jwsp cannot. */
    private long adopt(Chains.Chain chain, long lower, int af, int type, int protocol, boolean overlapped,
                       boolean connected, MemorySegment lpErrno) {
        SocketContext c = sockets.open();
        if (c == null) {
            closeLower(chain.lower(), lower);
            Errno.fail(lpErrno, WsaCondition.TOO_MANY_SOCKETS);
            return Errno.INVALID_SOCKET;
        }
        c.adopt(chain.lower(), lower, chain.link().ownCatalogEntryId(), af, type, protocol, overlapped, connected, lowerPostsImmediate);
        if (c.messageOriented) {
            c.maxMessageSize(maxMessageSize(c, chain));
        }
        ThreadScratch sc = ThreadScratch.get();
        long handle = upcalls.createSocketHandle(c.catalogEntryId, c.contextValue, sc.errno);
        if (handle == Errno.INVALID_SOCKET || handle == 0) {
            Errno.set(lpErrno, sc.errno());
            closeLower(c.lower, lower);
            sockets.free(c);
            return Errno.INVALID_SOCKET;
        }
        if (overlapped) {
            completions.associate(c, chain.lowerIfs());
        }
        sockets.publish(c, handle);
        return handle;
    }

    private static int maxMessageSize(SocketContext c, Chains.Chain chain) {
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
            SocketContext c = sockets.socketOf(s, sc);
            if (c == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            if (!c.markClosing()) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            delivery.deliverAll(c.takeDone(), sc);
            c.awaitIssued();
            int rc = LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(c.lower.table), c.lowerHandle, lpErrno);
            if (rc != 0) {
                // The lower socket is still open (e.g. WSAEWOULDBLOCK of a lingering nonblocking close):
                // jwsp's socket stays too, and the program gets the lower provider's error (as the
                // reference LSP does). Sends jwsp had queued were ended above with WSA_OPERATION_ABORTED.
                c.closeRefused();
                return rc;
            }
            asyncSelects.forget(c);
            boolean quiet = c.awaitQuiet(CLOSE_WAIT_MILLIS);
            if (!quiet) {
                delivery.deliverAll(c.abandonInFlight(), sc); // the caller hears of a send the lower never ended
            }
            sockets.unpublish(c);
            upcalls.closeSocketHandle(c.handle, sc.errno);
            if (quiet) {
                sockets.free(c);
            } else {
                // The lower provider still owns a send of this socket: the slot is not reused until
                // WSPCleanup, so its late completion cannot touch another socket (the client's event
                // is still set: CompletionDelivery falls back to it).
                sockets.retire(c);
                LOG.warn("WSPCloseSocket: the lower provider did not end its operations within {} ms; slot {} retired", CLOSE_WAIT_MILLIS, c.slot);
            }
            return rc;
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPCloseSocket", t);
        }
    }

    /**
     * The last WSPCleanup closes a socket the client left open: as WSPCloseSocket, while the
     * worker still runs (the lower provider's aborts reach the client), then frees the slot.
     */
    void closeAtCleanup(SocketContext c, ThreadScratch sc) throws InterruptedException {
        c.markClosing();
        delivery.deliverAll(c.takeDone(), sc);
        c.awaitIssued();
        LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(c.lower.table), c.lowerHandle, sc.errno);
        asyncSelects.forget(c);
        c.awaitQuiet(CLOSE_WAIT_MILLIS);
        sockets.unpublish(c);
        upcalls.closeSocketHandle(c.handle, sc.errno);
        sockets.free(c);
    }

    int shutdown(long s, int how, MemorySegment lpErrno) {
        try {
            SocketContext c = sockets.socketOf(s, ThreadScratch.get());
            if (c == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            boolean send = how == ws2spi_h.SD_SEND() || how == ws2spi_h.SD_BOTH();
            if (send && !c.shutDownSend(how)) {
                // Sends jwsp accepted before are still queued (perhaps held by a filter): the queue
                // shuts the lower socket down when they have gone out, so they precede the FIN.
                return 0;
            }
            int rc = LPWSPSHUTDOWN.invoke(WSPPROC_TABLE.lpWSPShutdown(c.lower.table), c.lowerHandle, how, lpErrno);
            if (rc != 0 && send) {
                c.shutDownSendFailed();
            }
            return rc;
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPShutdown", t);
        }
    }

    int connect(long s, MemorySegment name, int nameLen, MemorySegment callerData, MemorySegment calleeData,
                MemorySegment sqos, MemorySegment gqos, MemorySegment lpErrno) {
        try {
            SocketContext c = sockets.socketOf(s, ThreadScratch.get());
            if (c == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            int rc = LPWSPCONNECT.invoke(WSPPROC_TABLE.lpWSPConnect(c.lower.table), c.lowerHandle, name, nameLen, callerData,
                    calleeData, sqos, gqos, lpErrno);
            if (rc == 0 || lpErrno.address() != 0 && lpErrno.reinterpret(4).get(ValueLayout.JAVA_INT, 0) == WOULD_BLOCK) {
                c.connected(name, nameLen);
            }
            return rc;
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPConnect", t);
        }
    }

    long joinLeaf(long s, MemorySegment name, int nameLen, MemorySegment callerData, MemorySegment calleeData,
                  MemorySegment sqos, MemorySegment gqos, int flags, MemorySegment lpErrno) {
        try {
            SocketContext c = sockets.socketOf(s, ThreadScratch.get());
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
            SocketContext c = sockets.socketOf(s, sc);
            if (c == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            long resolved = sc.resolved;
            if (code == ws2spi_h.SIO_FLUSH()) {
                return flush(c, lpReturned, lpErrno, sc);
            }
            if (code == ws2spi_h.SIO_EXT_SENDMSG()) {
                return extensions.extSendMsg(s, c, resolved, in, cbIn, lpErrno, sc);
            }
            if (code == ws2spi_h.SIO_EXT_POLL()) {
                return ExtPoll.poll(sockets, c, in, cbIn, out, cbOut, lpReturned, lpErrno);
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
            int rc = proxy.ioctl(c, resolved, code, in, cbIn, out, cbOut, lpReturned, ov, routine, tid, lpErrno, sc);
            if (rc == 0 && code == ws2spi_h.FIONBIO() && in.address() != 0 && cbIn >= 4) {
                c.nonBlocking(in.reinterpret(4).get(ValueLayout.JAVA_INT, 0) != 0);
            }
            return rc;
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPIoctl", t);
        }
    }

    /** SIO_FLUSH: every send still queued in jwsp ends with WSA_OPERATION_ABORTED; then the lower provider flushes its own. */
    private int flush(SocketContext c, MemorySegment lpReturned, MemorySegment lpErrno, ThreadScratch sc) {
        c.abortWaiting();
        delivery.deliverAll(c.takeDone(), sc);
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
            SocketContext c = sockets.socketOf(s, ThreadScratch.get());
            if (c == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            int rc = LPWSPEVENTSELECT.invoke(WSPPROC_TABLE.lpWSPEventSelect(c.lower.table), c.lowerHandle, event, events, lpErrno);
            if (rc == 0 && events != 0) {
                c.nonBlocking(true);
            }
            return rc;
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPEventSelect", t);
        }
    }

    int asyncSelect(long s, MemorySegment hwnd, int msg, int events, MemorySegment lpErrno) {
        try {
            SocketContext c = sockets.socketOf(s, ThreadScratch.get());
            if (c == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            int rc = asyncSelects.select(c, hwnd, msg, events, lpErrno);
            if (rc == 0 && events != 0) {
                c.nonBlocking(true);
            }
            return rc;
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPAsyncSelect", t);
        }
    }

}
