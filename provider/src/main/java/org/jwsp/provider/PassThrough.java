package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.windows.LPWSPADDRESSTOSTRING;
import org.jwsp.bindings.windows.LPWSPBIND;
import org.jwsp.bindings.windows.LPWSPCANCELBLOCKINGCALL;
import org.jwsp.bindings.windows.LPWSPDUPLICATESOCKET;
import org.jwsp.bindings.windows.LPWSPENUMNETWORKEVENTS;
import org.jwsp.bindings.windows.LPWSPGETPEERNAME;
import org.jwsp.bindings.windows.LPWSPGETQOSBYNAME;
import org.jwsp.bindings.windows.LPWSPGETSOCKNAME;
import org.jwsp.bindings.windows.LPWSPGETSOCKOPT;
import org.jwsp.bindings.windows.LPWSPLISTEN;
import org.jwsp.bindings.windows.LPWSPRECVDISCONNECT;
import org.jwsp.bindings.windows.LPWSPSELECT;
import org.jwsp.bindings.windows.LPWSPSENDDISCONNECT;
import org.jwsp.bindings.windows.LPWSPSETSOCKOPT;
import org.jwsp.bindings.windows.LPWSPSTRINGTOADDRESS;
import org.jwsp.bindings.windows.WSPPROC_TABLE;

/**
 * The entries jwsp has no opinion on: each translates jwsp's handle to the lower socket (or
 * jwsp's protocol info to the next provider's) and returns the lower provider's answer as is.
 * WSPSelect translates the three fd_sets both ways. Client threads; never throws into native code.
 */
final class PassThrough {

    private final Chains chains;
    private final SocketTable sockets;
    private final LayeredIdentity identity;
    private final ExtensionFunctions extensions;

    PassThrough(Chains chains, SocketTable sockets, LayeredIdentity identity, ExtensionFunctions extensions) {
        this.chains = chains;
        this.sockets = sockets;
        this.identity = identity;
        this.extensions = extensions;
    }

    private SocketContext socket(long s) {
        return sockets.socketOf(s, ThreadScratch.get());
    }

    int bind(long s, MemorySegment name, int nameLen, MemorySegment lpErrno) {
        try {
            SocketContext c = socket(s);
            return c == null ? Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET)
                    : LPWSPBIND.invoke(WSPPROC_TABLE.lpWSPBind(c.lower.table), c.lowerHandle, name, nameLen, lpErrno);
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPBind", t);
        }
    }

    int listen(long s, int backlog, MemorySegment lpErrno) {
        try {
            SocketContext c = socket(s);
            return c == null ? Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET)
                    : LPWSPLISTEN.invoke(WSPPROC_TABLE.lpWSPListen(c.lower.table), c.lowerHandle, backlog, lpErrno);
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPListen", t);
        }
    }

    int getPeerName(long s, MemorySegment name, MemorySegment nameLen, MemorySegment lpErrno) {
        try {
            SocketContext c = socket(s);
            return c == null ? Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET)
                    : LPWSPGETPEERNAME.invoke(WSPPROC_TABLE.lpWSPGetPeerName(c.lower.table), c.lowerHandle, name, nameLen, lpErrno);
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPGetPeerName", t);
        }
    }

    int getSockName(long s, MemorySegment name, MemorySegment nameLen, MemorySegment lpErrno) {
        try {
            SocketContext c = socket(s);
            return c == null ? Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET)
                    : LPWSPGETSOCKNAME.invoke(WSPPROC_TABLE.lpWSPGetSockName(c.lower.table), c.lowerHandle, name, nameLen, lpErrno);
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPGetSockName", t);
        }
    }

    int getSockOpt(long s, int level, int name, MemorySegment value, MemorySegment len, MemorySegment lpErrno) {
        try {
            SocketContext c = socket(s);
            if (c == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            int own = identity.getSockOpt(c, level, name, value, len, lpErrno);
            return own != LayeredIdentity.NOT_MINE ? own
                    : LPWSPGETSOCKOPT.invoke(WSPPROC_TABLE.lpWSPGetSockOpt(c.lower.table), c.lowerHandle, level, name, value, len, lpErrno);
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPGetSockOpt", t);
        }
    }

    int setSockOpt(long s, int level, int name, MemorySegment value, int len, MemorySegment lpErrno) {
        try {
            SocketContext c = socket(s);
            if (c == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            int own = extensions.setSockOpt(c, level, name, value, len, lpErrno);
            return own != ExtensionFunctions.NOT_MINE ? own
                    : LPWSPSETSOCKOPT.invoke(WSPPROC_TABLE.lpWSPSetSockOpt(c.lower.table), c.lowerHandle, level, name, value, len, lpErrno);
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPSetSockOpt", t);
        }
    }

    int enumNetworkEvents(long s, MemorySegment event, MemorySegment events, MemorySegment lpErrno) {
        try {
            SocketContext c = socket(s);
            return c == null ? Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET)
                    : LPWSPENUMNETWORKEVENTS.invoke(WSPPROC_TABLE.lpWSPEnumNetworkEvents(c.lower.table), c.lowerHandle, event, events, lpErrno);
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPEnumNetworkEvents", t);
        }
    }

    int duplicateSocket(long s, int processId, MemorySegment info, MemorySegment lpErrno) {
        try {
            SocketContext c = socket(s);
            if (c == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            int rc = LPWSPDUPLICATESOCKET.invoke(WSPPROC_TABLE.lpWSPDuplicateSocket(c.lower.table), c.lowerHandle, processId, info, lpErrno);
            if (rc == 0 && info.address() != 0) {
                identity.duplicated(c, info);
            }
            return rc;
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPDuplicateSocket", t);
        }
    }

    int recvDisconnect(long s, MemorySegment data, MemorySegment lpErrno) {
        try {
            SocketContext c = socket(s);
            return c == null ? Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET)
                    : LPWSPRECVDISCONNECT.invoke(WSPPROC_TABLE.lpWSPRecvDisconnect(c.lower.table), c.lowerHandle, data, lpErrno);
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPRecvDisconnect", t);
        }
    }

    int sendDisconnect(long s, MemorySegment data, MemorySegment lpErrno) {
        try {
            SocketContext c = socket(s);
            return c == null ? Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET)
                    : LPWSPSENDDISCONNECT.invoke(WSPPROC_TABLE.lpWSPSendDisconnect(c.lower.table), c.lowerHandle, data, lpErrno);
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPSendDisconnect", t);
        }
    }

    int getQosByName(long s, MemorySegment qosName, MemorySegment qos, MemorySegment lpErrno) {
        try {
            SocketContext c = socket(s);
            return c == null ? Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET)
                    : LPWSPGETQOSBYNAME.invoke(WSPPROC_TABLE.lpWSPGetQOSByName(c.lower.table), c.lowerHandle, qosName, qos, lpErrno);
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPGetQOSByName", t);
        }
    }

    int cancelBlockingCall(MemorySegment lpErrno) {
        try {
            return LPWSPCANCELBLOCKINGCALL.invoke(WSPPROC_TABLE.lpWSPCancelBlockingCall(chains.first().lower().table), lpErrno);
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPCancelBlockingCall", t);
        }
    }

    int addressToString(MemorySegment address, int length, MemorySegment info, MemorySegment out, MemorySegment outLen, MemorySegment lpErrno) {
        try {
            Chains.Chain chain = chains.of(info);
            return LPWSPADDRESSTOSTRING.invoke(WSPPROC_TABLE.lpWSPAddressToString(chain.lower().table), address, length,
                    chain.lowerSocketInfo(), out, outLen, lpErrno);
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPAddressToString", t);
        }
    }

    int stringToAddress(MemorySegment string, int family, MemorySegment info, MemorySegment address, MemorySegment length, MemorySegment lpErrno) {
        try {
            Chains.Chain chain = chains.of(info);
            return LPWSPSTRINGTOADDRESS.invoke(WSPPROC_TABLE.lpWSPStringToAddress(chain.lower().table), string, family,
                    chain.lowerSocketInfo(), address, length, lpErrno);
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPStringToAddress", t);
        }
    }

    /**
     * WSPSelect: jwsp handles → lower sockets, the lower select, then keep the jwsp handles whose
     * lower socket is ready. A set may hold any {@code fd_count} (programs define their own
     * {@code FD_SETSIZE}): the lower sets are sized to the caller's, nothing is cut at 64. A count
     * that cannot be an array in memory (negative as a C {@code int}) is {@code WSAEFAULT}.
     */
    int select(int nfds, MemorySegment read, MemorySegment write, MemorySegment except, MemorySegment timeout, MemorySegment lpErrno) {
        try (Arena call = Arena.ofConfined()) {
            if (FdSets.count(read) < 0 || FdSets.count(write) < 0 || FdSets.count(except) < 0) {
                return Errno.fail(lpErrno, WsaCondition.BUFFERS_NOT_IN_USER_SPACE);
            }
            LowerProvider[] lower = new LowerProvider[1];
            MemorySegment lr = translate(read, call, lower);
            MemorySegment lw = translate(write, call, lower);
            MemorySegment le = translate(except, call, lower);
            if (lr == null || lw == null || le == null) {
                return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
            }
            LowerProvider l = lower[0] != null ? lower[0] : chains.first().lower();
            int rc = LPWSPSELECT.invoke(WSPPROC_TABLE.lpWSPSelect(l.table), nfds, lr, lw, le, timeout, lpErrno);
            if (rc != Errno.SOCKET_ERROR) {
                keepReady(read, lr);
                keepReady(write, lw);
                keepReady(except, le);
            }
            return rc;
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPSelect", t);
        }
    }

    private MemorySegment translate(MemorySegment set, Arena call, LowerProvider[] lower) {
        if (set.address() == 0) {
            return MemorySegment.NULL;
        }
        int n = FdSets.count(set);
        MemorySegment caller = FdSets.view(set, n);
        MemorySegment copy = FdSets.allocate(call, n);
        for (int i = 0; i < n; i++) {
            SocketContext c = socket(FdSets.get(caller, i));
            if (c == null) {
                return null;
            }
            lower[0] = c.lower;
            FdSets.set(copy, i, c.lowerHandle);
        }
        FdSets.count(copy, n);
        return copy;
    }

    /** Rewrites the caller's set to the jwsp handles whose lower socket the lower select kept. */
    private void keepReady(MemorySegment set, MemorySegment lowerSet) {
        if (set.address() == 0) {
            return;
        }
        int n = FdSets.count(set);
        MemorySegment caller = FdSets.view(set, n);
        int ready = FdSets.count(lowerSet);
        int kept = 0;
        for (int i = 0; i < n; i++) {
            long handle = FdSets.get(caller, i);
            SocketContext c = socket(handle);
            for (int j = 0; c != null && j < ready; j++) {
                if (FdSets.get(lowerSet, j) == c.lowerHandle) {
                    FdSets.set(caller, kept++, handle);
                    break;
                }
            }
        }
        FdSets.count(caller, kept);
    }
}
