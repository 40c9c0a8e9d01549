package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.WSAECONNABORTED;
import static org.jwsp.bindings.windows.ws2spi_h.WSAECONNRESET;
import static org.jwsp.bindings.windows.ws2spi_h.WSAEWOULDBLOCK;
import static org.jwsp.provider.SendFixture.PENDING;
import static org.jwsp.provider.SendFixture.SOCKET_ERROR;

import java.lang.foreign.MemorySegment;

import org.jwsp.kernel.KernelPort;
import org.jwsp.testkit.FakeLowerProvider.Answer;
import org.jwsp.testkit.FakeLowerProvider.LowerSocket;
import org.jwsp.testkit.PeerReader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 10, defect 3: what jwsp accepted on a stream socket it delivers in order, or it fails
 * that send and every later one; never a hole in the stream. A is in flight at the (fake) lower
 * provider, B and C wait in jwsp's queue (answered WSA_IO_PENDING); when A completes, jwsp's
 * worker issues B and C and the lower provider refuses them at issue. B and C must complete
 * with a connection failure (never the "try again" WSAEWOULDBLOCK, which means nothing as a
 * completion status), and D, sent afterwards, must be refused too, so the peer gets "A" and
 * nothing after it. Driven through jwsp's lpWSPSend pointer; the refusal is the fake lower's.
 */
class StreamHoleTest {

    private static final int WAIT = 5_000;

    @ParameterizedTest(name = "lower refuses with {0}")
    @ValueSource(ints = {10035 /* WSAEWOULDBLOCK */, 10054 /* WSAECONNRESET */})
    void aQueuedSendRefusedAtIssue_failsItAndEveryLaterSend_thePeerGetsNoHole(int refusal) {
        assertTrue(refusal == WSAEWOULDBLOCK() || refusal == WSAECONNRESET());
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            LowerSocket lower = f.lowerOf();
            f.c.lower.answer(lower, Answer.PENDING, 0);
            MemorySegment a = f.overlapped(true);
            MemorySegment b = f.overlapped(true);
            MemorySegment c = f.overlapped(true);
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("A")), 1, 0, a));
            assertEquals(PENDING, f.errno());
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("B")), 1, 0, b));
            assertEquals(PENDING, f.errno(), "B waits behind A");
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("C")), 1, 0, c));
            assertEquals(PENDING, f.errno(), "C waits behind A");

            f.c.lower.answer(lower, Answer.FAIL_NOW, refusal);
            assertEquals(1, f.c.lower.completePending(lower), "A goes out");
            for (MemorySegment ov : new MemorySegment[] {a, b, c}) {
                assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ov), WAIT, false));
            }
            assertArrayEquals(new int[] {0, 1}, SendFixture.result(a));
            int expected = refusal == WSAEWOULDBLOCK() ? WSAECONNABORTED() : refusal;
            assertArrayEquals(new int[] {expected, 0}, SendFixture.result(b), "B: the refusal, as a completion status");
            int[] cResult = SendFixture.result(c);
            assertTrue(cResult[0] == expected || cResult[0] == WSAECONNABORTED(),
                    "C: refused with B (merged into one lower send) or failed behind it: " + cResult[0]);
            assertEquals(0, cResult[1], "C: nothing of it sent");

            // The lower provider would take D now; jwsp must not let it through after the hole.
            f.c.lower.answer(lower, Answer.IMMEDIATE, 0);
            int sendsBefore = lower.sendCalls.get();
            MemorySegment d = f.overlapped(true);
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("D")), 1, 0, d));
            assertEquals(WSAECONNABORTED(), f.errno(), "an overlapped send after the hole");
            assertEquals(KernelPort.WAIT_TIMEOUT, f.c.kernel.waitForSingleObject(f.event(d), 0, false), "no completion indication");
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("E")), 1, 0, MemorySegment.NULL));
            assertEquals(WSAECONNABORTED(), f.errno(), "a synchronous send after the hole");
            assertEquals(sendsBefore, lower.sendCalls.get(), "neither reached the lower provider");
            assertEquals("A", new String(PeerReader.readAvailable(lower.peerFd)), "the peer got A and nothing after it");
        }
    }
}
