package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.jwsp.provider.OverTheHost.overlapped;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows._WSAPROTOCOL_INFOA;
import org.jwsp.bindings.windows.LPWSPGETSOCKNAME;
import org.jwsp.bindings.windows.WSAPROTOCOLCHAIN;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.ws2.LoadedProvider;
import org.jwsp.host.ws2.SockAddr;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * What a program learns about a jwsp socket, asked through the host's Ws2 the way libuv and mio
 * ask on Windows: {@code SO_PROTOCOL_INFOW}/{@code A} give jwsp's own non-IFS chain entry, the
 * BSP handle ioctls give jwsp's handle, {@code SIO_BASE_HANDLE} the base provider's.
 */
class LayeredIdentityTest {

    private static final int WAIT = 10_000;

    /** libuv's uv__winsock_init probe: a TCP socket, SO_PROTOCOL_INFOW, "non-IFS LSP" if XP1_IFS_HANDLES is missing. */
    private static boolean libuvSeesNonIfsLsp(Ws2 ws2, int af, Arena arena) {
        long dummy = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
        assertNotEquals(INVALID_SOCKET(), dummy);
        try {
            MemorySegment info = arena.allocate(WSAPROTOCOL_INFOW.layout());
            MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, (int) WSAPROTOCOL_INFOW.sizeof());
            // libuv: on failure it keeps its default, "IFS" (and would set FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)
            assertEquals(0, ws2.getsockopt(dummy, SOL_SOCKET(), SO_PROTOCOL_INFOW(), info, len), () -> "getsockopt: " + ws2.lastError());
            return (WSAPROTOCOL_INFOW.dwServiceFlags1(info) & XP1_IFS_HANDLES()) == 0;
        } finally {
            ws2.closesocket(dummy);
        }
    }

    @Test
    void libuvsProbeSeesJwspAsANonIfsLsp_andItsEmulatedCompletionModeMovesDataBothWays() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            assertTrue(libuvSeesNonIfsLsp(ws2, AF_INET(), arena), "through jwsp: a non-IFS LSP is present");
            assertFalse(libuvSeesNonIfsLsp(ws2, AF_INET6(), arena), "the base alone (IPv6 is not layered here): IFS handles");
            // libuv's decision for a non-IFS LSP: no FILE_SKIP_COMPLETION_PORT_ON_SUCCESS; every overlapped
            // operation carries an event it waits for (UV_HANDLE_EMULATE_IOCP), even one that completed at once.
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                roundTrip(ws2, p.client(), p.server(), 0, arena);
                roundTrip(ws2, p.server(), p.client(), 1, arena);
            }
        });
    }

    private static void roundTrip(Ws2 ws2, long from, long to, int seed, Arena arena) {
        MemorySegment ov = overlapped(ws2, arena);
        MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
        MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
        MemorySegment got = arena.allocate(4096);
        MemorySegment rov = overlapped(ws2, arena);
        int rrc = ws2.recv(to, Buffers.wsabuf(arena, got), 1, count, flags, rov, MemorySegment.NULL);
        assertTrue(rrc == 0 || ws2.lastError() == WSA_IO_PENDING(), () -> "recv: " + ws2.lastError());
        int rc = ws2.send(from, Buffers.wsabuf(arena, Buffers.pattern(arena, 4096, seed)), 1, count, 0, ov, MemorySegment.NULL);
        assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING(), () -> "send: " + ws2.lastError());
        assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(OVERLAPPED_event(ov), WAIT, false), "the send's event is set");
        assertTrue(ws2.getOverlappedResult(from, ov, count, false, flags));
        assertEquals(4096, count.get(ValueLayout.JAVA_INT, 0));
        assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(OVERLAPPED_event(rov), WAIT, false), "the receive's event is set");
        assertTrue(ws2.getOverlappedResult(to, rov, count, false, flags));
        int n = count.get(ValueLayout.JAVA_INT, 0);
        assertTrue(n > 0);
        MemorySegment all = arena.allocate(4096);
        MemorySegment.copy(got, 0, all, 0, n);
        if (n < 4096) {
            assertTrue(Buffers.receiveFully(ws2, to, all.asSlice(n), arena));
        }
        Buffers.assertPattern(all, seed);
    }

    private static long OVERLAPPED_event(MemorySegment ov) {
        return org.jwsp.bindings.windows.OVERLAPPED.hEvent(ov).address();
    }

    @Test
    void soProtocolInfoIsJwspsOwnChainEntry_wideAndAnsi_andAShortBufferIsWSAEFAULTWithTheSizeNeeded() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            long s = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), 0);
            int chainId = installed.chainOver(Catalog.BASE_TCP_V4);
            MemorySegment w = arena.allocate(WSAPROTOCOL_INFOW.layout());
            MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, (int) WSAPROTOCOL_INFOW.sizeof());
            assertEquals(0, ws2.getsockopt(s, SOL_SOCKET(), SO_PROTOCOL_INFOW(), w, len));
            assertEquals(WSAPROTOCOL_INFOW.sizeof(), len.get(ValueLayout.JAVA_INT, 0));
            assertEquals(chainId, WSAPROTOCOL_INFOW.dwCatalogEntryId(w), "jwsp's catalog id, not the base's");
            MemorySegment chain = WSAPROTOCOL_INFOW.ProtocolChain(w);
            assertEquals(2, WSAPROTOCOLCHAIN.ChainLen(chain));
            assertEquals(installed.layeredCatalogId(), WSAPROTOCOLCHAIN.ChainEntries(chain, 0));
            assertEquals(Catalog.BASE_TCP_V4, WSAPROTOCOLCHAIN.ChainEntries(chain, 1));
            assertEquals(0, WSAPROTOCOL_INFOW.dwServiceFlags1(w) & XP1_IFS_HANDLES());
            assertNotEquals(0, WSAPROTOCOL_INFOW.dwServiceFlags1(w) & XP1_GUARANTEED_ORDER(), "the rest of the flags stay");

            int sizeA = (int) _WSAPROTOCOL_INFOA.sizeof();
            MemorySegment a = arena.allocate(sizeA, 8);
            len.set(ValueLayout.JAVA_INT, 0, sizeA);
            assertEquals(0, ws2.getsockopt(s, SOL_SOCKET(), SO_PROTOCOL_INFOA(), a, len));
            assertEquals(sizeA, len.get(ValueLayout.JAVA_INT, 0));
            assertEquals(chainId, a.get(ValueLayout.JAVA_INT, WSAPROTOCOL_INFOW.dwCatalogEntryId$offset()));
            String name = a.asSlice(WSAPROTOCOL_INFOW.szProtocol$offset()).getString(0, StandardCharsets.US_ASCII);
            assertEquals(Catalog.system().entry(chainId).name(), name);

            len.set(ValueLayout.JAVA_INT, 0, (int) WSAPROTOCOL_INFOW.sizeof() - 1);
            assertEquals(SOCKET_ERROR(), ws2.getsockopt(s, SOL_SOCKET(), SO_PROTOCOL_INFOW(), w, len));
            assertEquals(WSAEFAULT(), ws2.lastError());
            assertEquals(WSAPROTOCOL_INFOW.sizeof(), len.get(ValueLayout.JAVA_INT, 0), "the size it needs");
            // an option jwsp has no opinion on still reaches the base
            MemorySegment type = arena.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, 4);
            assertEquals(0, ws2.getsockopt(s, SOL_SOCKET(), SO_TYPE(), type, len));
            assertEquals(SOCK_STREAM(), type.get(ValueLayout.JAVA_INT, 0));
            ws2.closesocket(s);
        });
    }

    private static long handleIoctl(Ws2 ws2, long s, int code, Arena arena) {
        MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
        MemorySegment returned = arena.allocate(ValueLayout.JAVA_INT);
        assertEquals(0, ws2.ioctl(s, code, MemorySegment.NULL, 0, out, 8, returned, MemorySegment.NULL, MemorySegment.NULL),
                () -> "ioctl 0x" + Integer.toHexString(code) + ": " + ws2.lastError());
        assertEquals(8, returned.get(ValueLayout.JAVA_INT, 0));
        return out.get(ValueLayout.JAVA_LONG, 0);
    }

    @Test
    void mioFindsTheBaseHandleWithSioBaseHandle_whileTheBspIoctlsKeepProgramsOnJwsp() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            LoadedProvider base = ws2.load(Catalog.system().entry(Catalog.BASE_TCP_V4));
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                long s = p.client();
                // mio's get_base_socket: SIO_BASE_HANDLE first
                long baseHandle = handleIoctl(ws2, s, SIO_BASE_HANDLE(), arena);
                assertNotEquals(s, baseHandle);
                assertEquals(baseHandle, handleIoctl(ws2, s, SIO_BSP_HANDLE_SELECT(), arena), "select goes to the base");
                assertEquals(s, handleIoctl(ws2, s, SIO_BSP_HANDLE(), arena), "the BSP a program talks to is jwsp");
                assertEquals(s, handleIoctl(ws2, s, SIO_BSP_HANDLE_POLL(), arena), "WSAPoll stays on jwsp");
                // the base handle is the base provider's socket behind s: the same local address
                MemorySegment mine = SockAddr.loopback(AF_INET(), 0, arena);
                MemorySegment theirs = SockAddr.loopback(AF_INET(), 0, arena);
                MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, 16);
                assertEquals(0, ws2.getsockname(s, mine, len));
                MemorySegment errno = arena.allocate(ValueLayout.JAVA_INT);
                assertEquals(0, LPWSPGETSOCKNAME.invoke(WSPPROC_TABLE.lpWSPGetSockName(base.procTable()), baseHandle, theirs, len, errno));
                assertEquals(mine.asSlice(0, 16).toArray(ValueLayout.JAVA_BYTE).length, 16);
                assertArrayEquals(mine.asSlice(0, 16).toArray(ValueLayout.JAVA_BYTE), theirs.asSlice(0, 16).toArray(ValueLayout.JAVA_BYTE));
                // and the program goes on through jwsp, both ways
                roundTrip(ws2, p.client(), p.server(), 2, arena);
                roundTrip(ws2, p.server(), p.client(), 3, arena);
                // a short output buffer: WSAEFAULT, from jwsp and from the base
                MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
                MemorySegment returned = arena.allocate(ValueLayout.JAVA_INT);
                for (int code : new int[] {SIO_BSP_HANDLE(), SIO_BASE_HANDLE()}) {
                    assertEquals(SOCKET_ERROR(), ws2.ioctl(s, code, MemorySegment.NULL, 0, out, 4, returned, MemorySegment.NULL,
                            MemorySegment.NULL));
                    assertEquals(WSAEFAULT(), ws2.lastError());
                }
                // an ioctl nobody knows passes through to the base, which refuses it
                assertEquals(SOCKET_ERROR(), ws2.ioctl(s, 0x48000099, MemorySegment.NULL, 0, out, 8, returned, MemorySegment.NULL,
                        MemorySegment.NULL));
                assertEquals(WSAEINVAL(), ws2.lastError());
            }
        });
    }
}
