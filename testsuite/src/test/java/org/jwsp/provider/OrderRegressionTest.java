package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.FIONBIO;
import static org.jwsp.bindings.windows.ws2spi_h.WSAEWOULDBLOCK;
import static org.jwsp.provider.SendFixture.PENDING;
import static org.jwsp.provider.SendFixture.SOCKET_ERROR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jwsp.kernel.KernelPort;
import org.jwsp.testkit.FakeLowerProvider.Answer;
import org.jwsp.testkit.FakeLowerProvider.LowerSocket;
import org.jwsp.testkit.PeerReader;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, defect 12: the ordering and capture sentences the earlier tests could not catch.
 * The capture test of WspSendContractTest handed its send straight to the (fake) lower provider,
 * which copies the array of an operation it holds, so it passed a jwsp that captures nothing;
 * here the send waits in jwsp's own queue when its caller poisons the array. A synchronous send
 * must not overtake overlapped sends jwsp still queues: blocking, it waits (held there until the
 * test completes the one in flight); nonblocking, it answers WSAEWOULDBLOCK.
 */
class OrderRegressionTest {

    private static final int WAIT = 5_000;

    @Test
    void aSendQueuedInJwsp_itsWsabufArrayIsJwspsCopy_theCallerMayPoisonItAtOnce() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            LowerSocket lower = f.lowerOf();
            f.c.lower.answer(lower, Answer.PENDING, 0);
            MemorySegment first = f.overlapped(true);
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("A")), 1, 0, first));
            MemorySegment array = f.bufs(f.data("hello "), f.data("world"));
            MemorySegment queued = f.overlapped(true);
            assertEquals(SOCKET_ERROR, f.send(s, array, 2, 0, queued));
            assertEquals(PENDING, f.errno());
            assertEquals(1, lower.sendCalls.get(), "the second send waits in jwsp, the lower provider has not seen it");
            array.fill((byte) 0xA5); // the application reuses its stack array at once
            f.c.lower.answer(lower, Answer.IMMEDIATE, 0);
            assertEquals(1, f.c.lower.completePending(lower));
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(queued), WAIT, false));
            assertEquals("Ahello world", new String(PeerReader.readExactly(lower.peerFd, 12), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void aBlockingSynchronousSend_waitsBehindQueuedOverlappedSends() throws Exception {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            LowerSocket lower = f.lowerOf();
            f.c.lower.answer(lower, Answer.PENDING, 0);
            MemorySegment a = f.overlapped(true);
            MemorySegment b = f.overlapped(true);
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("A")), 1, 0, a));
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("B")), 1, 0, b));
            MemorySegment c = f.bufs(f.data("C"));
            MemorySegment sent = f.arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment errno = f.arena.allocate(ValueLayout.JAVA_INT);
            Thread[] caller = new Thread[1];
            CompletableFuture<Integer> sync = new CompletableFuture<>();
            caller[0] = Thread.ofPlatform().daemon().start(() -> sync.complete(
                    f.c.send(s, c, 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, errno)));
            // Held: the synchronous send waits on the socket for jwsp's queue (no limit: WAITING).
            while (caller[0].getState() != Thread.State.WAITING && !sync.isDone()) {
                Thread.onSpinWait();
            }
            assertFalse(sync.isDone(), "the synchronous send did not overtake A and B");
            assertEquals(1, lower.sendCalls.get(), "only A reached the lower provider");
            f.c.lower.answer(lower, Answer.IMMEDIATE, 0);
            assertEquals(1, f.c.lower.completePending(lower)); // A; jwsp then issues B, at once
            assertEquals(0, sync.get(WAIT, TimeUnit.MILLISECONDS));
            assertEquals(1, sent.get(ValueLayout.JAVA_INT, 0));
            assertEquals("ABC", new String(PeerReader.readExactly(lower.peerFd, 3), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void aNonblockingSynchronousSend_behindQueuedOverlappedSends_wsaeWouldBlock() {
        try (SendFixture f = new SendFixture(); Arena arena = Arena.ofConfined()) {
            long s = f.stream(true);
            LowerSocket lower = f.lowerOf();
            assertEquals(0, f.c.ioctl(s, FIONBIO(), arena.allocateFrom(ValueLayout.JAVA_INT, 1), 4, arena.allocate(ValueLayout.JAVA_INT)));
            f.c.lower.answer(lower, Answer.PENDING, 0);
            MemorySegment a = f.overlapped(true);
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("A")), 1, 0, a));
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("C")), 1, 0, MemorySegment.NULL));
            assertEquals(WSAEWOULDBLOCK(), f.errno());
            assertEquals(1, lower.sendCalls.get(), "nothing overtook A");
            f.c.lower.answer(lower, Answer.IMMEDIATE, 0);
            assertEquals(1, f.c.lower.completePending(lower));
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(a), WAIT, false));
            assertEquals("A", new String(PeerReader.readExactly(lower.peerFd, 1), StandardCharsets.US_ASCII));
        }
    }
}
