package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.windows.*;
import org.jwsp.testkit.JwspClient;
import org.junit.jupiter.api.Test;

/**
 * The entries jwsp passes through, called through its WSPPROC_TABLE over the fake lower provider:
 * jwsp's handle is translated to the lower socket (and back, for WSPSelect's fd_sets), and a
 * handle jwsp does not know answers WSAENOTSOCK without reaching the lower provider. (Bind,
 * listen, accept, connect, getsockname, recv, ioctl, shutdown and close also run over the real
 * host in HostIntegrationTest / HostContractTest, through the Ws2 client's Pair.)
 */
class PassThroughTest {

    private static final long BOGUS = 0x7777_0000L;

    @Test
    void wspSelectTranslatesTheFdSetsBothWays() {
        try (JwspClient c = JwspClient.start(); Arena a = Arena.ofConfined()) {
            long quiet = c.streamSocket(false);
            long busy = c.streamSocket(false);
            // data waiting on busy's lower socket (the later of the two lower fds), written by its peer
            long lowerBusy = -1;
            for (int fd = 65535; fd >= 0 && lowerBusy < 0; fd--) {
                if (c.lower.socket(fd) != null) {
                    lowerBusy = fd;
                }
            }
            MemorySegment one = a.allocate(1);
            assertEquals(1, linux_h.send(c.lower.socket(lowerBusy).peerFd, one, 1, 0));
            MemorySegment read = fd_set.allocate(a);
            fd_set.fd_count(read, 2);
            fd_set.fd_array(read, 0, quiet);
            fd_set.fd_array(read, 1, busy);
            int n = LPWSPSELECT.invoke(WSPPROC_TABLE.lpWSPSelect(c.procTable), 0, read, MemorySegment.NULL, MemorySegment.NULL,
                    MemorySegment.NULL, c.errno);
            assertEquals(1, n);
            assertEquals(1, fd_set.fd_count(read));
            assertEquals(busy, fd_set.fd_array(read, 0), "the caller gets its own handle back, not the lower socket");
            fd_set.fd_count(read, 1);
            fd_set.fd_array(read, 0, BOGUS);
            assertEquals(SOCKET_ERROR(), LPWSPSELECT.invoke(WSPPROC_TABLE.lpWSPSelect(c.procTable), 0, read, MemorySegment.NULL,
                    MemorySegment.NULL, MemorySegment.NULL, c.errno));
            assertEquals(WSAENOTSOCK(), c.errno());
        }
    }

    @Test
    void getSockOptReachesTheLowerSocketBehindJwspsHandle() {
        try (JwspClient c = JwspClient.start(); Arena a = Arena.ofConfined()) {
            long s = c.socket(SOCK_DGRAM(), false);
            MemorySegment value = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment len = a.allocateFrom(ValueLayout.JAVA_INT, 4);
            assertEquals(0, LPWSPGETSOCKOPT.invoke(WSPPROC_TABLE.lpWSPGetSockOpt(c.procTable), s, SOL_SOCKET(), SO_MAX_MSG_SIZE(),
                    value, len, c.errno));
            assertEquals(org.jwsp.testkit.FakeLowerProvider.MAX_MSG_SIZE, value.get(ValueLayout.JAVA_INT, 0));
        }
    }

    @Test
    void everyEntryRefusesAHandleJwspDoesNotKnow_withWSAENOTSOCK() {
        try (JwspClient c = JwspClient.start(); Arena a = Arena.ofConfined()) {
            MemorySegment t = c.procTable;
            MemorySegment e = c.errno;
            MemorySegment n = MemorySegment.NULL;
            MemorySegment i4 = a.allocate(ValueLayout.JAVA_INT);
            java.util.function.IntSupplier[] entries = {
                () -> LPWSPBIND.invoke(WSPPROC_TABLE.lpWSPBind(t), BOGUS, n, 0, e),
                () -> LPWSPLISTEN.invoke(WSPPROC_TABLE.lpWSPListen(t), BOGUS, 1, e),
                () -> LPWSPCONNECT.invoke(WSPPROC_TABLE.lpWSPConnect(t), BOGUS, n, 0, n, n, n, n, e),
                () -> LPWSPGETSOCKNAME.invoke(WSPPROC_TABLE.lpWSPGetSockName(t), BOGUS, n, i4, e),
                () -> LPWSPGETPEERNAME.invoke(WSPPROC_TABLE.lpWSPGetPeerName(t), BOGUS, n, i4, e),
                () -> LPWSPGETSOCKOPT.invoke(WSPPROC_TABLE.lpWSPGetSockOpt(t), BOGUS, SOL_SOCKET(), SO_TYPE(), i4, i4, e),
                () -> LPWSPSETSOCKOPT.invoke(WSPPROC_TABLE.lpWSPSetSockOpt(t), BOGUS, SOL_SOCKET(), SO_TYPE(), i4, 4, e),
                () -> LPWSPSHUTDOWN.invoke(WSPPROC_TABLE.lpWSPShutdown(t), BOGUS, SD_BOTH(), e),
                () -> LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(t), BOGUS, e),
                () -> LPWSPIOCTL.invoke(WSPPROC_TABLE.lpWSPIoctl(t), BOGUS, FIONBIO(), i4, 4, n, 0, i4, n, n, n, e),
                () -> LPWSPRECV.invoke(WSPPROC_TABLE.lpWSPRecv(t), BOGUS, n, 0, i4, i4, n, n, n, e),
                () -> LPWSPRECVFROM.invoke(WSPPROC_TABLE.lpWSPRecvFrom(t), BOGUS, n, 0, i4, i4, n, n, n, n, n, e),
                () -> LPWSPSENDTO.invoke(WSPPROC_TABLE.lpWSPSendTo(t), BOGUS, n, 0, i4, 0, n, 0, n, n, n, e),
                () -> LPWSPEVENTSELECT.invoke(WSPPROC_TABLE.lpWSPEventSelect(t), BOGUS, n, 0, e),
                () -> LPWSPASYNCSELECT.invoke(WSPPROC_TABLE.lpWSPAsyncSelect(t), BOGUS, n, 0, 0, e),
                () -> LPWSPENUMNETWORKEVENTS.invoke(WSPPROC_TABLE.lpWSPEnumNetworkEvents(t), BOGUS, n, n, e),
                () -> LPWSPDUPLICATESOCKET.invoke(WSPPROC_TABLE.lpWSPDuplicateSocket(t), BOGUS, 1, n, e),
                () -> LPWSPRECVDISCONNECT.invoke(WSPPROC_TABLE.lpWSPRecvDisconnect(t), BOGUS, n, e),
                () -> LPWSPSENDDISCONNECT.invoke(WSPPROC_TABLE.lpWSPSendDisconnect(t), BOGUS, n, e),
                () -> LPWSPGETQOSBYNAME.invoke(WSPPROC_TABLE.lpWSPGetQOSByName(t), BOGUS, n, n, e),
                () -> LPWSPGETOVERLAPPEDRESULT.invoke(WSPPROC_TABLE.lpWSPGetOverlappedResult(t), BOGUS, n, i4, 0, i4, e) == 0 ? SOCKET_ERROR() : 0,
            };
            for (int k = 0; k < entries.length; k++) {
                e.set(ValueLayout.JAVA_INT, 0, 0);
                assertEquals(SOCKET_ERROR(), entries[k].getAsInt(), "entry #" + k);
                assertEquals(WSAENOTSOCK(), c.errno(), "entry #" + k);
            }
            assertEquals(INVALID_SOCKET(), LPWSPACCEPT.invoke(WSPPROC_TABLE.lpWSPAccept(t), BOGUS, n, n, n, 0, e));
            assertEquals(WSAENOTSOCK(), c.errno());
            assertEquals(INVALID_SOCKET(), LPWSPJOINLEAF.invoke(WSPPROC_TABLE.lpWSPJoinLeaf(t), BOGUS, n, 0, n, n, n, n, 0, e));
            assertEquals(WSAENOTSOCK(), c.errno());
            assertEquals(0, c.lower.lowerSends.get());
        }
    }
}
