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
import org.jwsp.host.catalog.Ws2;
import org.jwsp.host.testing.Buffers;
import org.jwsp.host.testing.Pair;

/**
 * A blocking stream send returns when everything is sent, even when signals reach its thread
 * while it waits for room: Linux's {@code sendmsg} then returns a partial count, and a blocking
 * Winsock send must not. Found when the test order changed: {@code HostContractTest}'s 8 MiB
 * blocking send came back with 6 MiB.
 *
 * <p>The signal is SIGPIPE, sent with {@code pthread_kill} to the sending thread: HotSpot installs
 * a handler for it that ignores it (with {@code SA_RESTART}), so it interrupts the wait and does
 * nothing else. The sending thread stays alive until the last signal is sent.
 */
class SignalledBlockingSendTest {

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

    @Test
    void blockingSend_signalledWhileItWaits_sendsEverythingExactlyOnce() throws Throwable {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared(); Pair p = Pair.tcp(ws2, AF_INET(), 0, arena)) {
            MemorySegment data = Buffers.pattern(arena, SIZE, 7);
            // Uneven buffers, so a partial send ends inside one and the rest starts mid-buffer.
            MemorySegment bufs = Buffers.wsabuf(arena, data.asSlice(0, 1_000_003), data.asSlice(1_000_003, 3_333_331),
                    data.asSlice(4_333_334, 17), data.asSlice(4_333_351, SIZE - 4_333_351));
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            CompletableFuture<Long> self = new CompletableFuture<>();
            CountDownLatch lastSignalSent = new CountDownLatch(1);
            CompletableFuture<Integer> send = new CompletableFuture<>();
            Thread sender = Thread.ofPlatform().daemon().start(() -> {
                try {
                    self.complete((long) PTHREAD_SELF.invokeExact());
                    int rc = ws2.send(p.client(), bufs, 4, sent, 0, MemorySegment.NULL, MemorySegment.NULL);
                    send.complete(rc == 0 ? 0 : ws2.lastError());
                    ws2.shutdown(p.client(), SD_SEND()); // a short send must end the reader with EOF, not a hang
                    lastSignalSent.await(); // pthread_kill needs a live thread
                } catch (Throwable t) {
                    send.completeExceptionally(t);
                }
            });
            long target = self.get(10, TimeUnit.SECONDS);
            MemorySegment got = arena.allocate(SIZE, 8);
            int signals = 0;
            try {
                // Read slowly, one signal per chunk while the send is still in progress.
                for (int at = 0; at < SIZE; at += CHUNK) {
                    if (!send.isDone()) {
                        assertEquals(0, (int) PTHREAD_KILL.invokeExact(target, SIGPIPE));
                        signals++;
                    }
                    int from = at;
                    assertTrue(Buffers.receiveFully(ws2, p.server(), got.asSlice(at, Math.min(CHUNK, SIZE - at)), arena),
                            () -> "EOF or error at byte " + from + "; the send returned " + send.getNow(null) + " having sent "
                                    + sent.get(ValueLayout.JAVA_INT, 0));
                }
            } finally {
                lastSignalSent.countDown();
            }
            assertEquals(0, send.get(30, TimeUnit.SECONDS), "send: 0, or the WSAE code it failed with");
            assertEquals(SIZE, sent.get(ValueLayout.JAVA_INT, 0), "bytes sent by one blocking send");
            assertTrue(signals > 0, "the sender was signalled while sending");
            Buffers.assertPattern(got, 7);
            sender.join(10_000);
        }
    }
}
