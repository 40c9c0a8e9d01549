package org.jwsp.host.ws2;

import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.host.catalog.CatalogEntry;

/**
 * A provider {@link Ws2} has started for one catalog entry: the entry the program chose, the
 * {@code WSPPROC_TABLE} its {@code WSPStartup} filled (in {@link Ws2}'s arena), and the entries
 * {@link Ws2} calls, read from that table once after {@code WSPStartup} (ws2_32 keeps its own copy
 * of a provider's table too), so a call does not read a pointer out of native memory each time.
 * Immutable; any thread.
 */
public final class LoadedProvider {

    private final CatalogEntry entry;
    private final MemorySegment procTable;
    final MemorySegment socket, bind, listen, accept, connect, send, sendTo, recv, recvFrom, getOverlappedResult, ioctl,
            setSockOpt, getSockOpt, getSockName, getPeerName, shutdown, closeSocket, cleanup;

    LoadedProvider(CatalogEntry entry, MemorySegment procTable) {
        this.entry = entry;
        this.procTable = procTable;
        socket = WSPPROC_TABLE.lpWSPSocket(procTable);
        bind = WSPPROC_TABLE.lpWSPBind(procTable);
        listen = WSPPROC_TABLE.lpWSPListen(procTable);
        accept = WSPPROC_TABLE.lpWSPAccept(procTable);
        connect = WSPPROC_TABLE.lpWSPConnect(procTable);
        send = WSPPROC_TABLE.lpWSPSend(procTable);
        sendTo = WSPPROC_TABLE.lpWSPSendTo(procTable);
        recv = WSPPROC_TABLE.lpWSPRecv(procTable);
        recvFrom = WSPPROC_TABLE.lpWSPRecvFrom(procTable);
        getOverlappedResult = WSPPROC_TABLE.lpWSPGetOverlappedResult(procTable);
        ioctl = WSPPROC_TABLE.lpWSPIoctl(procTable);
        setSockOpt = WSPPROC_TABLE.lpWSPSetSockOpt(procTable);
        getSockOpt = WSPPROC_TABLE.lpWSPGetSockOpt(procTable);
        getSockName = WSPPROC_TABLE.lpWSPGetSockName(procTable);
        getPeerName = WSPPROC_TABLE.lpWSPGetPeerName(procTable);
        shutdown = WSPPROC_TABLE.lpWSPShutdown(procTable);
        closeSocket = WSPPROC_TABLE.lpWSPCloseSocket(procTable);
        cleanup = WSPPROC_TABLE.lpWSPCleanup(procTable);
    }

    /** The catalog entry the program's {@code socket} call chose. */
    public CatalogEntry entry() {
        return entry;
    }

    /** The provider's {@code WSPPROC_TABLE} as its {@code WSPStartup} filled it (240 bytes, native). */
    public MemorySegment procTable() {
        return procTable;
    }
}
