package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * A blocking stream send returns when everything is sent, and a blocking {@code MSG_WAITALL}
 * receive when its buffers are full, even when signals reach the thread while it waits: Linux
 * then returns a partial count, Winsock does not. Found when the test order changed:
 * {@code HostContractTest}'s 8 MiB blocking send came back with 6 MiB.
 *
 * <p>The signal is SIGPIPE, sent with {@code pthread_kill} to the waiting thread: HotSpot installs
 * a handler for it that ignores it (with {@code SA_RESTART}), so it interrupts the wait and does
 * nothing else. The waiting thread stays alive until the last signal is sent. One signal goes
 * out per 64 KiB the other side moves, so many land while the call waits.
 */
class SignalledBlockingTransferTest {

    /** SIGPIPE on Linux (asm-generic/signal.h); the bindings do not carry signal numbers. */
    private static final int SIGPIPE = 13;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle PTHREAD_SELF = LINKER.downcallHandle(
            LINKER.defaultLookup().find("pthread_self").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_LONG));
    private static final MethodHandle PTHREAD_KILL = LINKER.downcallHandle(
            LINKER.defaultLookup().find("pthread_kill").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    private static final int SIZE = 8 << 20;
    private static final int CHUNK = 64 << 10;

    /** A blocking call on its own thread, which can be signalled until {@link #release}. */
    private static final class Waiter {
        final CompletableFuture<Long> pthread = new CompletableFuture<>();
        final CompletableFuture<Integer> result = new CompletableFuture<>();
        final CountDownLatch lastSignalSent = new CountDownLatch(1);
        final Thread thread;
        int signals;

        /** {@code call} returns 0 or a WSAE code; {@code after} runs once it returned (before the thread waits to end). */
        Waiter(java.util.function.IntSupplier call, Runnable after) {
            thread = Thread.ofPlatform().daemon().start(() -> {
                try {
                    pthread.complete((long) PTHREAD_SELF.invokeExact());
                    result.complete(call.getAsInt());
                    after.run();
                    lastSignalSent.await(); // pthread_kill needs a live thread
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
        }

        void signalIfStillWaiting() throws Throwable {
            if (!result.isDone()) {
                long target = pthread.get(10, TimeUnit.SECONDS);
                assertEquals(0, (int) PTHREAD_KILL.invokeExact(target, SIGPIPE));
                signals++;
            }
        }

        void release() throws InterruptedException {
            lastSignalSent.countDown();
            thread.join(10_000);
        }
    }

    /** Small socket buffers, so that moving 8 MiB makes the blocking call wait many times. */
    private static void smallBuffers(Ws2 ws2, Pair p, Arena arena) {
        MemorySegment size = arena.allocateFrom(ValueLayout.JAVA_INT, 64 << 10);
        assertEquals(0, ws2.setsockopt(p.client(), SOL_SOCKET(), SO_SNDBUF(), size, 4));
        assertEquals(0, ws2.setsockopt(p.server(), SOL_SOCKET(), SO_RCVBUF(), size, 4));
    }

    /** Uneven buffers over {@code data}, so a partial call ends inside one and the rest starts mid-buffer. */
    private static MemorySegment unevenBuffers(Arena arena, MemorySegment data) {
        return Buffers.wsabuf(arena, data.asSlice(0, 1_000_003), data.asSlice(1_000_003, 3_333_331),
                data.asSlice(4_333_334, 17), data.asSlice(4_333_351, SIZE - 4_333_351));
    }

    @Test
    void blockingSend_signalledWhileItWaits_sendsEverythingExactlyOnce() throws Throwable {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared(); Pair p = Pair.tcp(ws2, AF_INET(), 0, arena)) {
            smallBuffers(ws2, p, arena);
            MemorySegment bufs = unevenBuffers(arena, Buffers.pattern(arena, SIZE, 7));
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            Waiter sender = new Waiter(() -> ws2.send(p.client(), bufs, 4, sent, 0, MemorySegment.NULL, MemorySegment.NULL) == 0
                    ? 0 : ws2.lastError(),
                    () -> ws2.shutdown(p.client(), SD_SEND())); // a short send must end the reader with EOF, not a hang
            MemorySegment got = arena.allocate(SIZE, 8);
            try {
                for (int at = 0; at < SIZE; at += CHUNK) {
                    sender.signalIfStillWaiting();
                    int from = at;
                    assertTrue(Buffers.receiveFully(ws2, p.server(), got.asSlice(at, Math.min(CHUNK, SIZE - at)), arena),
                            () -> "EOF or error at byte " + from + "; the send returned " + sender.result.getNow(null)
                                    + " having sent " + sent.get(ValueLayout.JAVA_INT, 0));
                }
            } finally {
                sender.release();
            }
            assertEquals(0, sender.result.get(30, TimeUnit.SECONDS), "send: 0, or the WSAE code it failed with");
            assertEquals(SIZE, sent.get(ValueLayout.JAVA_INT, 0), "bytes sent by one blocking send");
            assertTrue(sender.signals > 0, "the sender was signalled while sending");
            Buffers.assertPattern(got, 7);
        }
    }

    @Test
    void blockingWaitAllReceive_signalledWhileItWaits_fillsEveryBuffer() throws Throwable {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared(); Pair p = Pair.tcp(ws2, AF_INET(), 0, arena)) {
            smallBuffers(ws2, p, arena);
            MemorySegment data = Buffers.pattern(arena, SIZE, 9);
            MemorySegment got = arena.allocate(SIZE, 8);
            MemorySegment bufs = unevenBuffers(arena, got);
            MemorySegment received = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment flags = arena.allocateFrom(ValueLayout.JAVA_INT, MSG_WAITALL());
            MemorySegment rest = arena.allocate(SIZE, 8);
            Waiter receiver = new Waiter(() -> ws2.recv(p.server(), bufs, 4, received, flags, MemorySegment.NULL, MemorySegment.NULL) == 0
                    ? 0 : ws2.lastError(),
                    () -> { // a short receive must not leave the sender blocked: take what is left
                        int n = received.get(ValueLayout.JAVA_INT, 0);
                        if (n < SIZE) {
                            Buffers.receiveFully(ws2, p.server(), rest.asSlice(0, SIZE - n), arena);
                        }
                    });
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            try {
                for (int at = 0; at < SIZE; at += CHUNK) {
                    receiver.signalIfStillWaiting();
                    MemorySegment chunk = Buffers.wsabuf(arena, data.asSlice(at, Math.min(CHUNK, SIZE - at)));
                    assertEquals(0, ws2.send(p.client(), chunk, 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL));
                }
            } finally {
                receiver.release();
            }
            assertEquals(0, receiver.result.get(30, TimeUnit.SECONDS), "recv: 0, or the WSAE code it failed with");
            assertEquals(SIZE, received.get(ValueLayout.JAVA_INT, 0), "bytes of one blocking MSG_WAITALL receive");
            assertTrue(receiver.signals > 0, "the receiver was signalled while receiving");
            Buffers.assertPattern(got, 9);
        }
    }
}
