package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.*;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.ws2.SockAddr;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * Bad input straight at the base provider's WSPPROC_TABLE pointers (as a layered provider above it
 * would pass it on): one documented WSAE code each, never a crash, never an exception.
 */
class BadInputTest {

    Ws2 ws2;
    Arena arena;
    MemorySegment table;
    MemorySegment err;

    @BeforeEach
    void start() {
        ws2 = Ws2.startup(Catalog.system());
        arena = Arena.ofShared();
        table = ws2.load(ws2.choose(AF_INET(), SOCK_STREAM(), 0)).procTable();
        err = arena.allocate(ValueLayout.JAVA_INT);
    }

    @AfterEach
    void stop() {
        ws2.close();
        arena.close();
    }

    private int error() {
        return err.get(ValueLayout.JAVA_INT, 0);
    }

    private int send(long s, MemorySegment bufs, int count, MemorySegment sent, int flags, MemorySegment ov, MemorySegment routine,
                     MemorySegment threadId) {
        return LPWSPSEND.invoke(WSPPROC_TABLE.lpWSPSend(table), s, bufs, count, sent, flags, ov, routine, threadId, err);
    }

    @Test
    void anInvalidSocketIsNotASocket() {
        long bogus = 0x1234_5678L;
        MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
        assertEquals(SOCKET_ERROR(), send(bogus, Buffers.wsabuf(arena, arena.allocate(4)), 1, sent, 0, MemorySegment.NULL,
                MemorySegment.NULL, MemorySegment.NULL));
        assertEquals(WSAENOTSOCK(), error());
        for (long s : new long[] {0, -1, 3, bogus}) {
            assertEquals(SOCKET_ERROR(), LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(table), s, err));
            assertEquals(WSAENOTSOCK(), error());
            assertEquals(SOCKET_ERROR(), LPWSPBIND.invoke(WSPPROC_TABLE.lpWSPBind(table), s, SockAddr.loopback(AF_INET(), 0, arena),
                    16, err));
            assertEquals(WSAENOTSOCK(), error());
        }
        assertEquals(FALSE(), LPWSPGETOVERLAPPEDRESULT.invoke(WSPPROC_TABLE.lpWSPGetOverlappedResult(table), bogus,
                OVERLAPPED.allocate(arena), sent, TRUE(), sent, err));
        assertEquals(WSAENOTSOCK(), error());
    }

    @Test
    void closedSocketsAndDoubleCloseAreNotSockets() {
        long s = ws2.socket(AF_INET(), SOCK_STREAM(), 0, 0);
        assertEquals(0, LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(table), s, err));
        assertEquals(SOCKET_ERROR(), LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(table), s, err));
        assertEquals(WSAENOTSOCK(), error());
        assertEquals(SOCKET_ERROR(), LPWSPLISTEN.invoke(WSPPROC_TABLE.lpWSPListen(table), s, 1, err));
        assertEquals(WSAENOTSOCK(), error());
    }

    @Test
    void nullOrShortStructuresAreFaults() {
        try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            long s = p.client();
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment data = Buffers.wsabuf(arena, arena.allocate(8));
            assertEquals(SOCKET_ERROR(), send(s, MemorySegment.NULL, 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(WSAEFAULT(), error(), "null lpBuffers");
            MemorySegment nullBuf = WSABUF.allocate(arena);
            WSABUF.len(nullBuf, 10);
            assertEquals(SOCKET_ERROR(), send(s, nullBuf, 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(WSAEFAULT(), error(), "WSABUF.buf null with a length");
            assertEquals(SOCKET_ERROR(), send(s, data, 1, MemorySegment.NULL, 0, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(WSAEFAULT(), error(), "synchronous send without lpNumberOfBytesSent");
            MemorySegment misaligned = arena.allocate(64, 8).asSlice(4);
            assertEquals(SOCKET_ERROR(), send(s, data, 1, sent, 0, misaligned, MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(WSAEFAULT(), error(), "OVERLAPPED not 8-byte aligned");
            MemorySegment routine = LPWSAOVERLAPPED_COMPLETION_ROUTINE.allocate((e, n, o, f) -> { }, arena);
            assertEquals(SOCKET_ERROR(), send(s, data, 1, sent, 0, OVERLAPPED.allocate(arena), routine, MemorySegment.NULL));
            assertEquals(WSAEFAULT(), error(), "completion routine without WSATHREADID");
            assertEquals(SOCKET_ERROR(), send(s, data, 1, sent, 0, MemorySegment.NULL, routine, arena.allocate(16, 8)));
            assertEquals(WSAEFAULT(), error(), "completion routine without OVERLAPPED");
            assertEquals(SOCKET_ERROR(), send(s, data, RequestPool.MAX_BUFFERS + 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL,
                    MemorySegment.NULL));
            assertEquals(WSAENOBUFS(), error());
            assertEquals(SOCKET_ERROR(), send(s, data, 1, sent, MSG_OOB(), MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(WSAEOPNOTSUPP(), error());
            assertEquals(SOCKET_ERROR(), LPWSPRECV.invoke(WSPPROC_TABLE.lpWSPRecv(table), s, data, 1, sent, MemorySegment.NULL,
                    MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, err));
            assertEquals(WSAEFAULT(), error(), "null lpFlags");
            MemorySegment name = SockAddr.loopback(AF_INET(), 0, arena);
            MemorySegment shortLen = arena.allocateFrom(ValueLayout.JAVA_INT, 8);
            assertEquals(SOCKET_ERROR(), LPWSPGETSOCKNAME.invoke(WSPPROC_TABLE.lpWSPGetSockName(table), s, name, shortLen, err));
            assertEquals(WSAEFAULT(), error(), "namelen too short");
            assertEquals(SOCKET_ERROR(), LPWSPGETPEERNAME.invoke(WSPPROC_TABLE.lpWSPGetPeerName(table), s, name, MemorySegment.NULL, err));
            assertEquals(WSAEFAULT(), error());
            long fresh = ws2.socket(AF_INET(), SOCK_STREAM(), 0, 0);
            assertEquals(SOCKET_ERROR(), LPWSPBIND.invoke(WSPPROC_TABLE.lpWSPBind(table), fresh, name, 8, err));
            assertEquals(WSAEFAULT(), error(), "bind namelen too short");
            assertEquals(SOCKET_ERROR(), LPWSPBIND.invoke(WSPPROC_TABLE.lpWSPBind(table), fresh, MemorySegment.NULL, 16, err));
            assertEquals(WSAEFAULT(), error(), "bind to null");
            assertEquals(SOCKET_ERROR(), LPWSPBIND.invoke(WSPPROC_TABLE.lpWSPBind(table), fresh, SockAddr.loopback(AF_INET6(), 0, arena),
                    28, err));
            assertEquals(WSAEAFNOSUPPORT(), error(), "IPv6 address on an IPv4 socket");
            assertEquals(FALSE(), LPWSPGETOVERLAPPEDRESULT.invoke(WSPPROC_TABLE.lpWSPGetOverlappedResult(table), s, MemorySegment.NULL,
                    sent, FALSE(), sent, err));
            assertEquals(WSAEFAULT(), error());
            ws2.closesocket(fresh);
        }
    }

    @Test
    void statesAnswerWithTheirCodes() {
        try (Pair p = Pair.tcp(ws2, AF_INET(), 0, arena)) {
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment data = Buffers.wsabuf(arena, arena.allocate(8));
            assertEquals(0, LPWSPSHUTDOWN.invoke(WSPPROC_TABLE.lpWSPShutdown(table), p.client(), SD_SEND(), err));
            assertEquals(SOCKET_ERROR(), send(p.client(), data, 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(WSAESHUTDOWN(), error());
            assertEquals(SOCKET_ERROR(), LPWSPSHUTDOWN.invoke(WSPPROC_TABLE.lpWSPShutdown(table), p.client(), 7, err));
            assertEquals(WSAEINVAL(), error());
            long unconnected = ws2.socket(AF_INET(), SOCK_STREAM(), 0, 0);
            assertEquals(SOCKET_ERROR(), send(unconnected, data, 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(WSAENOTCONN(), error());
            assertEquals(INVALID_SOCKET(), LPWSPACCEPT.invoke(WSPPROC_TABLE.lpWSPAccept(table), unconnected, MemorySegment.NULL,
                    MemorySegment.NULL, MemorySegment.NULL, 0, err));
            assertEquals(WSAEINVAL(), error(), "accept on a socket that is not listening");
            assertEquals(SOCKET_ERROR(), LPWSPIOCTL.invoke(WSPPROC_TABLE.lpWSPIoctl(table), unconnected, 0x12345, MemorySegment.NULL, 0,
                    MemorySegment.NULL, 0, sent, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, err));
            assertEquals(WSAEINVAL(), error(), "unknown control code");
            ws2.closesocket(unconnected);
        }
    }

    @Test
    void socketCreationRefusesWhatItCannotBe() {
        MemorySegment create = WSPPROC_TABLE.lpWSPSocket(table);
        assertEquals(INVALID_SOCKET(), LPWSPSOCKET.invoke(create, 99, SOCK_STREAM(), 0, MemorySegment.NULL, 0, 0, err));
        assertEquals(WSAEAFNOSUPPORT(), error());
        assertEquals(INVALID_SOCKET(), LPWSPSOCKET.invoke(create, AF_INET(), 5, 0, MemorySegment.NULL, 0, 0, err));
        assertEquals(WSAESOCKTNOSUPPORT(), error());
        assertEquals(INVALID_SOCKET(), LPWSPSOCKET.invoke(create, AF_INET(), SOCK_STREAM(), IPPROTO_UDP(), MemorySegment.NULL, 0, 0, err));
        assertEquals(WSAEPROTOTYPE(), error());
    }

    @Test
    void everyOtherEntryIsNotSupported() {
        MemorySegment n = MemorySegment.NULL;
        assertEquals(SOCKET_ERROR(), LPWSPRECVDISCONNECT.invoke(WSPPROC_TABLE.lpWSPRecvDisconnect(table), 4, n, err));
        assertEquals(WSAEOPNOTSUPP(), error());
        err.set(ValueLayout.JAVA_INT, 0, 0);
        assertEquals(SOCKET_ERROR(), LPWSPSENDDISCONNECT.invoke(WSPPROC_TABLE.lpWSPSendDisconnect(table), 4, n, err));
        assertEquals(WSAEOPNOTSUPP(), error());
        err.set(ValueLayout.JAVA_INT, 0, 0);
        assertEquals(SOCKET_ERROR(), LPWSPSELECT.invoke(WSPPROC_TABLE.lpWSPSelect(table), 0, n, n, n, n, err));
        assertEquals(WSAEOPNOTSUPP(), error());
        err.set(ValueLayout.JAVA_INT, 0, 0);
        assertEquals(SOCKET_ERROR(), LPWSPEVENTSELECT.invoke(WSPPROC_TABLE.lpWSPEventSelect(table), 4, n, 1, err));
        assertEquals(WSAEOPNOTSUPP(), error());
        err.set(ValueLayout.JAVA_INT, 0, 0);
        assertEquals(SOCKET_ERROR(), LPWSPDUPLICATESOCKET.invoke(WSPPROC_TABLE.lpWSPDuplicateSocket(table), 4, 1, n, err));
        assertEquals(WSAEOPNOTSUPP(), error());
        err.set(ValueLayout.JAVA_INT, 0, 0);
        assertEquals(INVALID_SOCKET(), LPWSPJOINLEAF.invoke(WSPPROC_TABLE.lpWSPJoinLeaf(table), 4, n, 0, n, n, n, n, 0, err));
        assertEquals(WSAEOPNOTSUPP(), error());
        err.set(ValueLayout.JAVA_INT, 0, 0);
        assertEquals(FALSE(), LPWSPGETQOSBYNAME.invoke(WSPPROC_TABLE.lpWSPGetQOSByName(table), 4, n, n, err));
        assertEquals(WSAEOPNOTSUPP(), error());
        err.set(ValueLayout.JAVA_INT, 0, 0);
        assertEquals(SOCKET_ERROR(), LPWSPCANCELBLOCKINGCALL.invoke(WSPPROC_TABLE.lpWSPCancelBlockingCall(table), err));
        assertEquals(WSAEOPNOTSUPP(), error());
        assertEquals(SOCKET_ERROR(), LPWSPASYNCSELECT.invoke(WSPPROC_TABLE.lpWSPAsyncSelect(table), 4, n, 1, 1, MemorySegment.NULL),
                "a null lpErrno is not written");
    }
}
