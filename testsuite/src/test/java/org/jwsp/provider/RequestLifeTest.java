package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.LPWSPRECV;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.kernel.KernelPort;
import org.jwsp.testkit.FakeLowerProvider.Answer;
import org.jwsp.testkit.PeerReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A request's life (acquire → issue → complete → release) through the proc table, where it
 * goes wrong: an exception thrown inside jwsp after the request was acquired and the caller's
 * OVERLAPPED marked in progress (injected at {@link OverlappedRequests#injectFaultAfterMark}),
 * and a lower provider that refuses the send at issue (issue 10, defect 8). Either way the
 * request must be back in the pool, the caller's OVERLAPPED must not say "in progress"
 * (0x103) and WSPGetOverlappedResult must answer the refusal, not WSA_IO_INCOMPLETE forever;
 * no completion indication is given, and the socket goes on working.
 */
class RequestLifeTest {

    private static final long IN_PROGRESS = 0x103;
    private static final int WAIT = 5_000;

    @AfterEach
    void noFault() {
        OverlappedRequests.injectFaultAfterMark(null);
    }

    private static void assertSettled(SendFixture f, long s, MemorySegment ov, int code) {
        assertEquals(0, LayeredProvider.outstandingRequests(), "the request is back in the pool");
        assertNotEquals(IN_PROGRESS, OVERLAPPED.Internal(ov), "the caller's OVERLAPPED is not left in progress");
        assertEquals(KernelPort.WAIT_TIMEOUT, f.c.kernel.waitForSingleObject(f.event(ov), 0, false), "no completion indication");
        assertEquals(0, f.c.ws2.completions.get(), "no completion indication");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment fl = a.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, f.c.getOverlappedResult(s, ov, n, false, fl), "WSPGetOverlappedResult: FALSE");
            assertEquals(code, f.c.errno(), "the refusal, not WSA_IO_INCOMPLETE");
        }
    }

    @Test
    void anExceptionAfterAcquireInWspSend_releasesTheRequestAndSettlesTheOverlapped() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            MemorySegment ov = f.overlapped(true);
            OverlappedRequests.injectFaultAfterMark(() -> {
                throw new IllegalStateException("injected after acquire");
            });
            assertEquals(SOCKET_ERROR(), f.send(s, f.bufs(f.data("lost")), 1, 0, ov));
            assertEquals(WSAENETDOWN(), f.errno());
            OverlappedRequests.injectFaultAfterMark(null);
            assertSettled(f, s, ov, WSAENETDOWN());
            MemorySegment next = f.overlapped(true);
            assertEquals(0, f.send(s, f.bufs(f.data("next")), 1, 0, next), "the socket still sends");
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(next), WAIT, false));
            assertEquals("next", new String(PeerReader.readExactly(f.lowerOf().peerFd, 4)), "nothing of the failed send went out");
        }
    }

    @Test
    void anExceptionAfterAcquireInAProxiedWspRecv_releasesTheRequestAndSettlesTheOverlapped() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            MemorySegment ov = f.overlapped(true);
            MemorySegment bufs = f.bufs(f.arena.allocate(16));
            MemorySegment received = f.arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment flags = f.arena.allocate(ValueLayout.JAVA_INT);
            OverlappedRequests.injectFaultAfterMark(() -> {
                throw new IllegalStateException("injected after acquire");
            });
            int rc = LPWSPRECV.invoke(WSPPROC_TABLE.lpWSPRecv(f.c.procTable), s, bufs, 1, received, flags, ov,
                    MemorySegment.NULL, MemorySegment.NULL, f.errno);
            assertEquals(SOCKET_ERROR(), rc);
            assertEquals(WSAENETDOWN(), f.errno());
            OverlappedRequests.injectFaultAfterMark(null);
            assertSettled(f, s, ov, WSAENETDOWN());
        }
    }

    /** Issue 10, defect 8: Internal = 0x103 was written before the lower provider's refusal and stayed. */
    @Test
    void aSendTheLowerProviderRefusesAtIssue_leavesNoOverlappedInProgress() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.FAIL_NOW, WSAECONNRESET());
            MemorySegment ov = f.overlapped(true);
            assertEquals(SOCKET_ERROR(), f.send(s, f.bufs(f.data("x")), 1, 0, ov));
            assertEquals(WSAECONNRESET(), f.errno());
            assertSettled(f, s, ov, WSAECONNRESET());
        }
    }
}
