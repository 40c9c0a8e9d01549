package org.jwsp.provider;

import org.jwsp.bindings.AddressSignatures;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.windows.*;

/**
 * Builds jwsp's WSPPROC_TABLE: 30 upcall stubs, each bound by a method reference to the entry
 * that implements it (so "find usages" of an entry finds its slot). Built once per runtime into its arena (freed at the last WSPCleanup); each
 * WSPStartup copies it into the caller's lpProcTable.
 */
final class ProcTable {

    private ProcTable() {
    }

    static MemorySegment build(SendPath send, OverlappedProxy proxy, SocketEntries sockets, PassThrough pass, Arena arena) {
        MemorySegment t = arena.allocate(WSPPROC_TABLE.layout());
        WSPPROC_TABLE.lpWSPAccept(t, LPWSPACCEPT.allocate(sockets::accept, arena));
        WSPPROC_TABLE.lpWSPAddressToString(t, LPWSPADDRESSTOSTRING.allocate(pass::addressToString, arena));
        WSPPROC_TABLE.lpWSPAsyncSelect(t, LPWSPASYNCSELECT.allocate(sockets::asyncSelect, arena));
        WSPPROC_TABLE.lpWSPBind(t, LPWSPBIND.allocate(pass::bind, arena));
        WSPPROC_TABLE.lpWSPCancelBlockingCall(t, LPWSPCANCELBLOCKINGCALL.allocate(pass::cancelBlockingCall, arena));
        // WSPCleanup frees this arena, so its own stub must outlive it.
        WSPPROC_TABLE.lpWSPCleanup(t, LayeredProvider.CLEANUP_STUB);
        WSPPROC_TABLE.lpWSPCloseSocket(t, LPWSPCLOSESOCKET.allocate(sockets::closeSocket, arena));
        WSPPROC_TABLE.lpWSPConnect(t, LPWSPCONNECT.allocate(sockets::connect, arena));
        WSPPROC_TABLE.lpWSPDuplicateSocket(t, LPWSPDUPLICATESOCKET.allocate(pass::duplicateSocket, arena));
        WSPPROC_TABLE.lpWSPEnumNetworkEvents(t, LPWSPENUMNETWORKEVENTS.allocate(pass::enumNetworkEvents, arena));
        WSPPROC_TABLE.lpWSPEventSelect(t, LPWSPEVENTSELECT.allocate(sockets::eventSelect, arena));
        WSPPROC_TABLE.lpWSPGetOverlappedResult(t, LPWSPGETOVERLAPPEDRESULT.allocate(proxy::getOverlappedResult, arena));
        WSPPROC_TABLE.lpWSPGetPeerName(t, LPWSPGETPEERNAME.allocate(pass::getPeerName, arena));
        WSPPROC_TABLE.lpWSPGetSockName(t, LPWSPGETSOCKNAME.allocate(pass::getSockName, arena));
        WSPPROC_TABLE.lpWSPGetSockOpt(t, LPWSPGETSOCKOPT.allocate(pass::getSockOpt, arena));
        WSPPROC_TABLE.lpWSPGetQOSByName(t, LPWSPGETQOSBYNAME.allocate(pass::getQosByName, arena));
        WSPPROC_TABLE.lpWSPIoctl(t, LPWSPIOCTL.allocate(sockets::ioctl, arena));
        WSPPROC_TABLE.lpWSPJoinLeaf(t, LPWSPJOINLEAF.allocate(sockets::joinLeaf, arena));
        WSPPROC_TABLE.lpWSPListen(t, LPWSPLISTEN.allocate(pass::listen, arena));
        WSPPROC_TABLE.lpWSPRecv(t, LPWSPRECV.allocate(proxy::recv, arena));
        WSPPROC_TABLE.lpWSPRecvDisconnect(t, LPWSPRECVDISCONNECT.allocate(pass::recvDisconnect, arena));
        WSPPROC_TABLE.lpWSPRecvFrom(t, LPWSPRECVFROM.allocate(proxy::recvFrom, arena));
        WSPPROC_TABLE.lpWSPSelect(t, LPWSPSELECT.allocate(pass::select, arena));
        // pointers received as addresses: no segment per call (AddressSignatures)
        WSPPROC_TABLE.lpWSPSend(t, AddressSignatures.lpWspSendStub(send::send, arena));
        WSPPROC_TABLE.lpWSPSendDisconnect(t, LPWSPSENDDISCONNECT.allocate(pass::sendDisconnect, arena));
        WSPPROC_TABLE.lpWSPSendTo(t, LPWSPSENDTO.allocate(proxy::sendTo, arena));
        WSPPROC_TABLE.lpWSPSetSockOpt(t, LPWSPSETSOCKOPT.allocate(pass::setSockOpt, arena));
        WSPPROC_TABLE.lpWSPShutdown(t, LPWSPSHUTDOWN.allocate(sockets::shutdown, arena));
        WSPPROC_TABLE.lpWSPSocket(t, LPWSPSOCKET.allocate(sockets::socket, arena));
        WSPPROC_TABLE.lpWSPStringToAddress(t, LPWSPSTRINGTOADDRESS.allocate(pass::stringToAddress, arena));
        return t;
    }
}
