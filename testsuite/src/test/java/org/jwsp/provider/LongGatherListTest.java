package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.provider.SendFixture.PENDING;
import static org.jwsp.provider.SendFixture.SOCKET_ERROR;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.kernel.KernelPort;
import org.jwsp.testkit.FakeLowerProvider.Answer;
import org.jwsp.testkit.PeerReader;
import org.jwsp.testkit.Wsabufs;
import org.junit.jupiter.api.Test;

/**
 * Overlapped sends of more WSABUFs than a request's record holds (64), up to 1024 (IOV_MAX):
 * their array is captured into a block lent by {@code LargeCaptures}; past a gather array's 256
 * entries the send goes down alone from its own capture, trimmed in place after a short lower
 * completion. Every call through jwsp's WSPSend pointer.
 */
class LongGatherListTest {

    private static final int WAIT = 10_000;

    /** {@code n} WSABUFs over one pattern, entry i holding 1 + i % 7 bytes; {@link #bytes} is what they carry in order. */
    private record Gather(MemorySegment array, int count, byte[] bytes) {
        static Gather of(SendFixture f, int n) {
            int total = 0;
            for (int i = 0; i < n; i++) {
                total += 1 + i % 7;
            }
            byte[] bytes = new byte[total];
            for (int i = 0; i < total; i++) {
                bytes[i] = (byte) (i * 13 + 5);
            }
            MemorySegment data = f.arena.allocate(total);
            MemorySegment.copy(bytes, 0, data, ValueLayout.JAVA_BYTE, 0, total);
            MemorySegment[] parts = new MemorySegment[n];
            long at = 0;
            for (int i = 0; i < n; i++) {
                parts[i] = data.asSlice(at, 1 + i % 7);
                at += 1 + i % 7;
            }
            return new Gather(Wsabufs.of(f.arena, parts), n, bytes);
        }
    }

    private static void awaitNoLentBlock() {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (LayeredProvider.lentLargeCaptures() != 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(0, LayeredProvider.lentLargeCaptures(), "every lent block came back with its request");
    }

    @Test
    void overlappedSendOf300Buffers_moreThanTheRecordAndAGatherArrayHold_arrivesWholeAndInOrder() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            Gather g = Gather.of(f, 300);
            MemorySegment ov = f.overlapped(true);
            assertEquals(0, f.send(s, g.array(), g.count(), 0, ov));
            assertEquals(g.bytes().length, f.sent());
            assertEquals(300, f.lowerOf().lastBufferCount, "one lower send of all 300 buffers");
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ov), WAIT, false));
            assertArrayEquals(new int[] {0, g.bytes().length}, SendFixture.result(ov));
            assertArrayEquals(g.bytes(), PeerReader.readExactly(f.lowerOf().peerFd, g.bytes().length));
            awaitNoLentBlock();
        }
    }

    @Test
    void overlappedSendOf1024Buffers_isAccepted_1025_WSAENOBUFS_andNothingGoesDown() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            Gather most = Gather.of(f, 1024);
            MemorySegment ov = f.overlapped(true);
            assertEquals(0, f.send(s, most.array(), most.count(), 0, ov));
            assertArrayEquals(most.bytes(), PeerReader.readExactly(f.lowerOf().peerFd, most.bytes().length));
            int lowerSends = f.lowerOf().sendCalls.get();
            Gather tooMany = Gather.of(f, 1025);
            assertEquals(SOCKET_ERROR, f.send(s, tooMany.array(), tooMany.count(), 0, f.overlapped(true)));
            assertEquals(ws2spi_h.WSAENOBUFS(), f.errno());
            assertEquals(lowerSends, f.lowerOf().sendCalls.get());
            awaitNoLentBlock();
        }
    }

    @Test
    void everyLargeBlockLent_aLongSendAnswersWouldBlock_aShortOneStillGoes_andTheBlockComesBack() {
        // 64 requests: one large block.
        try (SendFixture f = new SendFixture(settings -> settings.withRequestPoolSize(64))) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.PENDING, 0);
            Gather first = Gather.of(f, 300);
            MemorySegment ovFirst = f.overlapped(true);
            assertEquals(SOCKET_ERROR, f.send(s, first.array(), first.count(), 0, ovFirst));
            assertEquals(PENDING, f.errno());
            assertEquals(1, LayeredProvider.lentLargeCaptures());
            Gather second = Gather.of(f, 100);
            assertEquals(SOCKET_ERROR, f.send(s, second.array(), second.count(), 0, f.overlapped(true)));
            assertEquals(ws2spi_h.WSAEWOULDBLOCK(), f.errno(), "no block to capture 100 WSABUFs in: try again");
            Gather shortOne = Gather.of(f, 10);
            MemorySegment ovShort = f.overlapped(true);
            assertEquals(SOCKET_ERROR, f.send(s, shortOne.array(), shortOne.count(), 0, ovShort));
            assertEquals(PENDING, f.errno(), "ten WSABUFs fit the request's own record");
            f.c.lower.answer(f.lowerOf(), Answer.IMMEDIATE, 0);
            f.c.lower.completePending(f.lowerOf());
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ovFirst), WAIT, false));
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ovShort), WAIT, false));
            awaitNoLentBlock();
            MemorySegment ovAgain = f.overlapped(true);
            // At once, or pending for a moment: the worker may still be inside the delivery whose events
            // the test waited for, and nothing is issued while a delivery of the socket is under way.
            int rc = f.send(s, second.array(), second.count(), 0, ovAgain);
            assertTrue(rc == 0 || f.errno() == PENDING, "the block is free again: " + f.errno());
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ovAgain), WAIT, false));
            byte[] expected = new byte[first.bytes().length + shortOne.bytes().length + second.bytes().length];
            System.arraycopy(first.bytes(), 0, expected, 0, first.bytes().length);
            System.arraycopy(shortOne.bytes(), 0, expected, first.bytes().length, shortOne.bytes().length);
            System.arraycopy(second.bytes(), 0, expected, first.bytes().length + shortOne.bytes().length, second.bytes().length);
            assertArrayEquals(expected, PeerReader.readExactly(f.lowerOf().peerFd, expected.length));
            awaitNoLentBlock();
        }
    }

    @Test
    void aLongSendTheLowerConsumedOnlyInPart_theRestGoesFromItsOwnTrimmedCapture_nothingLostOrRepeated() throws Exception {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.PENDING, 0);
            Gather g = Gather.of(f, 300);
            MemorySegment ov = f.overlapped(true);
            assertEquals(SOCKET_ERROR, f.send(s, g.array(), g.count(), 0, ov));
            assertEquals(PENDING, f.errno());
            // Entries 0..82 hold 329 bytes (28 per 7 entries: 11 * 28 + 1+2+...+6), so 333 ends 4 bytes into entry 83.
            assertEquals(333, f.c.lower.completeOldestPartially(f.lowerOf(), 333));
            assertTrue(f.c.lower.awaitPending(f.lowerOf(), 1, WAIT), "jwsp issued the rest");
            assertEquals(300 - 83, f.lowerOf().lastBufferCount, "the rest starts inside entry 83");
            assertEquals(KernelPort.WAIT_TIMEOUT, f.c.kernel.waitForSingleObject(f.event(ov), 0, false), "not complete yet");
            f.c.lower.answer(f.lowerOf(), Answer.IMMEDIATE, 0);
            f.c.lower.completePending(f.lowerOf());
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ov), WAIT, false));
            assertArrayEquals(new int[] {0, g.bytes().length}, SendFixture.result(ov));
            assertArrayEquals(g.bytes(), PeerReader.readExactly(f.lowerOf().peerFd, g.bytes().length));
            assertEquals(1, f.c.ws2.completions.get(), "one completion for the one send");
            awaitNoLentBlock();
        }
    }
}
