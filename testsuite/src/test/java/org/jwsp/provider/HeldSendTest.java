package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.host.ws2.SockAddr;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * A <em>hold</em> ({@link SubmissionQueue}, "Holding"; {@link HoldRule}): after a lower send the
 * kernel took at once, later sends wait until jwsp's worker takes the hold's own packet from
 * jwsp's port, then go down as one merged send. The sends a held lower send carried are finished
 * and delivered by the thread that issued it, at once: a program's window frees as soon as the
 * kernel took the bytes, not one trip through jwsp's port later. Over the real host, through
 * ws2_32's entries into jwsp's WSPPROC_TABLE; the worker is held before it ends a hold by a latch
 * in {@link CompletionPort}'s test hook.
 */
class HeldSendTest {

    private static final int WAIT = 10_000;

    @AfterEach
    void noHooks() {
        CompletionPort.injectBeforeHoldEnded(null);
        LowerIssue.injectAroundLowerCall(null, null);
    }

    /** Stops jwsp's worker before it ends the first {@code holds} holds, each until {@link #release}. */
    private static final class HoldGate {
        final List<Long> keys = new CopyOnWriteArrayList<>();
        final CountDownLatch[] entered;
        final CountDownLatch[] released;

        HoldGate(int holds) {
            entered = new CountDownLatch[holds];
            released = new CountDownLatch[holds];
            for (int i = 0; i < holds; i++) {
                entered[i] = new CountDownLatch(1);
                released[i] = new CountDownLatch(1);
            }
        }

        void enter(long key) {
            int n = keys.size();
            keys.add(key);
            if (n < entered.length) {
                entered[n].countDown();
                try {
                    released[n].await(WAIT, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        void awaitEntered(int hold) throws InterruptedException {
            assertTrue(entered[hold].await(WAIT, TimeUnit.MILLISECONDS), "the worker takes hold " + hold + "'s packet");
        }

        void release(int hold) {
            released[hold].countDown();
        }

        void releaseAll() {
            for (CountDownLatch l : released) {
                l.countDown();
            }
        }
    }

    /** A test body over the real host: a connected pair whose client is associated with {@code port} (key 5). */
    @FunctionalInterface
    private interface PairOnAPort {
        void run(Ws2 ws2, Pair p, KernelPort kernel, long port, Arena arena) throws Exception;
    }

    /**
     * Runs {@code body} over the real host with {@code gate} as the worker's hook before it ends a
     * hold; every latch of the gate is released afterwards, pass or fail, before the port closes.
     */
    private static void overAHeldPair(HoldGate gate, PairOnAPort body) throws Exception {
        CompletionPort.injectBeforeHoldEnded(gate::enter);
        try {
            OverTheHost.run(settings -> settings, (ws2, installed, arena) -> {
                try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                    KernelPort kernel = ws2.kernel();
                    long port = kernel.createCompletionPort(0);
                    try {
                        kernel.associate(port, p.client(), 5);
                        body.run(ws2, p, kernel, port, arena);
                    } finally {
                        gate.releaseAll();
                        kernel.closeHandle(port);
                    }
                }
            });
        } finally {
            gate.releaseAll();
        }
    }

    /** One overlapped send of {@code size} pattern bytes seeded {@code seed}: 0, or the WSA error. */
    private static int send(Ws2 ws2, long s, int seed, int size, MemorySegment ov, Arena arena) {
        MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
        int rc = ws2.send(s, Buffers.wsabuf(arena, Buffers.pattern(arena, size, seed)), 1, sent, 0, ov, MemorySegment.NULL);
        return rc == 0 ? 0 : ws2.lastError();
    }

    /**
     * Sends one at a time, each completed before the next, until one is answered WSA_IO_PENDING:
     * it waits behind a hold (a probe, {@link HoldRule#PROBE_EVERY}), whose end {@code gate}
     * keeps the worker from. Returns how many sends completed at once before it.
     */
    private static int sendUntilOneWaitsBehindAHold(Ws2 ws2, long s, long port, MemorySegment ov, Arena arena, int size) {
        KernelPort kernel = ws2.kernel();
        for (int i = 0; i < 4 * HoldRule.PROBE_EVERY; i++) {
            ov.fill((byte) 0);
            int rc = send(ws2, s, i, size, ov, arena);
            if (rc == WSA_IO_PENDING()) {
                return i;
            }
            assertEquals(0, rc, "send " + i);
            assertArrayEquals(new long[] {ov.address(), size}, PortPackets.take(kernel, port, 1, arena).getFirst(), "send " + i + "'s packet");
        }
        throw new AssertionError("no send waited behind a hold in " + 4 * HoldRule.PROBE_EVERY + " sends at once");
    }

    private static void assertReads(Ws2 ws2, long s, Arena arena, int firstSeed, int sends, int size) {
        MemorySegment got = arena.allocate((long) sends * size);
        assertTrue(Buffers.receiveFully(ws2, s, got, arena), "the peer reads every byte");
        for (int i = 0; i < sends; i++) {
            Buffers.assertPattern(got.asSlice((long) i * size, size), firstSeed + i);
        }
    }

    /**
     * Three sends wait behind a hold and go down as one merged send the kernel takes at once:
     * their three packets are on the program's port while the worker has not yet taken the packet
     * of the hold that merged send starts (before, they came only after it). A fourth send then
     * waits behind that hold and completes once it ends; every byte reaches the peer once, in order.
     */
    @Test
    void aMergedSendTheKernelTookAtOnceIsDeliveredBeforeItsHoldEnds() throws Exception {
        HoldGate gate = new HoldGate(2);
        List<Integer> carried = new CopyOnWriteArrayList<>();
        LowerIssue.injectAroundLowerCall(r -> carried.add(r.socket.queue.issue.direct ? 1 : r.socket.queue.issue.members), null);
        overAHeldPair(gate, (ws2, p, kernel, port, arena) -> {
            int size = 64;
            MemorySegment first = arena.allocate(OVERLAPPED.layout());
            int atOnce = sendUntilOneWaitsBehindAHold(ws2, p.client(), port, first, arena, size);
            gate.awaitEntered(0);
            MemorySegment[] ovs = {first, arena.allocate(OVERLAPPED.layout()), arena.allocate(OVERLAPPED.layout()),
                    arena.allocate(OVERLAPPED.layout())};
            for (int i = 1; i < 3; i++) {
                assertEquals(WSA_IO_PENDING(), send(ws2, p.client(), atOnce + i, size, ovs[i], arena), "waits behind the hold");
            }
            gate.release(0);
            gate.awaitEntered(1); // the merged send went down at once and started a hold of its own
            assertEquals(3, carried.getLast(), "the three waiting sends went down as one lower send");
            List<long[]> got = PortPackets.take(kernel, port, 3, arena);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(new long[] {ovs[i].address(), size}, got.get(i), "completion " + i + ", before its hold ended");
            }
            assertEquals(WSA_IO_PENDING(), send(ws2, p.client(), atOnce + 3, size, ovs[3], arena), "waits behind the new hold");
            gate.release(1);
            assertArrayEquals(new long[] {ovs[3].address(), size}, PortPackets.take(kernel, port, 1, arena).getFirst());
            assertEquals(List.of(gate.keys.get(0), gate.keys.get(0)), gate.keys.subList(0, 2), "both holds were this socket's");
            assertReads(ws2, p.server(), arena, 0, atOnce + 4, size);
        });
    }

    /**
     * A socket closed while held: the sends waiting behind the hold complete once each with
     * WSA_OPERATION_ABORTED, the hold's packet, taken after the close, ends nothing, and a socket
     * that reuses the closed one's slot (a new context value) sends and completes as any other:
     * it is not held by the old socket's hold.
     */
    @Test
    void aSocketClosedWhileHeld_abortsWhatWaited_andItsSlotsNextSocketIsNotHeld() throws Exception {
        HoldGate gate = new HoldGate(1);
        AtomicInteger lastSlot = new AtomicInteger(-1);
        LowerIssue.injectAroundLowerCall(r -> lastSlot.set(r.socket.slot), null);
        overAHeldPair(gate, (ws2, p, kernel, port, arena) -> {
            MemorySegment first = arena.allocate(OVERLAPPED.layout());
            sendUntilOneWaitsBehindAHold(ws2, p.client(), port, first, arena, 64);
            gate.awaitEntered(0);
            int heldSlot = lastSlot.get();
            MemorySegment second = arena.allocate(OVERLAPPED.layout());
            assertEquals(WSA_IO_PENDING(), send(ws2, p.client(), 1, 64, second, arena));
            assertEquals(0, ws2.closesocket(p.client()), () -> "closesocket: " + ws2.lastError());
            List<long[]> got = PortPackets.take(kernel, port, 2, arena);
            assertArrayEquals(new long[] {first.address(), 0}, got.get(0));
            assertArrayEquals(new long[] {second.address(), 0}, got.get(1));
            assertEquals(WSA_OPERATION_ABORTED(), (int) OVERLAPPED.Internal(first));
            assertEquals(WSA_OPERATION_ABORTED(), (int) OVERLAPPED.Internal(second));

            // The next socket takes the closed one's slot; then the worker takes the old hold's packet.
            long c = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            MemorySegment bound = SockAddr.loopback(AF_INET(), 0, arena);
            MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, SockAddr.size(AF_INET()));
            assertEquals(0, ws2.getsockname(p.listener(), bound, len));
            assertEquals(0, ws2.connect(c, bound, SockAddr.size(AF_INET())), () -> "connect: " + ws2.lastError());
            long s = ws2.accept(p.listener(), MemorySegment.NULL, MemorySegment.NULL);
            try {
                long newPort = kernel.createCompletionPort(0);
                try {
                    kernel.associate(newPort, c, 6);
                    gate.release(0);
                    MemorySegment ov = arena.allocate(OVERLAPPED.layout());
                    int rc = send(ws2, c, 7, 100, ov, arena);
                    assertEquals(heldSlot, lastSlot.get(), "the new socket reuses the held one's slot");
                    assertTrue(rc == 0 || rc == WSA_IO_PENDING(), "send: " + rc);
                    assertArrayEquals(new long[] {ov.address(), 100}, PortPackets.take(kernel, newPort, 1, arena).getFirst());
                    assertReads(ws2, s, arena, 7, 1, 100);
                } finally {
                    kernel.closeHandle(newPort);
                }
            } finally {
                ws2.closesocket(c);
                ws2.closesocket(s);
            }
        });
    }
}
