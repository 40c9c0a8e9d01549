package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jwsp.testkit.FakeLowerProvider.Answer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, defect 2: a send the lower provider completed at once returns 0, so its completion
 * must be indicated through WPUCompleteOverlappedRequest (the caller's port hears of it), even
 * when WSPCloseSocket runs between the sender leaving the socket lock and its delivery. The
 * window is held open by a hook at that very point: it starts WSPCloseSocket on another thread
 * and lets the sender go on only when the close has finished (the old code: the handle is gone,
 * WPUCompleteOverlappedRequest refuses, only the event is set) or is waiting for the socket to be
 * quiet (the fix counts the sender's delivery). The fake lower provider also posts a packet for an
 * immediate completion, as Windows' providers do: the worker handles that packet before the
 * sender delivers, which is what let the old close see the socket quiet.
 */
class ImmediateCompletionCloseRaceTest {

    private static final int WAIT_SECONDS = 10;

    @AfterEach
    void noHook() {
        OverlappedRequests.injectBeforeDeliverAtOnce(null);
    }

    @Test
    void aSendCompletedAtOnce_racingClose_isStillDeliveredThroughTheCallersHandle() throws Exception {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.IMMEDIATE, 0);
            @SuppressWarnings("unchecked")
            CompletableFuture<Integer>[] closed = new CompletableFuture[1];
            OverlappedRequests.injectBeforeDeliverAtOnce(() -> {
                OverlappedRequests.injectBeforeDeliverAtOnce(null);
                CompletableFuture<Integer> done = new CompletableFuture<>();
                Thread closer = Thread.ofPlatform().daemon().start(() -> done.complete(f.c.closeSocket(s)));
                closed[0] = done;
                // The close either ends (nothing waits for this delivery) or parks waiting for quiet.
                while (!done.isDone() && closer.getState() != Thread.State.TIMED_WAITING) {
                    Thread.onSpinWait();
                }
            });
            long completionsBefore = f.c.ws2.completions.get();
            MemorySegment ov = f.overlapped(true);
            assertEquals(0, f.send(s, f.bufs(f.data("x")), 1, 0, ov), () -> "completed at once, not " + f.errno());
            assertNotNull(closed[0], "the hook ran between the socket lock and the delivery");
            assertEquals(0, closed[0].get(WAIT_SECONDS, TimeUnit.SECONDS).intValue(), "the close succeeded");
            assertEquals(completionsBefore + 1, f.c.ws2.completions.get(),
                    "WPUCompleteOverlappedRequest took the completion before the handle was closed");
            assertArrayEquals(new int[] {0, 1}, SendFixture.result(ov));
        }
    }
}
