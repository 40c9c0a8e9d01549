package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.jwsp.provider.SendFixture.PENDING;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.WSABUF;
import org.jwsp.kernel.KernelPort;
import org.jwsp.testkit.FakeLowerProvider;
import org.jwsp.testkit.FakeLowerProvider.Answer;
import org.junit.jupiter.api.Test;

/**
 * Every code of the seed's WSPSend error table, from the condition the seed gives, through the
 * lpWSPSend native pointer. Conditions jwsp decides are produced for real; conditions only a
 * network can produce are the fake lower provider's answer, and the test name says
 * "FakedLowerAnswer" (HostIntegrationTest produces WSAENOTCONN and WSAESHUTDOWN over the real
 * Linux host). A refusal means: SOCKET_ERROR, that code, nothing sent, no completion indication.
 */
class WspSendErrorTableTest {

    private static final int WAIT = 5_000;

    /** Sends "x" overlapped (with an event) and checks the refusal contract for {@code code}. */
    private static void assertRefused(SendFixture f, long s, int flags, int code) {
        MemorySegment ov = f.overlapped(true);
        int sendsBefore = f.c.lower.lowerSends.get();
        assertEquals(SOCKET_ERROR(), f.send(s, f.bufs(f.data("x")), 1, flags, ov));
        assertEquals(code, f.errno());
        assertEquals(KernelPort.WAIT_TIMEOUT, f.c.kernel.waitForSingleObject(f.event(ov), 0, false), "no completion indication");
        assertEquals(0, f.c.ws2.completions.get());
        assertEquals(0, LayeredProvider.outstandingRequests(), "no request kept");
        assertTrue(f.c.lower.lowerSends.get() - sendsBefore <= 1, "at most the lower provider's own refusal");
    }

    /** Sends "x" overlapped; the lower provider fails it at completion with {@code code}. */
    private static void assertCompletesWith(SendFixture f, long s, int code) {
        FakeLowerProvider.LowerSocket lower = f.lowerOf();
        f.c.lower.answer(lower, Answer.FAIL_AT_COMPLETION, code);
        MemorySegment ov = f.overlapped(true);
        assertEquals(SOCKET_ERROR(), f.send(s, f.bufs(f.data("x")), 1, 0, ov));
        assertEquals(PENDING, f.errno());
        f.c.lower.completePending(lower);
        assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ov), WAIT, false));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment fl = a.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, f.c.getOverlappedResult(s, ov, n, false, fl), "WSPGetOverlappedResult: FALSE");
            assertEquals(code, f.c.errno());
        }
    }

    @Test
    void WSAENETDOWN_networkSubsystemFailed_FakedLowerAnswer() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.FAIL_NOW, WSAENETDOWN());
            assertRefused(f, s, 0, WSAENETDOWN());
        }
    }

    @Test
    void WSAEACCES_broadcastAddressWithoutTheFlag_FakedLowerAnswer() {
        try (SendFixture f = new SendFixture()) {
            long s = f.c.socket(SOCK_DGRAM(), true);
            f.c.lower.answer(f.lowerOf(), Answer.FAIL_NOW, WSAEACCES());
            assertRefused(f, s, 0, WSAEACCES());
        }
    }

    @Test
    void WSAEINPROGRESS_blockingCallInProgress_FakedLowerAnswer() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.FAIL_NOW, WSAEINPROGRESS());
            assertRefused(f, s, 0, WSAEINPROGRESS());
        }
    }

    @Test
    void WSAEFAULT_lpBuffersNotInAValidPartOfTheAddressSpace() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            MemorySegment ov = f.overlapped(true);
            assertEquals(SOCKET_ERROR(), f.send(s, MemorySegment.NULL, 1, 0, ov));
            assertEquals(WSAEFAULT(), f.errno());
            MemorySegment nullBuf = f.bufs(f.data("abc"));
            WSABUF.buf(nullBuf, MemorySegment.NULL);
            assertEquals(SOCKET_ERROR(), f.send(s, nullBuf, 1, 0, ov));
            assertEquals(WSAEFAULT(), f.errno());
            assertEquals(SOCKET_ERROR(), f.send(s, MemorySegment.NULL, 1, 0, MemorySegment.NULL), "synchronous too");
            assertEquals(WSAEFAULT(), f.errno());
            assertEquals(0, f.lowerOf().sendCalls.get());
            assertEquals(KernelPort.WAIT_TIMEOUT, f.c.kernel.waitForSingleObject(f.event(ov), 0, false));
        }
    }

    @Test
    void WSAENETRESET_connectionBrokenByKeepAliveWhileInProgress_FakedLowerAnswer() {
        try (SendFixture f = new SendFixture()) {
            assertCompletesWith(f, f.stream(true), WSAENETRESET());
        }
    }

    @Test
    void WSAENETRESET_connectionBrokenByTheRemoteHostResetting_FakedLowerAnswer() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.FAIL_NOW, WSAENETRESET());
            assertRefused(f, s, 0, WSAENETRESET());
        }
    }

    @Test
    void WSAENOTCONN_socketNotConnected_FakedLowerAnswer() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.FAIL_NOW, WSAENOTCONN());
            assertRefused(f, s, 0, WSAENOTCONN());
        }
    }

    @Test
    void WSAENOTSOCK_theDescriptorIsNotASocket() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            assertRefused(f, 0x1234_5678L, 0, WSAENOTSOCK());
            assertEquals(0, f.c.closeSocket(s));
            assertRefused(f, s, 0, WSAENOTSOCK());
        }
    }

    @Test
    void WSAEOPNOTSUPP_msgOobOnNonStream_andMsgPartial() {
        try (SendFixture f = new SendFixture()) {
            long dgram = f.c.socket(SOCK_DGRAM(), true);
            assertRefused(f, dgram, MSG_OOB(), WSAEOPNOTSUPP());
            assertRefused(f, dgram, MSG_PARTIAL(), WSAEOPNOTSUPP());
            assertEquals(0, f.lowerOf().sendCalls.get());
        }
    }

    @Test
    void WSAESHUTDOWN_afterWspShutdownWithSdSendOrSdBoth() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            assertEquals(0, f.c.shutdown(s, SD_SEND()));
            assertRefused(f, s, 0, WSAESHUTDOWN());
            long t = f.c.streamSocket(true);
            assertEquals(0, f.c.shutdown(t, SD_BOTH()));
            assertRefused(f, t, 0, WSAESHUTDOWN());
            long u = f.c.streamSocket(false);
            assertEquals(0, f.c.shutdown(u, SD_RECEIVE()));
            assertEquals(0, f.send(u, f.bufs(f.data("still")), 1, 0, MemorySegment.NULL), "SD_RECEIVE does not stop sends");
        }
    }

    @Test
    void WSAEWOULDBLOCK_tooManyOutstandingOverlappedRequests() {
        try (SendFixture f = new SendFixture(s -> s.withRequestPoolSize(1))) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.PENDING, 0);
            assertEquals(SOCKET_ERROR(), f.send(s, f.bufs(f.data("1")), 1, 0, f.overlapped(true)));
            assertEquals(PENDING, f.errno());
            MemorySegment ov = f.overlapped(true);
            assertEquals(SOCKET_ERROR(), f.send(s, f.bufs(f.data("2")), 1, 0, ov));
            assertEquals(WSAEWOULDBLOCK(), f.errno());
            assertEquals(KernelPort.WAIT_TIMEOUT, f.c.kernel.waitForSingleObject(f.event(ov), 0, false));
        }
    }

    @Test
    void WSAEWOULDBLOCK_nonblockingNonoverlappedSendThatCannotCompleteAtOnce_FakedLowerAnswer() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(false);
            f.c.lower.answer(f.lowerOf(), Answer.FAIL_NOW, WSAEWOULDBLOCK());
            assertEquals(SOCKET_ERROR(), f.send(s, f.bufs(f.data("x")), 1, 0, MemorySegment.NULL));
            assertEquals(WSAEWOULDBLOCK(), f.errno());
        }
    }

    @Test
    void WSAEMSGSIZE_messageLargerThanTheTransportMaximum() {
        try (SendFixture f = new SendFixture()) {
            long s = f.c.socket(SOCK_DGRAM(), true);
            MemorySegment ov = f.overlapped(true);
            assertEquals(SOCKET_ERROR(), f.send(s, f.bufs(f.arena.allocate(FakeLowerProvider.MAX_MSG_SIZE + 1)), 1, 0, ov));
            assertEquals(WSAEMSGSIZE(), f.errno());
            assertEquals(0, f.lowerOf().sendCalls.get());
        }
    }

    @Test
    void WSAEINVAL_flagsWithUnknownBits_andATotalNoDwordCanReport() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            assertRefused(f, s, 0x4000_0000, WSAEINVAL());
            // A len that looks negative as an int is a ULONG of 4 GiB - 5, valid alone; with 6 more
            // bytes the total is 2^32 + 1. (Bare user-space addresses: a refused send reads no data.)
            MemorySegment negative = f.arena.allocate(2 * WSABUF.sizeof(), 8);
            WSABUF.len(negative, -5);
            WSABUF.buf(negative, MemorySegment.ofAddress(0x1000_0000_0000L));
            WSABUF.len(negative.asSlice(WSABUF.sizeof()), 6);
            WSABUF.buf(negative.asSlice(WSABUF.sizeof()), MemorySegment.ofAddress(0x2000_0000_0000L));
            assertEquals(SOCKET_ERROR(), f.send(s, negative, 2, 0, f.overlapped(true)));
            assertEquals(WSAEINVAL(), f.errno());
            assertEquals(SOCKET_ERROR(), f.send(s, negative, 2, 0, MemorySegment.NULL));
            assertEquals(WSAEINVAL(), f.errno());
            assertEquals(0, f.lowerOf().sendCalls.get());
        }
    }

    @Test
    void WSAECONNABORTED_virtualCircuitTerminated_FakedLowerAnswer() {
        try (SendFixture f = new SendFixture()) {
            assertCompletesWith(f, f.stream(true), WSAECONNABORTED());
        }
    }

    @Test
    void WSAECONNRESET_virtualCircuitResetByTheRemoteSide_FakedLowerAnswer() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.FAIL_NOW, WSAECONNRESET());
            assertRefused(f, s, 0, WSAECONNRESET());
        }
    }

    @Test
    void WSA_IO_PENDING_overlappedOperationInitiated_completionIndicatedLater() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.PENDING, 0);
            MemorySegment ov = f.overlapped(true);
            assertEquals(SOCKET_ERROR(), f.send(s, f.bufs(f.data("later")), 1, 0, ov));
            assertEquals(WSA_IO_PENDING(), f.errno());
            assertEquals(KernelPort.WAIT_TIMEOUT, f.c.kernel.waitForSingleObject(f.event(ov), 0, false));
            f.c.lower.completePending(f.lowerOf());
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ov), WAIT, false));
        }
    }

    @Test
    void WSA_OPERATION_ABORTED_byClosingTheSocket() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.PENDING, 0);
            MemorySegment ov = f.overlapped(true);
            f.send(s, f.bufs(f.data("a")), 1, 0, ov);
            assertEquals(0, f.c.closeSocket(s));
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ov), WAIT, false));
            assertEquals(WSA_OPERATION_ABORTED(), SendFixture.result(ov)[0]);
        }
    }

    // ---- bad input -----------------------------------------------------------------------------

    @Test
    void nullLpErrno_answersSocketErrorWithoutCrashing() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            assertEquals(SOCKET_ERROR(), f.c.send(0x4242L, f.bufs(f.data("x")), 1, f.sent, 0, MemorySegment.NULL,
                    MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL));
            assertEquals(SOCKET_ERROR(), f.c.send(s, MemorySegment.NULL, 3, f.sent, 0, f.overlapped(true),
                    MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL));
        }
    }

    @Test
    void moreWsabufsThanACaptureHolds_WSAENOBUFS_andAbsurdCounts_too() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            MemorySegment[] many = new MemorySegment[LargeCaptures.MAX_BUFFERS + 1];
            for (int i = 0; i < many.length; i++) {
                many[i] = f.data("b");
            }
            assertEquals(SOCKET_ERROR(), f.send(s, f.bufs(many), many.length, 0, f.overlapped(true)));
            assertEquals(WSAENOBUFS(), f.errno());
            assertEquals(SOCKET_ERROR(), f.send(s, f.bufs(many), -1, 0, f.overlapped(true)));
            assertEquals(WSAENOBUFS(), f.errno());
            assertEquals(SOCKET_ERROR(), f.send(s, f.bufs(many), Integer.MIN_VALUE, 0, MemorySegment.NULL));
            assertEquals(WSAENOBUFS(), f.errno());
            assertEquals(0, f.lowerOf().sendCalls.get());
        }
    }

    @Test
    void completionRoutineWithoutThreadId_orNullBytesSentOnASynchronousSend_WSAEFAULT() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            assertEquals(SOCKET_ERROR(), f.sendWithRoutine(s, f.bufs(f.data("r")), 1, f.overlapped(false), MemorySegment.NULL));
            assertEquals(WSAEFAULT(), f.errno());
            assertEquals(SOCKET_ERROR(), f.c.send(s, f.bufs(f.data("n")), 1, MemorySegment.NULL, 0, MemorySegment.NULL,
                    MemorySegment.NULL, MemorySegment.NULL, f.errno));
            assertEquals(WSAEFAULT(), f.errno());
            assertEquals(0, f.lowerOf().sendCalls.get());
        }
    }
}
