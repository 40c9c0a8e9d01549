package org.jwsp.testkit;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.windows.*;

/** TEST-ONLY: fills {@link FakeLowerProvider}'s WSPPROC_TABLE with its 30 upcall stubs. */
final class FakeLowerTable {

    private FakeLowerTable() {
    }

    static void fill(FakeLowerProvider p, MemorySegment t, Arena a) {
        WSPPROC_TABLE.lpWSPAccept(t, LPWSPACCEPT.allocate((s, addr, len, cond, data, e) -> { p.unsupported(e); return ws2spi_h.INVALID_SOCKET(); }, a));
        WSPPROC_TABLE.lpWSPAddressToString(t, LPWSPADDRESSTOSTRING.allocate((x, l, i, o, ol, e) -> p.unsupported(e), a));
        WSPPROC_TABLE.lpWSPAsyncSelect(t, LPWSPASYNCSELECT.allocate((s, h, m, ev, e) -> p.unsupported(e), a));
        WSPPROC_TABLE.lpWSPBind(t, LPWSPBIND.allocate((s, n, l, e) -> 0, a));
        WSPPROC_TABLE.lpWSPCancelBlockingCall(t, LPWSPCANCELBLOCKINGCALL.allocate(p::unsupported, a));
        WSPPROC_TABLE.lpWSPCleanup(t, LPWSPCLEANUP.allocate(p::cleanup, a));
        WSPPROC_TABLE.lpWSPCloseSocket(t, LPWSPCLOSESOCKET.allocate(p::closeSocket, a));
        WSPPROC_TABLE.lpWSPConnect(t, LPWSPCONNECT.allocate(p::connect, a));
        WSPPROC_TABLE.lpWSPDuplicateSocket(t, LPWSPDUPLICATESOCKET.allocate(p::duplicateSocket, a));
        WSPPROC_TABLE.lpWSPEnumNetworkEvents(t, LPWSPENUMNETWORKEVENTS.allocate((s, h, ev, e) -> p.unsupported(e), a));
        WSPPROC_TABLE.lpWSPEventSelect(t, LPWSPEVENTSELECT.allocate((s, h, ev, e) -> 0, a));
        WSPPROC_TABLE.lpWSPGetOverlappedResult(t, RawStubs.stub(p, "getOverlappedResultRaw", LPWSPGETOVERLAPPEDRESULT.descriptor(), a));
        WSPPROC_TABLE.lpWSPGetPeerName(t, LPWSPGETPEERNAME.allocate((s, n, l, e) -> p.unsupported(e), a));
        WSPPROC_TABLE.lpWSPGetSockName(t, LPWSPGETSOCKNAME.allocate((s, n, l, e) -> p.unsupported(e), a));
        WSPPROC_TABLE.lpWSPGetSockOpt(t, LPWSPGETSOCKOPT.allocate(p::getSockOpt, a));
        WSPPROC_TABLE.lpWSPGetQOSByName(t, LPWSPGETQOSBYNAME.allocate((s, n, q, e) -> p.unsupported(e), a));
        WSPPROC_TABLE.lpWSPIoctl(t, LPWSPIOCTL.allocate(p::ioctl, a));
        WSPPROC_TABLE.lpWSPJoinLeaf(t, LPWSPJOINLEAF.allocate((s, n, l, c1, c2, q1, q2, f, e) -> { p.unsupported(e); return ws2spi_h.INVALID_SOCKET(); }, a));
        WSPPROC_TABLE.lpWSPListen(t, LPWSPLISTEN.allocate((s, b, e) -> 0, a));
        WSPPROC_TABLE.lpWSPRecv(t, LPWSPRECV.allocate(p::recv, a));
        WSPPROC_TABLE.lpWSPRecvDisconnect(t, LPWSPRECVDISCONNECT.allocate((s, d, e) -> p.unsupported(e), a));
        WSPPROC_TABLE.lpWSPRecvFrom(t, LPWSPRECVFROM.allocate((s, b, c, r, f, fr, fl, o, cr, ti, e) -> p.unsupported(e), a));
        WSPPROC_TABLE.lpWSPSelect(t, LPWSPSELECT.allocate(p::select, a));
        WSPPROC_TABLE.lpWSPSend(t, RawStubs.stub(p, "sendRaw", LPWSPSEND.descriptor(), a));
        WSPPROC_TABLE.lpWSPSendDisconnect(t, LPWSPSENDDISCONNECT.allocate((s, d, e) -> p.unsupported(e), a));
        WSPPROC_TABLE.lpWSPSendTo(t, LPWSPSENDTO.allocate((s, b, c, n, f, to, tl, o, cr, ti, e) -> p.unsupported(e), a));
        WSPPROC_TABLE.lpWSPSetSockOpt(t, LPWSPSETSOCKOPT.allocate((s, l, n, v, len, e) -> 0, a));
        WSPPROC_TABLE.lpWSPShutdown(t, LPWSPSHUTDOWN.allocate(p::shutdown, a));
        WSPPROC_TABLE.lpWSPSocket(t, LPWSPSOCKET.allocate(p::socket, a));
        WSPPROC_TABLE.lpWSPStringToAddress(t, LPWSPSTRINGTOADDRESS.allocate((x, f, i, ad, l, e) -> p.unsupported(e), a));
    }
}
