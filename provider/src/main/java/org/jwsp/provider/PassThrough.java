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
import org.jwsp.bindings.windows.fd_set;

/**
 * The entries jwsp has no opinion on: each translates jwsp's handle to the lower socket (or
 * jwsp's protocol info to the next provider's) and returns the lower provider's answer as is.
 * WSPSelect translates the three fd_sets both ways. Client threads; never throws into native code.
 */
final class PassThrough {

    private final Chains chains;
    private final SocketTable sockets;

    PassThrough(Chains chains, SocketTable sockets) {
        this.chains = chains;
        this.sockets = sockets;
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
            return c == null ? Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET)
                    : LPWSPGETSOCKOPT.invoke(WSPPROC_TABLE.lpWSPGetSockOpt(c.lower.table), c.lowerHandle, level, name, value, len, lpErrno);
        } catch (Throwable t) {
            return Errno.fault(lpErrno, "WSPGetSockOpt", t);
        }
    }

    int setSockOpt(long s, int level, int name, MemorySegment value, int len, MemorySegment lpErrno) {
        try {
            SocketContext c = socket(s);
            return c == null ? Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET)
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
            return c == null ? Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET)
                    : LPWSPDUPLICATESOCKET.invoke(WSPPROC_TABLE.lpWSPDuplicateSocket(c.lower.table), c.lowerHandle, processId, info, lpErrno);
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

    /** WSPSelect: jwsp handles → lower sockets, the lower select, then keep the jwsp handles whose lower socket is ready. */
    int select(int nfds, MemorySegment read, MemorySegment write, MemorySegment except, MemorySegment timeout, MemorySegment lpErrno) {
        try (Arena call = Arena.ofConfined()) {
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
        MemorySegment caller = set.reinterpret(fd_set.layout().byteSize());
        MemorySegment copy = fd_set.allocate(call);
        int n = Math.min(fd_set.fd_count(caller), (int) fd_set.fd_array$dimensions()[0]);
        for (int i = 0; i < n; i++) {
            SocketContext c = socket(fd_set.fd_array(caller, i));
            if (c == null) {
                return null;
            }
            lower[0] = c.lower;
            fd_set.fd_array(copy, i, c.lowerHandle);
        }
        fd_set.fd_count(copy, n);
        return copy;
    }

    /** Rewrites the caller's set to the jwsp handles whose lower socket the lower select kept. */
    private void keepReady(MemorySegment set, MemorySegment lowerSet) {
        if (set.address() == 0) {
            return;
        }
        MemorySegment caller = set.reinterpret(fd_set.layout().byteSize());
        int n = Math.min(fd_set.fd_count(caller), (int) fd_set.fd_array$dimensions()[0]);
        int ready = fd_set.fd_count(lowerSet);
        int kept = 0;
        for (int i = 0; i < n; i++) {
            long handle = fd_set.fd_array(caller, i);
            SocketContext c = socket(handle);
            for (int j = 0; c != null && j < ready; j++) {
                if (fd_set.fd_array(lowerSet, j) == c.lowerHandle) {
                    fd_set.fd_array(caller, kept++, handle);
                    break;
                }
            }
        }
        fd_set.fd_count(caller, kept);
    }
}
