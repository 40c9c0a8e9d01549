package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;

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
 * The sentences about every entry, entry by entry, through the base provider's
 * {@code WSPPROC_TABLE} pointers: each entry the host does not offer answers its failure value
 * with {@code WSAEOPNOTSUPP}; each entry that takes a socket answers {@code WSAENOTSOCK} for a
 * closed one; the null or too-short structures the Winsock docs name answer {@code WSAEFAULT};
 * a blocking call ended by {@code closesocket} on another thread answers {@code WSAEINTR}; a
 * {@code SOCKET} is a handle, not an fd; caller scalars may be unaligned, as on x64.
 */
class EntryContractTest {

    Ws2 ws2;
    Arena arena;
    MemorySegment t;
    MemorySegment err;
    final MemorySegment n = MemorySegment.NULL;

    @BeforeEach
    void start() {
        ws2 = Ws2.startup(Catalog.system());
        arena = Arena.ofShared();
        t = ws2.load(ws2.choose(AF_INET(), SOCK_STREAM(), 0)).procTable();
        err = arena.allocate(ValueLayout.JAVA_INT);
    }

    @AfterEach
    void stop() {
        ws2.close();
        arena.close();
    }

    /** Runs each call with lpErrno cleared first; each must answer {@code failure} and {@code code}. */
    private void assertEach(Map<String, IntSupplier> calls, int code) {
        calls.forEach((entry, call) -> {
            err.set(ValueLayout.JAVA_INT, 0, 0);
            int failure = entry.startsWith("WSPGetQOSByName") || entry.startsWith("WSPGetOverlappedResult") ? FALSE()
                    : entry.startsWith("WSPJoinLeaf") || entry.startsWith("WSPAccept") ? (int) INVALID_SOCKET() : SOCKET_ERROR();
            assertEquals(failure, call.getAsInt(), entry);
            assertEquals(code, err.get(ValueLayout.JAVA_INT, 0), entry);
        });
    }

    @Test
    void everyEntryTheHostDoesNotOfferAnswersOperationNotSupported() {
        long s = ws2.socket(AF_INET(), SOCK_STREAM(), 0, 0);
        Map<String, IntSupplier> calls = new LinkedHashMap<>();
        calls.put("WSPAddressToString", () -> LPWSPADDRESSTOSTRING.invoke(WSPPROC_TABLE.lpWSPAddressToString(t),
                SockAddr.loopback(AF_INET(), 80, arena), 16, n, arena.allocate(128), arena.allocateFrom(ValueLayout.JAVA_INT, 64), err));
        calls.put("WSPCancelBlockingCall", () -> LPWSPCANCELBLOCKINGCALL.invoke(WSPPROC_TABLE.lpWSPCancelBlockingCall(t), err));
        calls.put("WSPDuplicateSocket", () -> LPWSPDUPLICATESOCKET.invoke(WSPPROC_TABLE.lpWSPDuplicateSocket(t), s, 1,
                WSAPROTOCOL_INFOW.allocate(arena), err));
        calls.put("WSPEnumNetworkEvents", () -> LPWSPENUMNETWORKEVENTS.invoke(WSPPROC_TABLE.lpWSPEnumNetworkEvents(t), s, n,
                arena.allocate(64, 8), err));
        calls.put("WSPEventSelect", () -> LPWSPEVENTSELECT.invoke(WSPPROC_TABLE.lpWSPEventSelect(t), s, n, 1, err));
        calls.put("WSPGetQOSByName", () -> LPWSPGETQOSBYNAME.invoke(WSPPROC_TABLE.lpWSPGetQOSByName(t), s, n, n, err));
        calls.put("WSPJoinLeaf", () -> (int) LPWSPJOINLEAF.invoke(WSPPROC_TABLE.lpWSPJoinLeaf(t), s, n, 0, n, n, n, n, 0, err));
        calls.put("WSPRecvDisconnect", () -> LPWSPRECVDISCONNECT.invoke(WSPPROC_TABLE.lpWSPRecvDisconnect(t), s, n, err));
        calls.put("WSPSelect", () -> LPWSPSELECT.invoke(WSPPROC_TABLE.lpWSPSelect(t), 0, n, n, n, n, err));
        calls.put("WSPSendDisconnect", () -> LPWSPSENDDISCONNECT.invoke(WSPPROC_TABLE.lpWSPSendDisconnect(t), s, n, err));
        calls.put("WSPStringToAddress", () -> LPWSPSTRINGTOADDRESS.invoke(WSPPROC_TABLE.lpWSPStringToAddress(t),
                arena.allocateFrom("1\0.\0"), AF_INET(), n, arena.allocate(16), arena.allocateFrom(ValueLayout.JAVA_INT, 16), err));
        assertEquals(11, calls.size(), "the 30 entries less the 19 offered (WSPAsyncSelect: AsyncSelectTest)");
        assertEach(calls, WSAEOPNOTSUPP());
        ws2.closesocket(s);
    }

    @Test
    void socketsAreWinsockHandlesNotLinuxFds() {
        long s = LPWSPSOCKET.invoke(WSPPROC_TABLE.lpWSPSocket(t), AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), n, 0, 0, err);
        assertNotEquals(INVALID_SOCKET(), s);
        assertEquals(0, s & 3, "a multiple of 4, like a Windows handle");
        MemorySegment context = arena.allocate(ValueLayout.JAVA_LONG);
        MemorySegment upcalls = org.jwsp.host.upcall.Ws2UpcallTable.table();
        assertEquals(0, LPWPUQUERYSOCKETHANDLECONTEXT.invoke(WSPUPCALLTABLE.lpWPUQuerySocketHandleContext(upcalls), s, context, err),
                "made by WPUCreateSocketHandle");
        assertEquals(true, s > Integer.MAX_VALUE || org.jwsp.host.kernel.Libc.fcntl((int) s, org.jwsp.bindings.linux.linux_h.F_GETFL(),
                0) < 0, "no open fd has the SOCKET's value");
        assertEquals(0, LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(t), s, err));
    }

    @Test
    void everyEntryGivenAClosedSocketAnswersNotASocket() {
        long s = ws2.socket(AF_INET(), SOCK_STREAM(), 0, WSA_FLAG_OVERLAPPED());
        assertNotEquals(INVALID_SOCKET(), s);
        assertEquals(0, ws2.closesocket(s));
        MemorySegment addr = SockAddr.loopback(AF_INET(), 0, arena);
        MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, 16);
        MemorySegment bufs = Buffers.wsabuf(arena, arena.allocate(8));
        MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
        MemorySegment flags = arena.allocateFrom(ValueLayout.JAVA_INT, 0);
        MemorySegment v = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
        Map<String, IntSupplier> calls = new LinkedHashMap<>();
        calls.put("WSPAccept", () -> (int) LPWSPACCEPT.invoke(WSPPROC_TABLE.lpWSPAccept(t), s, n, n, n, 0, err));
        calls.put("WSPBind", () -> LPWSPBIND.invoke(WSPPROC_TABLE.lpWSPBind(t), s, addr, 16, err));
        calls.put("WSPCloseSocket", () -> LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(t), s, err));
        calls.put("WSPConnect", () -> LPWSPCONNECT.invoke(WSPPROC_TABLE.lpWSPConnect(t), s, addr, 16, n, n, n, n, err));
        calls.put("WSPGetOverlappedResult", () -> LPWSPGETOVERLAPPEDRESULT.invoke(WSPPROC_TABLE.lpWSPGetOverlappedResult(t), s,
                OVERLAPPED.allocate(arena), count, TRUE(), flags, err));
        calls.put("WSPGetPeerName", () -> LPWSPGETPEERNAME.invoke(WSPPROC_TABLE.lpWSPGetPeerName(t), s, addr, len, err));
        calls.put("WSPGetSockName", () -> LPWSPGETSOCKNAME.invoke(WSPPROC_TABLE.lpWSPGetSockName(t), s, addr, len, err));
        calls.put("WSPGetSockOpt", () -> LPWSPGETSOCKOPT.invoke(WSPPROC_TABLE.lpWSPGetSockOpt(t), s, SOL_SOCKET(), SO_SNDBUF(), v,
                arena.allocateFrom(ValueLayout.JAVA_INT, 4), err));
        calls.put("WSPIoctl", () -> LPWSPIOCTL.invoke(WSPPROC_TABLE.lpWSPIoctl(t), s, FIONBIO(), v, 4, n, 0, count, n, n, n, err));
        calls.put("WSPListen", () -> LPWSPLISTEN.invoke(WSPPROC_TABLE.lpWSPListen(t), s, 1, err));
        calls.put("WSPRecv", () -> LPWSPRECV.invoke(WSPPROC_TABLE.lpWSPRecv(t), s, bufs, 1, count, flags, n, n, n, err));
        calls.put("WSPRecvFrom", () -> LPWSPRECVFROM.invoke(WSPPROC_TABLE.lpWSPRecvFrom(t), s, bufs, 1, count, flags, n, n, n, n, n,
                err));
        calls.put("WSPSend", () -> LPWSPSEND.invoke(WSPPROC_TABLE.lpWSPSend(t), s, bufs, 1, count, 0, n, n, n, err));
        calls.put("WSPSendTo", () -> LPWSPSENDTO.invoke(WSPPROC_TABLE.lpWSPSendTo(t), s, bufs, 1, count, 0, addr, 16, n, n, n, err));
        calls.put("WSPSetSockOpt", () -> LPWSPSETSOCKOPT.invoke(WSPPROC_TABLE.lpWSPSetSockOpt(t), s, SOL_SOCKET(), SO_SNDBUF(), v, 4,
                err));
        calls.put("WSPShutdown", () -> LPWSPSHUTDOWN.invoke(WSPPROC_TABLE.lpWSPShutdown(t), s, SD_BOTH(), err));
        assertEquals(16, calls.size(), "every offered entry that takes a SOCKET");
        assertEach(calls, WSAENOTSOCK());
    }

    @Test
    void theNullOrShortStructuresTheDocsNameAreFaults() {
        try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            long fresh = ws2.socket(AF_INET(), SOCK_DGRAM(), 0, 0);
            MemorySegment addr = SockAddr.loopback(AF_INET(), 9, arena);
            MemorySegment bufs = Buffers.wsabuf(arena, arena.allocate(8));
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment ov = OVERLAPPED.allocate(arena);
            Map<String, IntSupplier> calls = new LinkedHashMap<>();
            calls.put("WSPAccept addr with a null addrlen", () -> (int) LPWSPACCEPT.invoke(WSPPROC_TABLE.lpWSPAccept(t), p.listener(),
                    arena.allocate(16), n, n, 0, err));
            calls.put("WSPAccept addrlen too small", () -> (int) LPWSPACCEPT.invoke(WSPPROC_TABLE.lpWSPAccept(t), p.listener(),
                    arena.allocate(16), arena.allocateFrom(ValueLayout.JAVA_INT, 8), n, 0, err));
            calls.put("WSPConnect null name", () -> LPWSPCONNECT.invoke(WSPPROC_TABLE.lpWSPConnect(t), fresh, n, 16, n, n, n, n, err));
            calls.put("WSPConnect namelen too small", () -> LPWSPCONNECT.invoke(WSPPROC_TABLE.lpWSPConnect(t), fresh, addr, 4, n, n, n,
                    n, err));
            calls.put("WSPSendTo tolen too small", () -> LPWSPSENDTO.invoke(WSPPROC_TABLE.lpWSPSendTo(t), fresh, bufs, 1, count, 0, addr,
                    4, n, n, n, err));
            calls.put("WSPGetOverlappedResult null lpcbTransfer", () -> LPWSPGETOVERLAPPEDRESULT.invoke(
                    WSPPROC_TABLE.lpWSPGetOverlappedResult(t), p.client(), ov, n, FALSE(), count, err));
            calls.put("WSPGetOverlappedResult null lpdwFlags", () -> LPWSPGETOVERLAPPEDRESULT.invoke(
                    WSPPROC_TABLE.lpWSPGetOverlappedResult(t), p.client(), ov, count, FALSE(), n, err));
            calls.put("WSPGetSockOpt null optval", () -> LPWSPGETSOCKOPT.invoke(WSPPROC_TABLE.lpWSPGetSockOpt(t), p.client(), SOL_SOCKET(),
                    SO_SNDBUF(), n, arena.allocateFrom(ValueLayout.JAVA_INT, 4), err));
            calls.put("WSPSetSockOpt optlen too small", () -> LPWSPSETSOCKOPT.invoke(WSPPROC_TABLE.lpWSPSetSockOpt(t), p.client(),
                    SOL_SOCKET(), SO_SNDBUF(), count, 2, err));
            calls.put("WSPRecv overlapped, OVERLAPPED not aligned", () -> LPWSPRECV.invoke(WSPPROC_TABLE.lpWSPRecv(t), p.server(), bufs,
                    1, count, arena.allocateFrom(ValueLayout.JAVA_INT, 0), arena.allocate(64, 8).asSlice(2), n, n, err));
            assertEach(calls, WSAEFAULT());
            ws2.closesocket(fresh);
        }
        MemorySegment startup = BaseProvider.wspStartup();
        MemorySegment upcalls = org.jwsp.host.upcall.Ws2UpcallTable.table();
        assertEquals(WSAEFAULT(), LPWSPSTARTUP.invoke(startup, (short) 0x0202, n, n, upcalls, WSPPROC_TABLE.allocate(arena)),
                "WSPStartup with a null lpWSPData");
        assertEquals(WSAEFAULT(), LPWSPSTARTUP.invoke(startup, (short) 0x0202, WSPData.allocate(arena), n, upcalls, n),
                "WSPStartup with a null lpProcTable");
        assertEquals(WSAVERNOTSUPPORTED(), LPWSPSTARTUP.invoke(startup, (short) 0x0101, WSPData.allocate(arena), n, upcalls,
                WSPPROC_TABLE.allocate(arena)));
    }

    @Test
    void scalarArgumentsAtUnalignedAddressesAreAcceptedAsOnX64() {
        long s = ws2.socket(AF_INET(), SOCK_STREAM(), 0, 0);
        MemorySegment block = arena.allocate(64, 8);
        MemorySegment value = block.asSlice(1, 4);
        MemorySegment length = block.asSlice(9, 4);
        MemorySegment returned = block.asSlice(17, 4);
        MemorySegment oddErr = block.asSlice(25, 4);
        length.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 4);
        assertEquals(0, LPWSPGETSOCKOPT.invoke(WSPPROC_TABLE.lpWSPGetSockOpt(t), s, SOL_SOCKET(), SO_TYPE(), value, length, oddErr),
                () -> "getsockopt: " + oddErr.get(ValueLayout.JAVA_INT_UNALIGNED, 0));
        assertEquals(SOCK_STREAM(), value.get(ValueLayout.JAVA_INT_UNALIGNED, 0));
        value.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 1);
        assertEquals(0, LPWSPIOCTL.invoke(WSPPROC_TABLE.lpWSPIoctl(t), s, FIONBIO(), value, 4, n, 0, returned, n, n, n, oddErr),
                () -> "FIONBIO: " + oddErr.get(ValueLayout.JAVA_INT_UNALIGNED, 0));
        assertEquals(SOCKET_ERROR(), LPWSPLISTEN.invoke(WSPPROC_TABLE.lpWSPListen(t), 0x1234_5678L, 1, oddErr));
        assertEquals(WSAENOTSOCK(), oddErr.get(ValueLayout.JAVA_INT_UNALIGNED, 0), "an unaligned lpErrno is written");
        ws2.closesocket(s);
    }

    @Test
    void aBlockingReceiveEndedByCloseOnAnotherThreadIsInterrupted() throws Exception {
        try (Pair p = Pair.tcp(ws2, AF_INET(), 0, arena)) {
            MemorySegment recvErr = arena.allocate(ValueLayout.JAVA_INT);
            int[] answer = {0};
            java.util.concurrent.atomic.AtomicInteger tid = new java.util.concurrent.atomic.AtomicInteger();
            Thread receiver = Thread.ofPlatform().start(() -> {
                tid.set(ws2.kernel().currentThreadId());
                answer[0] = LPWSPRECV.invoke(WSPPROC_TABLE.lpWSPRecv(t), p.server(), Buffers.wsabuf(arena, arena.allocate(8)), 1,
                        arena.allocate(ValueLayout.JAVA_INT), arena.allocateFrom(ValueLayout.JAVA_INT, 0), n, n, n, recvErr);
            });
            awaitInRecvmsg(tid);
            assertEquals(0, LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(t), p.server(), err));
            receiver.join(10_000);
            assertEquals(SOCKET_ERROR(), answer[0]);
            assertEquals(WSAEINTR(), recvErr.get(ValueLayout.JAVA_INT, 0));
        }
    }

    /** Waits (bounded) until the thread is blocked in {@code recvmsg} (x86-64 system call 47), as /proc tells. */
    private static void awaitInRecvmsg(java.util.concurrent.atomic.AtomicInteger tid) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String now = "";
        while (System.nanoTime() < deadline) {
            if (tid.get() != 0) {
                java.nio.file.Path syscall = java.nio.file.Path.of("/proc/self/task/" + tid.get() + "/syscall");
                now = java.nio.file.Files.readString(syscall);
                if (now.startsWith("47 ")) {
                    return;
                }
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("the receiver never blocked in recvmsg: " + now);
    }
}
