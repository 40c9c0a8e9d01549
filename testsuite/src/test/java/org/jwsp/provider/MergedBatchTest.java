package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.provider.SendFixture.PENDING;
import static org.jwsp.provider.SendFixture.SOCKET_ERROR;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.kernel.KernelPort;
import org.jwsp.testkit.FakeLowerProvider.Answer;
import org.jwsp.testkit.PeerReader;

/**
 * Order and exactly-once completion of a merged lower send (issue 14, item 6): a lower completion
 * cut short at every byte of the batch, an error inside the batch, and close or SIO_FLUSH while the
 * batch is in flight. FakedLowerAnswer: the fake lower provider holds each send pending until the
 * test completes it, which the real host cannot do on demand. Each scenario: "0" goes down alone
 * and is completed, then "12", "345" and "6789", queued behind it, go down as one gathered send of
 * three WSABUFs (the batch), and "X" queues behind the batch.
 */
class MergedBatchTest {

    private static final int WAIT = 5_000;
    private static final String[] PARTS = {"0", "12", "345", "6789"};

    /** The fixture with "0" completed and the batch of the other three parts held by the lower provider. */
    private static MemorySegment[] batchInFlight(SendFixture f, long s, Map<Long, AtomicInteger> byOv) throws InterruptedException {
        f.c.ws2.completionsByOverlapped = byOv;
        f.c.lower.answer(f.lowerOf(), Answer.PENDING, 0);
        MemorySegment[] ovs = new MemorySegment[PARTS.length];
        for (int i = 0; i < PARTS.length; i++) {
            ovs[i] = f.overlapped(true);
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data(PARTS[i])), 1, 0, ovs[i]));
            assertEquals(PENDING, f.errno());
        }
        assertEquals(1, f.c.lower.completePending(f.lowerOf()), "\"0\" alone");
        assertTrue(f.c.lower.awaitPending(f.lowerOf(), 1, WAIT), "the batch went down");
        assertEquals(3, f.lowerOf().lastBufferCount, "\"12\" \"345\" \"6789\" as one gathered send");
        assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ovs[0]), WAIT, false));
        return ovs;
    }

    private static void assertOnceEach(Map<Long, AtomicInteger> byOv, MemorySegment... ovs) {
        for (MemorySegment ov : ovs) {
            AtomicInteger told = byOv.get(ov.address());
            assertEquals(1, told == null ? 0 : told.get(), "exactly once");
        }
    }

    /**
     * The lower provider completes the batch having sent only its first {@code cut} of 9 bytes
     * (each WSABUF boundary and every byte inside one): the sends it covered whole complete with
     * their own counts, the rest goes down next from where it stopped, and every send completes
     * once, with all its bytes, the peer reading everything once and in order.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void aLowerSendCutShortAtAnyByteOfTheBatch_theRestFollowsAndEachSendCompletesOnce(int cut) throws Exception {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            Map<Long, AtomicInteger> byOv = new ConcurrentHashMap<>();
            MemorySegment[] ovs = batchInFlight(f, s, byOv);
            assertEquals(cut, f.c.lower.completeOldestPartially(f.lowerOf(), cut));
            int covered = 1; // sends the cut covered whole, "0" included
            for (int i = 1, upTo = 0; i < PARTS.length; i++) {
                upTo += PARTS[i].length();
                if (upTo <= cut) {
                    covered++;
                }
            }
            for (int i = 0; i < covered; i++) {
                assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ovs[i]), WAIT, false));
                assertArrayEquals(new int[] {0, PARTS[i].length()}, SendFixture.result(ovs[i]), "send " + i);
            }
            assertTrue(f.c.lower.awaitPending(f.lowerOf(), 1, WAIT), "the rest went down next");
            for (int i = covered; i < PARTS.length; i++) {
                assertEquals(KernelPort.WAIT_TIMEOUT, f.c.kernel.waitForSingleObject(f.event(ovs[i]), 0, false), "send " + i + " not done");
            }
            f.c.lower.answer(f.lowerOf(), Answer.IMMEDIATE, 0);
            assertEquals(1, f.c.lower.completePending(f.lowerOf()));
            for (int i = 0; i < PARTS.length; i++) {
                assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ovs[i]), WAIT, false));
                assertArrayEquals(new int[] {0, PARTS[i].length()}, SendFixture.result(ovs[i]), "send " + i);
            }
            assertEquals("0123456789", new String(PeerReader.readExactly(f.lowerOf().peerFd, 10), StandardCharsets.US_ASCII));
            assertOnceEach(byOv, ovs);
            assertEquals(PARTS.length, byOv.size());
        }
    }

    /**
     * The batch fails at completion: each of its sends completes once with the lower provider's
     * code, the send queued behind it with WSAECONNABORTED (the stream broke: its bytes could no
     * longer follow in order), and a later send is refused at once with WSAECONNABORTED and never
     * completes. The peer got "0" and nothing after it.
     */
    @Test
    void anErrorInsideTheBatch_failsEachOfItsSendsOnce_andEverySendBehindIt() throws Exception {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            Map<Long, AtomicInteger> byOv = new ConcurrentHashMap<>();
            MemorySegment[] ovs = batchInFlight(f, s, byOv);
            MemorySegment behind = f.overlapped(true);
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("X")), 1, 0, behind));
            assertEquals(PENDING, f.errno(), "queued behind the batch");
            f.c.lower.answer(f.lowerOf(), Answer.FAIL_AT_COMPLETION, ws2spi_h.WSAECONNRESET());
            assertEquals(1, f.c.lower.completePending(f.lowerOf()));
            for (int i = 1; i < PARTS.length; i++) {
                assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ovs[i]), WAIT, false));
                assertArrayEquals(new int[] {ws2spi_h.WSAECONNRESET(), 0}, SendFixture.result(ovs[i]), "send " + i);
            }
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(behind), WAIT, false));
            assertArrayEquals(new int[] {ws2spi_h.WSAECONNABORTED(), 0}, SendFixture.result(behind));
            MemorySegment later = f.overlapped(true);
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("Y")), 1, 0, later));
            assertEquals(ws2spi_h.WSAECONNABORTED(), f.errno(), "refused at once");
            assertOnceEach(byOv, ovs);
            assertOnceEach(byOv, behind);
            assertNull(byOv.get(later.address()), "a refused send is never completed");
            assertEquals(2, f.lowerOf().sendCalls.get(), "\"0\" and the batch went down, nothing after them");
            assertEquals("0", new String(PeerReader.readExactly(f.lowerOf().peerFd, 1), StandardCharsets.US_ASCII));
        }
    }

    /**
     * WSPCloseSocket or SIO_FLUSH while the batch is in flight: each of its sends, and the one
     * queued behind it, completes once with WSA_OPERATION_ABORTED; "0", completed before, is not
     * told again. After SIO_FLUSH the stream is not broken: the socket sends again.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void closeOrSioFlushWhileTheBatchIsInFlight_abortsEachOfItsSendsOnce(boolean close) throws Exception {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            Map<Long, AtomicInteger> byOv = new ConcurrentHashMap<>();
            MemorySegment[] ovs = batchInFlight(f, s, byOv);
            MemorySegment behind = f.overlapped(true);
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("X")), 1, 0, behind));
            assertEquals(PENDING, f.errno(), "queued behind the batch");
            if (close) {
                assertEquals(0, f.c.closeSocket(s));
            } else {
                assertEquals(0, f.c.ioctl(s, ws2spi_h.SIO_FLUSH(), MemorySegment.NULL, 0, f.arena.allocate(ValueLayout.JAVA_INT)));
            }
            for (int i = 1; i < PARTS.length; i++) {
                assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ovs[i]), WAIT, false));
                assertEquals(ws2spi_h.WSA_OPERATION_ABORTED(), SendFixture.result(ovs[i])[0], "send " + i);
            }
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(behind), WAIT, false));
            assertArrayEquals(new int[] {ws2spi_h.WSA_OPERATION_ABORTED(), 0}, SendFixture.result(behind));
            assertArrayEquals(new int[] {0, 1}, SendFixture.result(ovs[0]), "\"0\" keeps its result");
            assertOnceEach(byOv, ovs);
            assertOnceEach(byOv, behind);
            if (!close) {
                f.c.lower.answer(f.lowerOf(), Answer.IMMEDIATE, 0);
                MemorySegment after = f.overlapped(true);
                int rc = f.send(s, f.bufs(f.data("after")), 1, 0, after);
                assertTrue(rc == 0 || f.errno() == PENDING, "the socket still sends after SIO_FLUSH: " + f.errno());
                assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(after), WAIT, false));
                assertArrayEquals(new int[] {0, 5}, SendFixture.result(after));
                assertOnceEach(byOv, after);
            }
        }
    }
}
