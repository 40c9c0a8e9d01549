package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.windows.LPWSPRECV;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.provider.filter.SendFilter;
import org.jwsp.testkit.FakeLowerProvider;
import org.jwsp.testkit.PeerReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 10, defect 1: a WSPSend racing WSPCloseSocket must never put its bytes on the socket
 * that reuses the closed one's slot. The window is held open deterministically: the filter
 * (which runs after the socket was resolved and before the send is queued or passed down)
 * blocks the first send of {@code s1} on a latch while the test closes {@code s1} and opens
 * {@code s2} (the socket table hands out the most recently freed slot first). Released, the
 * send must fail with WSAENOTSOCK, reach no lower socket, and leave no request behind; the
 * filter, which passed it, hears once in {@code onComplete} that it failed.
 * A proxied overlapped WSPRecv is held the same way at the request life's fault point (right
 * after its OVERLAPPED was marked, before the socket lock), where the test closes and reopens.
 */
class SendRacingCloseTest {

    private static final int WAIT_SECONDS = 10;

    @AfterEach
    void noFault() {
        OverlappedRequests.injectFaultAfterMark(null);
    }

    @Test
    void aProxiedRecvWhoseSocketIsClosedAndItsSlotReused_failsAndReachesNoOtherSocket() {
        try (SendFixture f = new SendFixture()) {
            long s1 = f.stream(true);
            long[] s2 = new long[1];
            OverlappedRequests.injectFaultAfterMark(() -> {
                OverlappedRequests.injectFaultAfterMark(null);
                assertEquals(0, f.c.closeSocket(s1));
                s2[0] = f.stream(true);
                // s2's peer has sent something: a receive misdirected to s2 would take it
                MemorySegment hello = f.arena.allocateFrom("for s2");
                assertEquals(6, linux_h.write(f.lowerOf().peerFd, hello, 6));
            });
            MemorySegment ov = f.overlapped(true);
            MemorySegment buf = f.arena.allocate(16);
            MemorySegment received = f.arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment flags = f.arena.allocate(ValueLayout.JAVA_INT);
            int rc = LPWSPRECV.invoke(WSPPROC_TABLE.lpWSPRecv(f.c.procTable), s1, f.bufs(buf), 1, received, flags, ov,
                    MemorySegment.NULL, MemorySegment.NULL, f.errno);
            assertNotEquals(0L, s2[0], "the socket was closed and reopened inside the call");
            assertEquals(SOCKET_ERROR(), rc, "the receive of a closed socket fails");
            assertEquals(WSAENOTSOCK(), f.errno());
            assertEquals(0, buf.get(ValueLayout.JAVA_BYTE, 0), "nothing of s2's stream was received");
            assertNotEquals(0x103L, OVERLAPPED.Internal(ov));
            assertEquals(0, LayeredProvider.outstandingRequests());
            // s2 still has its bytes: a nonoverlapped receive on it gets them
            MemorySegment buf2 = f.arena.allocate(16);
            assertEquals(0, LPWSPRECV.invoke(WSPPROC_TABLE.lpWSPRecv(f.c.procTable), s2[0], f.bufs(buf2), 1, received, flags,
                    MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, f.errno));
            assertEquals(6, received.get(ValueLayout.JAVA_INT, 0));
            assertEquals("for s2", buf2.getString(0));
        }
    }

    @ParameterizedTest(name = "overlapped = {0}")
    @ValueSource(booleans = {true, false})
    void aSendWhoseSocketIsClosedAndItsSlotReused_failsAndSendsNothing(boolean overlapped) throws Exception {
        CountDownLatch inFilter = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        java.util.List<String> completed = new java.util.concurrent.CopyOnWriteArrayList<>();
        SendFilter holdFirst = new SendFilter() {
            @Override
            public int onSend(org.jwsp.provider.filter.SendView view) {
                if (inFilter.getCount() > 0) {
                    inFilter.countDown();
                    try {
                        proceed.await(WAIT_SECONDS, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return PASS;
            }

            @Override
            public void onComplete(org.jwsp.provider.filter.SendView view, int error, long bytes) {
                completed.add(view.totalBytes() + " B: error " + error + ", " + bytes + " sent");
            }
        };
        try (SendFixture f = new SendFixture(s -> s.withFilter(holdFirst))) {
            long s1 = f.stream(overlapped);
            MemorySegment errno = f.arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment sent = f.arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment ov = overlapped ? f.overlapped(true) : MemorySegment.NULL;
            MemorySegment bufs = f.bufs(f.data("meant for s1"));
            CompletableFuture<Integer> racing = CompletableFuture.supplyAsync(
                    () -> f.c.send(s1, bufs, 1, sent, 0, ov, MemorySegment.NULL, MemorySegment.NULL, errno));
            assertTrue(inFilter.await(WAIT_SECONDS, TimeUnit.SECONDS), "the send reached the filter");

            assertEquals(0, f.c.closeSocket(s1));
            long s2 = f.stream(overlapped);
            assertNotEquals(INVALID_SOCKET(), s2);
            FakeLowerProvider.LowerSocket lower2 = f.lowerOf();
            proceed.countDown();

            int rc = racing.get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals(SOCKET_ERROR(), rc, "the send of a closed socket fails");
            assertEquals(WSAENOTSOCK(), errno.get(ValueLayout.JAVA_INT, 0));
            assertEquals(0, lower2.sendCalls.get(), "nothing reached the socket that reused the slot");
            assertEquals(0, PeerReader.readAvailable(lower2.peerFd).length, "s2's peer received nothing");
            assertEquals(0, LayeredProvider.outstandingRequests());
            if (overlapped) {
                assertNotEquals(0x103L, OVERLAPPED.Internal(ov), "the refused send's OVERLAPPED is not left in progress");
            }
            assertEquals(java.util.List.of("12 B: error " + WSAENOTSOCK() + ", 0 sent"), completed,
                    "the filter passed it, so it hears once that it failed");
            completed.clear();
            // s2 itself works
            assertEquals(0, f.send(s2, f.bufs(f.data("s2")), 1, 0, overlapped ? f.overlapped(true) : MemorySegment.NULL));
            assertEquals("s2", new String(PeerReader.readExactly(lower2.peerFd, 2)));
        }
    }
}
