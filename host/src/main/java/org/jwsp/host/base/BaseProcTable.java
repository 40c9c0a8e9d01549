package org.jwsp.host.base;


import org.jwsp.bindings.AddressSignatures;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.windows.*;

/**
 * Builds the base provider's {@code WSPPROC_TABLE}: all 30 entries as upcall stubs. Implemented:
 * {@code WSPAccept, WSPAsyncSelect (NetworkEvents), WSPBind, WSPCleanup, WSPCloseSocket, WSPConnect, WSPGetOverlappedResult,
 * WSPGetPeerName, WSPGetSockName, WSPGetSockOpt, WSPIoctl, WSPListen, WSPRecv, WSPRecvFrom, WSPSend, WSPSendTo,
 * WSPSetSockOpt, WSPShutdown, WSPSocket}. Every other entry answers {@code SOCKET_ERROR} (or
 * {@code INVALID_SOCKET}/{@code FALSE} where that is the entry's failure value) with
 * {@code WSAEOPNOTSUPP}. Built once, into the arena given (the process's global one).
 */
final class BaseProcTable {

    private BaseProcTable() {
    }

    static MemorySegment build(BaseProvider p, Arena arena) {
        MemorySegment t = WSPPROC_TABLE.allocate(arena);
        SocketCalls sc = p.socketCalls;
        TransferCalls tc = p.transferCalls;
        OptionCalls oc = p.optionCalls;
        WSPPROC_TABLE.lpWSPAccept(t, LPWSPACCEPT.allocate(sc::accept, arena));
        WSPPROC_TABLE.lpWSPAsyncSelect(t, LPWSPASYNCSELECT.allocate(p.networkEvents::asyncSelect, arena));
        WSPPROC_TABLE.lpWSPBind(t, LPWSPBIND.allocate(sc::bind, arena));
        WSPPROC_TABLE.lpWSPCleanup(t, LPWSPCLEANUP.allocate(p::cleanup, arena));
        WSPPROC_TABLE.lpWSPCloseSocket(t, LPWSPCLOSESOCKET.allocate(sc::close, arena));
        WSPPROC_TABLE.lpWSPConnect(t, LPWSPCONNECT.allocate(sc::connect, arena));
        WSPPROC_TABLE.lpWSPGetOverlappedResult(t, AddressSignatures.lpWspGetOverlappedResultStub(tc::getOverlappedResult, arena));
        WSPPROC_TABLE.lpWSPGetPeerName(t, LPWSPGETPEERNAME.allocate((s, n, l, e) -> sc.sockName(s, n, l, e, true), arena));
        WSPPROC_TABLE.lpWSPGetSockName(t, LPWSPGETSOCKNAME.allocate((s, n, l, e) -> sc.sockName(s, n, l, e, false), arena));
        WSPPROC_TABLE.lpWSPGetSockOpt(t, LPWSPGETSOCKOPT.allocate(oc::getSockOpt, arena));
        WSPPROC_TABLE.lpWSPIoctl(t, LPWSPIOCTL.allocate(oc::ioctl, arena));
        WSPPROC_TABLE.lpWSPListen(t, LPWSPLISTEN.allocate(sc::listen, arena));
        WSPPROC_TABLE.lpWSPRecv(t, LPWSPRECV.allocate(tc::recv, arena));
        WSPPROC_TABLE.lpWSPRecvFrom(t, LPWSPRECVFROM.allocate(tc::recvFrom, arena));
        WSPPROC_TABLE.lpWSPSend(t, AddressSignatures.lpWspSendStub(tc::send, arena));
        WSPPROC_TABLE.lpWSPSendTo(t, LPWSPSENDTO.allocate(tc::sendTo, arena));
        WSPPROC_TABLE.lpWSPSetSockOpt(t, LPWSPSETSOCKOPT.allocate(oc::setSockOpt, arena));
        WSPPROC_TABLE.lpWSPShutdown(t, LPWSPSHUTDOWN.allocate(sc::shutdown, arena));
        WSPPROC_TABLE.lpWSPSocket(t, LPWSPSOCKET.allocate(sc::socket, arena));
        // not offered by this host: SOCKET_ERROR (or the entry's failure value) + WSAEOPNOTSUPP
        WSPPROC_TABLE.lpWSPAddressToString(t, LPWSPADDRESSTOSTRING.allocate(
                (a, l, i, str, sl, e) -> BaseProvider.unsupported(e), arena));
        WSPPROC_TABLE.lpWSPCancelBlockingCall(t, LPWSPCANCELBLOCKINGCALL.allocate(BaseProvider::unsupported, arena));
        WSPPROC_TABLE.lpWSPDuplicateSocket(t, LPWSPDUPLICATESOCKET.allocate((s, pid, i, e) -> BaseProvider.unsupported(e), arena));
        WSPPROC_TABLE.lpWSPEnumNetworkEvents(t, LPWSPENUMNETWORKEVENTS.allocate((s, h, n, e) -> BaseProvider.unsupported(e), arena));
        WSPPROC_TABLE.lpWSPEventSelect(t, LPWSPEVENTSELECT.allocate((s, h, n, e) -> BaseProvider.unsupported(e), arena));
        WSPPROC_TABLE.lpWSPGetQOSByName(t, LPWSPGETQOSBYNAME.allocate((s, b, q, e) -> {
            BaseProvider.unsupported(e);
            return FALSE();
        }, arena));
        WSPPROC_TABLE.lpWSPJoinLeaf(t, LPWSPJOINLEAF.allocate((s, n, l, cd, ce, sq, gq, f, e) -> {
            BaseProvider.unsupported(e);
            return INVALID_SOCKET();
        }, arena));
        WSPPROC_TABLE.lpWSPRecvDisconnect(t, LPWSPRECVDISCONNECT.allocate((s, d, e) -> BaseProvider.unsupported(e), arena));
        WSPPROC_TABLE.lpWSPSelect(t, LPWSPSELECT.allocate((n, r, w, x, to, e) -> BaseProvider.unsupported(e), arena));
        WSPPROC_TABLE.lpWSPSendDisconnect(t, LPWSPSENDDISCONNECT.allocate((s, d, e) -> BaseProvider.unsupported(e), arena));
        WSPPROC_TABLE.lpWSPStringToAddress(t, LPWSPSTRINGTOADDRESS.allocate(
                (str, af, i, a, l, e) -> BaseProvider.unsupported(e), arena));
        return t;
    }
}
