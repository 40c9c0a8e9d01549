package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.jwsp.provider.OverTheHost.overlapped;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.host.kernel.Libc;
import org.jwsp.testkit.Pair;

/**
 * Issue 10, defect 11, over the real host: one overlapped WSASend of 2 GiB + 8 KiB in one WSABUF,
 * through jwsp, reaches the peer whole and in order and completes with that count (jwsp gives the
 * host's base provider parts of at most {@link WsaBufCapture#LOWER_SEND_MAX} bytes, one Linux
 * {@code sendmsg}'s most: {@link LargeSendTest} proves the parts; the host would also carry the
 * send unsplit, continuing a short {@code sendmsg} itself). The buffer is an anonymous private mapping reserved without memory
 * ({@code MAP_NORESERVE}): its untouched pages read as zeros and cost nothing; marks written on
 * three of its pages (the start, across the end of the first part, the end) and a byte-for-byte
 * comparison of everything received prove the order. jwsp refused this send with WSAEINVAL before.
 */
class HostLargeSendTest {

    private static final int WAIT = 60_000;

    @Test
    void anOverlappedSendOfMoreThan2GiB_reachesThePeerWholeAndInOrder_withTheWholeCount() throws Exception {
        long size = 0x8000_2000L;
        MemorySegment region = Libc.mmap(size, linux_h.PROT_READ() | linux_h.PROT_WRITE(),
                linux_h.MAP_PRIVATE() | linux_h.MAP_ANONYMOUS() | linux_h.MAP_NORESERVE(), -1, 0);
        assertNotEquals(MemorySegment.NULL, region, "a 2 GiB reservation");
        try {
            long[] marks = {0, 0x7FFF_F000L - 4, size - 8}; // across the end of the first part (Linux's MAX_RW_COUNT)
            for (int i = 0; i < marks.length; i++) {
                region.set(ValueLayout.JAVA_LONG_UNALIGNED, marks[i], 0x0102_0304_0506_0708L * (i + 1));
            }
            OverTheHost.run((ws2, installed, arena) -> {
                try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                    MemorySegment wsabuf = arena.allocate(16, 8);
                    wsabuf.set(ValueLayout.JAVA_INT, 0, (int) size); // a ULONG of 2 GiB + 8 KiB
                    wsabuf.set(ValueLayout.JAVA_LONG, 8, region.address());
                    MemorySegment ov = overlapped(ws2, arena);
                    MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                    int rc = ws2.send(p.client(), wsabuf, 1, sent, 0, ov, MemorySegment.NULL);
                    assertEquals(SOCKET_ERROR(), rc, "2 GiB to a peer that has not read cannot complete at once");
                    assertEquals(WSA_IO_PENDING(), ws2.lastError());

                    MemorySegment sink = arena.allocate(1 << 20);
                    MemorySegment b = arena.allocate(16, 8);
                    b.set(ValueLayout.JAVA_INT, 0, (int) sink.byteSize());
                    b.set(ValueLayout.JAVA_LONG, 8, sink.address());
                    MemorySegment got = arena.allocate(ValueLayout.JAVA_INT);
                    MemorySegment fl = arena.allocate(ValueLayout.JAVA_INT);
                    long received = 0;
                    while (received < size) {
                        assertEquals(0, ws2.recv(p.server(), b, 1, got, fl, MemorySegment.NULL, MemorySegment.NULL),
                                () -> "recv failed: " + ws2.lastError());
                        int n = got.get(ValueLayout.JAVA_INT, 0);
                        assertTrue(n > 0, "the peer closed after " + received + " bytes");
                        assertTrue(received + n <= size, "more bytes than were sent");
                        long at = received;
                        assertEquals(-1, MemorySegment.mismatch(sink, 0, n, region, at, at + n),
                                () -> "the bytes at " + at + " are not the sender's");
                        received += n;
                    }
                    assertEquals(0, ws2.waitForEvent(OVERLAPPED.hEvent(ov).address(), WAIT, false), "the send completes");
                    assertEquals(0, ov.get(ValueLayout.JAVA_INT, OVERLAPPED.OffsetHigh$offset()));
                    assertEquals(size, OVERLAPPED.InternalHigh(ov), "the OVERLAPPED's count, unsigned");
                    MemorySegment transfer = arena.allocate(ValueLayout.JAVA_INT);
                    assertTrue(ws2.getOverlappedResult(p.client(), ov, transfer, false, fl));
                    assertEquals(size, Integer.toUnsignedLong(transfer.get(ValueLayout.JAVA_INT, 0)), "WSAGetOverlappedResult's count");
                }
            });
        } finally {
            assertEquals(0, Libc.munmap(region));
        }
    }
}
