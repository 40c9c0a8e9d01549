package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.SD_SEND;
import static org.jwsp.provider.SendFixture.PENDING;
import static org.jwsp.provider.SendFixture.SOCKET_ERROR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.jwsp.bindings.linux.linux_h;
import org.jwsp.kernel.KernelPort;
import org.jwsp.provider.filter.SendFilter;
import org.jwsp.testkit.PeerReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 10, defect 7: WSPShutdown(SD_SEND) must not block without limit while a filter holds a
 * send with DELAY (the old code waited for jwsp's queue to drain, forever if nobody releases),
 * and WSPCloseSocket must not wait its 5 s for such a send. The FIN still follows every byte jwsp
 * accepted before the shutdown: it goes to the lower provider when the queue drains. Through
 * jwsp's proc table over the harness; the held send is released by its ticket.
 */
class ShutdownBehindHeldSendTest {

    private static final int WAIT_SECONDS = 10;

    @ParameterizedTest(name = "nonblocking = {0}")
    @ValueSource(booleans = {false, true})
    void shutdownBehindAHeldSend_returnsAtOnce_theFinFollowsTheReleasedBytes(boolean nonBlocking) throws Exception {
        AtomicLong ticket = new AtomicLong();
        SendFilter delayFirst = v -> ticket.compareAndSet(0, v.ticket()) ? SendFilter.DELAY : SendFilter.PASS;
        try (SendFixture f = new SendFixture(st -> st.withFilter(delayFirst)); Arena a = Arena.ofConfined()) {
            long s = f.stream(true);
            if (nonBlocking) {
                MemorySegment on = a.allocate(java.lang.foreign.ValueLayout.JAVA_INT, 1);
                assertEquals(0, f.c.ioctl(s, org.jwsp.bindings.windows.ws2spi_h.FIONBIO(), on, 4,
                        a.allocate(java.lang.foreign.ValueLayout.JAVA_INT)));
            }
            int peer = f.lowerOf().peerFd;
            MemorySegment ov = f.overlapped(true);
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("held")), 1, 0, ov));
            assertEquals(PENDING, f.errno(), "held by the filter");

            CompletableFuture<Integer> shut = CompletableFuture.supplyAsync(() -> f.c.shutdown(s, SD_SEND()),
                    r -> Thread.ofPlatform().daemon().start(r));
            try {
                assertEquals(0, shut.get(WAIT_SECONDS, TimeUnit.SECONDS), "WSPShutdown returns while the send is held");
            } finally {
                if (!shut.isDone()) {
                    f.c.closeSocket(s); // the old code: wake the stuck shutdown so the class can end
                }
            }
            assertEquals(0, PeerReader.readAvailable(peer).length, "nothing yet, and no FIN before the held bytes");
            assertEquals(-1L, linux_h.recv(peer, a.allocate(1), 1, linux_h.MSG_DONTWAIT()), "no EOF yet");

            assertTrue(LayeredProvider.releaseDelayed(ticket.get()));
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ov), WAIT_SECONDS * 1000, false));
            assertArrayEquals(new int[] {0, 4}, SendFixture.result(ov));
            assertEquals("held", new String(PeerReader.readExactly(peer, 4)));
            assertEquals(0L, linux_h.recv(peer, a.allocate(1), 1, linux_h.MSG_DONTWAIT()), "then the FIN");
        }
    }

    @Test
    void closeWithAHeldSend_abortsItAndDoesNotWait() throws Exception {
        AtomicLong ticket = new AtomicLong();
        SendFilter delayAll = v -> {
            ticket.set(v.ticket());
            return SendFilter.DELAY;
        };
        try (SendFixture f = new SendFixture(st -> st.withFilter(delayAll))) {
            long s = f.stream(true);
            MemorySegment ov = f.overlapped(true);
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("held")), 1, 0, ov));
            assertEquals(PENDING, f.errno());
            long started = System.nanoTime();
            assertEquals(0, f.c.closeSocket(s));
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ov), 0, false), "ended by the close");
            assertEquals(org.jwsp.bindings.windows.ws2spi_h.WSA_OPERATION_ABORTED(), SendFixture.result(ov)[0]);
            assertTrue(tookMillis < 2_000, "the close did not wait for the held send: " + tookMillis + " ms");
            assertFalse(LayeredProvider.releaseDelayed(ticket.get()), "nothing left to release");
        }
    }
}
