package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.kernel.KernelPort;
import org.jwsp.testkit.CapturedLog;
import org.jwsp.testkit.FakeLowerProvider.Answer;
import org.jwsp.testkit.FakeLowerProvider.LowerSocket;

/**
 * Issue 10, defects 5 and 11 (log once): a lower provider that misbehaves must not make jwsp lie
 * to its caller. Through jwsp's proc table over the fake lower provider, which can answer
 * SOCKET_ERROR without writing lpErrno (FAIL_NOW with code 0).
 */
class MisbehavingLowerTest {

    private static final int WAIT = 10_000;

    @Test
    void synchronousSend_lowerFailsWithoutACode_wsaeNetDown_notTheCallersStaleErrno() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(false);
            f.c.lower.answer(f.lowerOf(), Answer.FAIL_NOW, 0);
            f.errno.set(ValueLayout.JAVA_INT, 0, SendFixture.PENDING); // what an earlier call left there
            assertEquals(SendFixture.SOCKET_ERROR, f.send(s, f.bufs(f.data("x")), 1, 0, MemorySegment.NULL));
            assertEquals(WSAENETDOWN(), f.errno());
        }
    }

    @Test
    void overlappedSend_lowerFailsWithoutACode_refusedWithWsaeNetDown_notPendingForever() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            LowerSocket lower = f.lowerOf();
            f.c.lower.answer(lower, Answer.PENDING, 0);
            MemorySegment first = f.overlapped(true);
            assertEquals(SendFixture.SOCKET_ERROR, f.send(s, f.bufs(f.data("a")), 1, 0, first));
            assertEquals(SendFixture.PENDING, f.errno()); // this thread's scratch errno now holds 997 too
            f.c.lower.completePending(lower);
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(first), WAIT, false));

            f.c.lower.answer(lower, Answer.FAIL_NOW, 0);
            MemorySegment second = f.overlapped(true);
            assertEquals(SendFixture.SOCKET_ERROR, f.send(s, f.bufs(f.data("b")), 1, 0, second));
            if (f.errno() == SendFixture.PENDING) {
                // The worker may still be finishing the first send's delivery (the queue issues
                // nothing meanwhile): the send waited and the worker issued it. It must then
                // complete, with the code, not pend forever.
                assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(second), WAIT, false));
                assertEquals(WSAENETDOWN(), (int) OVERLAPPED.Internal(second), "its completion status");
            } else {
                assertEquals(WSAENETDOWN(), f.errno(), "not WSA_IO_PENDING for a send that will never complete");
                assertEquals(KernelPort.WAIT_TIMEOUT, f.c.kernel.waitForSingleObject(f.event(second), 0, false));
                assertEquals(0, LayeredProvider.outstandingRequests());
            }
        }
    }

    @Test
    void aFaultInsideJwsp_repeated_isLoggedAtErrorOnce() {
        try (CapturedLog log = new CapturedLog();
             SendFixture f = new SendFixture(st -> st.withFilter(v -> {
                 throw new IllegalStateException("a filter bug");
             }))) {
            long s = f.stream(false);
            for (int i = 0; i < 3; i++) {
                assertEquals(SendFixture.SOCKET_ERROR, f.send(s, f.bufs(f.data("x")), 1, 0, MemorySegment.NULL));
                assertEquals(WSAENETDOWN(), f.errno());
            }
            assertEquals(1, log.events.stream().filter(e -> e.getLevel() == Level.ERROR
                    && e.getMessage().getFormattedMessage().contains("SendFilter.onSend")).count(), () -> "logged: " + log.events);
        }
    }

    @Test
    void aLowerThatCompletesASendTwice_theRoutineRunsOnce_andTheDuplicateIsLoggedOncePerSocket() throws Exception {
        try (CapturedLog log = new CapturedLog(Level.WARN); SendFixture f = new SendFixture(); Arena a = Arena.ofConfined()) {
            long s = f.stream(true);
            LowerSocket lower = f.lowerOf();
            f.c.lower.answer(lower, Answer.PENDING, 0);
            MemorySegment tid = f.c.openCurrentThread(a);
            MemorySegment ov = f.overlapped(false);
            assertEquals(SendFixture.SOCKET_ERROR, f.sendWithRoutine(s, f.bufs(f.data("abcd")), 1, ov, tid));
            assertEquals(SendFixture.PENDING, f.errno());
            long atLower = lower.lastOverlapped;
            f.c.lower.completePending(lower);
            assertTrue(f.c.ws2.awaitApcsQueued(1, WAIT));
            // The routine has not run (this thread is not alertable yet): its request is still live.
            // The lower completes that send twice more, once with a different count.
            f.c.lower.completeAgain(lower, atLower, 0, 4);
            f.c.lower.completeAgain(lower, atLower, 0, 2);
            // A later send: the port is FIFO, so once its event is set the duplicates were handled.
            MemorySegment later = f.overlapped(true);
            assertEquals(SendFixture.SOCKET_ERROR, f.send(s, f.bufs(f.data("ef")), 1, 0, later));
            assertEquals(SendFixture.PENDING, f.errno());
            // (it may wait in jwsp's queue until the worker has finished the first send's delivery)
            assertTrue(f.c.lower.awaitPending(lower, 1, WAIT), "the later send reached the lower provider");
            f.c.lower.completePending(lower);
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(later), WAIT, false));
            assertEquals(1, f.c.ws2.apcsQueued.get(), "no second APC for the send completed twice");
            f.c.kernel.sleep(0, true);
            assertEquals(1, f.routineCalls.size(), () -> "the routine ran once: " + f.routineCalls);
            assertEquals(0, f.routineCalls.get(0).error());
            assertEquals(4, f.routineCalls.get(0).bytes());
            assertArrayEquals(new int[] {0, 2}, SendFixture.result(later), "the later send keeps its own result");
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (LayeredProvider.outstandingRequests() != 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // the worker drops the later send's reference after its event
            }
            assertEquals(0, LayeredProvider.outstandingRequests(), "no reference dropped twice or kept");
            assertEquals(1, log.events.stream().filter(e -> e.getLevel() == Level.WARN
                    && e.getMessage().getFormattedMessage().contains("completed already")).count(), () -> "logged: " + log.events);
        }
    }

    @Test
    void aLowerThatNeverCompletesASend_closeEndsItWithWsaOperationAborted_once() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            LowerSocket lower = f.lowerOf();
            f.c.lower.answer(lower, Answer.PENDING, 0);
            f.c.lower.neverCompleteOnClose = true;
            f.c.ws2.completionsByOverlapped = new java.util.concurrent.ConcurrentHashMap<>();
            MemorySegment ov = f.overlapped(true);
            assertEquals(SendFixture.SOCKET_ERROR, f.send(s, f.bufs(f.data("lost?")), 1, 0, ov));
            assertEquals(SendFixture.PENDING, f.errno());
            assertEquals(0, f.c.closeSocket(s)); // waits for the lower provider in vain (bounded)
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ov), 0, false),
                    "the caller hears of the send the lower provider never ended");
            assertArrayEquals(new int[] {WSA_OPERATION_ABORTED(), 0}, SendFixture.result(ov));
            assertEquals(1, f.c.ws2.completionsByOverlapped.get(ov.address()).get(), "once");
        }
    }

    @Test
    void aLowerThatFailsWithACodeThatIsNoWinsockError_wsaeNetDown_atOnceAndAtCompletion_loggedOnce() {
        try (CapturedLog log = new CapturedLog(Level.WARN); SendFixture f = new SendFixture()) {
            long s = f.stream(false);
            f.c.lower.answer(f.lowerOf(), Answer.FAIL_NOW, 12345);
            for (int i = 0; i < 2; i++) {
                assertEquals(SendFixture.SOCKET_ERROR, f.send(s, f.bufs(f.data("x")), 1, 0, MemorySegment.NULL));
                assertEquals(WSAENETDOWN(), f.errno(), "not 12345, which no caller can look up");
            }
            assertEquals(0, f.c.closeSocket(s));
            long o = f.stream(true);
            LowerSocket lower = f.lowerOf();
            f.c.lower.answer(lower, Answer.PENDING, 0);
            MemorySegment ov = f.overlapped(true);
            assertEquals(SendFixture.SOCKET_ERROR, f.send(o, f.bufs(f.data("y")), 1, 0, ov));
            assertEquals(SendFixture.PENDING, f.errno());
            f.c.lower.answer(lower, Answer.FAIL_AT_COMPLETION, 0x7FFF0001);
            f.c.lower.completePending(lower);
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ov), WAIT, false));
            assertEquals(WSAENETDOWN(), SendFixture.result(ov)[0]);
            assertEquals(1, log.events.stream().filter(e -> e.getMessage().getFormattedMessage().contains("no Winsock error")).count(),
                    () -> "logged once per lower provider: " + log.events);
        }
    }
}
