package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.windows.LPWSPCLOSESOCKET;
import org.jwsp.bindings.windows.LPWSPDUPLICATESOCKET;
import org.jwsp.bindings.windows.LPWSPGETSOCKOPT;
import org.jwsp.bindings.windows.LPWSPSELECT;
import org.jwsp.bindings.windows.LPWSPSOCKET;
import org.jwsp.bindings.windows.WSAPROTOCOLCHAIN;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.testkit.FakeLowerProvider;
import org.jwsp.testkit.FakeWs2;
import org.jwsp.testkit.JwspClient;

/**
 * Entries that must not break a program that was written for Winsock without jwsp, called through
 * jwsp's WSPPROC_TABLE over the fake lower provider (the host's base offers neither WSPSelect nor
 * WSPDuplicateSocket): WSPSelect with a program's own FD_SETSIZE, a lower close that fails, and
 * WSPDuplicateSocket / WSPSocket(FROM_PROTOCOL_INFO).
 */
class DropInEntriesTest {

    @Test
    void wspSelectTakesEveryHandleOfASetLargerThan64() {
        try (JwspClient c = JwspClient.start(); Arena a = Arena.ofConfined()) {
            int n = 100;
            long[] handles = new long[n];
            for (int i = 0; i < n; i++) {
                handles[i] = c.streamSocket(false);
                assertNotEquals(INVALID_SOCKET(), handles[i]);
            }
            MemorySegment one = a.allocate(1);
            for (int fd = 0; fd < 65536; fd++) {
                FakeLowerProvider.LowerSocket ls = c.lower.socket(fd);
                if (ls != null) {
                    assertEquals(1, linux_h.send(ls.peerFd, one, 1, 0)); // every lower socket has data waiting
                }
            }
            // a program compiled with FD_SETSIZE 128: u_int fd_count; SOCKET fd_array[128]
            MemorySegment read = a.allocate(8 + 8 * 128, 8);
            read.set(ValueLayout.JAVA_INT, 0, n);
            for (int i = 0; i < n; i++) {
                read.set(ValueLayout.JAVA_LONG, 8 + 8L * i, handles[i]);
            }
            int ready = LPWSPSELECT.invoke(WSPPROC_TABLE.lpWSPSelect(c.procTable), 0, read, MemorySegment.NULL, MemorySegment.NULL,
                    MemorySegment.NULL, c.errno);
            assertEquals(n, ready, "no socket past the 64th is dropped");
            assertEquals(n, read.get(ValueLayout.JAVA_INT, 0));
            Set<Long> back = new HashSet<>();
            for (int i = 0; i < n; i++) {
                back.add(read.get(ValueLayout.JAVA_LONG, 8 + 8L * i));
            }
            Set<Long> mine = new HashSet<>();
            for (long h : handles) {
                mine.add(h);
            }
            assertEquals(mine, back, "the caller gets its own handles back");
            read.set(ValueLayout.JAVA_INT, 0, -1); // 0xFFFFFFFF handles cannot be in memory
            assertEquals(SOCKET_ERROR(), LPWSPSELECT.invoke(WSPPROC_TABLE.lpWSPSelect(c.procTable), 0, read, MemorySegment.NULL,
                    MemorySegment.NULL, MemorySegment.NULL, c.errno));
            assertEquals(WSAEFAULT(), c.errno());
        }
    }

    @Test
    void aFailingLowerCloseKeepsJwspsSocketAndReturnsTheLowerError() {
        try (JwspClient c = JwspClient.start(); Arena a = Arena.ofConfined()) {
            long s = c.socket(SOCK_DGRAM(), false);
            c.lower.failNextClose = WSAEWOULDBLOCK();
            assertEquals(SOCKET_ERROR(), c.closeSocket(s));
            assertEquals(WSAEWOULDBLOCK(), c.errno());
            assertEquals(1, LayeredProvider.openSockets(), "jwsp's socket is still open");
            MemorySegment value = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment len = a.allocateFrom(ValueLayout.JAVA_INT, 4);
            assertEquals(0, LPWSPGETSOCKOPT.invoke(WSPPROC_TABLE.lpWSPGetSockOpt(c.procTable), s, SOL_SOCKET(), SO_MAX_MSG_SIZE(),
                    value, len, c.errno), "and still usable");
            assertEquals(0, c.closeSocket(s), "a second close succeeds");
            assertEquals(0, LayeredProvider.openSockets());
            assertEquals(SOCKET_ERROR(), LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(c.procTable), s, c.errno));
            assertEquals(WSAENOTSOCK(), c.errno());
        }
    }

    @Test
    void wspDuplicateSocketHandsOutJwspsEntry_andTheDuplicateIsLayeredWithTheLowerKey() {
        try (JwspClient c = JwspClient.start(); Arena a = Arena.ofConfined()) {
            long s = c.streamSocket(true);
            int lower = c.lower.onlySocket().fd;
            MemorySegment info = a.allocate(WSAPROTOCOL_INFOW.layout());
            assertEquals(0, LPWSPDUPLICATESOCKET.invoke(WSPPROC_TABLE.lpWSPDuplicateSocket(c.procTable), s, 4242, info, c.errno));
            assertEquals(FakeWs2.JWSP_TCP, WSAPROTOCOL_INFOW.dwCatalogEntryId(info), "jwsp's entry, so WSASocket comes back to jwsp");
            assertTrue(WSAPROTOCOLCHAIN.ChainLen(WSAPROTOCOL_INFOW.ProtocolChain(info)) >= 2);
            assertEquals(0, WSAPROTOCOL_INFOW.dwServiceFlags1(info) & XP1_IFS_HANDLES());
            assertEquals(FakeLowerProvider.duplicateKey(lower), WSAPROTOCOL_INFOW.dwProviderReserved(info), "the lower key is kept");
            // the other process: WSASocket(FROM_PROTOCOL_INFO x3, &info)
            long dup = LPWSPSOCKET.invoke(WSPPROC_TABLE.lpWSPSocket(c.procTable), -1, -1, -1, info, 0, WSA_FLAG_OVERLAPPED(), c.errno);
            assertNotEquals(INVALID_SOCKET(), dup, () -> "WSPSocket: " + c.errno());
            assertEquals(FakeLowerProvider.duplicateKey(lower), c.lower.lastSocketReserved, "the lower provider got its key back");
            assertEquals(2, LayeredProvider.openSockets(), "the duplicate is a jwsp socket");
            assertEquals(0, c.closeSocket(dup));
            assertEquals(0, c.closeSocket(s));
        }
    }
}
