package org.jwsp.host.kernel;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.bindings.windows.WSPUPCALLTABLE;
import org.jwsp.bindings.windows.LPWPUCLOSESOCKETHANDLE;
import org.jwsp.bindings.windows.LPWPUCREATESOCKETHANDLE;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.upcall.Ws2Exports;
import org.jwsp.host.upcall.Ws2UpcallTable;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * Posting to a host completion port without entering the kernel ({@link CompletionPortObject},
 * {@link PostedPackets}): a post is seen by every later dequeue in FIFO order (and in order of
 * arrival with the ring's own completions), wakes a thread
 * already asleep on the port (the window between the sleeper's last look and its {@code poll} is
 * held open by the port's sleep hook), enters the kernel only for that, and a post racing
 * {@code CloseHandle} is either dequeued or counted as discarded. Posts come through
 * {@link KernelPort#post} and through ws2_32's {@code WPUCompleteOverlappedRequest} called from a
 * pthread the JVM did not start.
 */
class PortPostingTest {

    static final ExecutorService THREADS = Executors.newCachedThreadPool(r -> Thread.ofPlatform().daemon().unstarted(r));
    private final LinuxKernelPort kernel = LinuxKernelPort.instance();

    @AfterEach
    void removeHook() {
        CompletionPortObject.setSleepHook(null);
    }

    /** A latch the hook counts down when a thread is asleep (about to poll) on {@code port}. */
    private static CountDownLatch asleepOn(CompletionPortObject port) {
        CountDownLatch asleep = new CountDownLatch(1);
        CompletionPortObject.setSleepHook(p -> {
            if (p == port) {
                asleep.countDown();
            }
        });
        return asleep;
    }

    @Test
    void aPostWakesAThreadAlreadyAsleepOnThePortWithOneDoorbell() throws Exception {
        long handle = kernel.createCompletionPort(0);
        CompletionPortObject port = kernel.port(handle);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(8, arena);
            CountDownLatch asleep = asleepOn(port);
            CompletableFuture<Integer> waiter = CompletableFuture.supplyAsync(
                    () -> kernel.dequeue(handle, entries, KernelPort.INFINITE, false), THREADS);
            assertTrue(asleep.await(10, TimeUnit.SECONDS), "the waiter never went to sleep");
            // the waiter has looked at the queue for the last time and counts as a sleeper: only the post can wake it
            assertTrue(kernel.post(handle, 5, 42, MemorySegment.NULL));
            assertEquals(1, waiter.get(10, TimeUnit.SECONDS), "a post must wake a thread asleep on the port");
            assertEquals(42, OVERLAPPED_ENTRY.lpCompletionKey(entries));
            assertEquals(5, OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(entries));
            assertEquals(1, port.cqesPublished(), "one doorbell NOP, nothing else entered the ring");
            assertEquals(0, port.sleepers());
        } finally {
            assertTrue(kernel.closeHandle(handle));
        }
    }

    @Test
    void postsWithNobodyAsleepEnterNoKernelAndOneDequeueTakesThemAllInOrder() {
        long handle = kernel.createCompletionPort(0);
        CompletionPortObject port = kernel.port(handle);
        int posted = 200;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ovs = OVERLAPPED.allocateArray(posted, arena);
            for (int i = 0; i < posted; i++) {
                assertTrue(kernel.post(handle, i, 1000 + i, OVERLAPPED.asSlice(ovs, i)));
            }
            assertEquals(0, port.cqesPublished(), "no waiter: no post entered the kernel");
            assertEquals(posted, port.queued());
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(posted + 8, arena);
            assertEquals(posted, kernel.dequeue(handle, entries, 0, false), "a zero-timeout dequeue sees every earlier post");
            for (int i = 0; i < posted; i++) {
                MemorySegment e = OVERLAPPED_ENTRY.asSlice(entries, i);
                assertEquals(1000 + i, OVERLAPPED_ENTRY.lpCompletionKey(e), "FIFO");
                assertEquals(i, OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(e));
                assertEquals(OVERLAPPED.asSlice(ovs, i).address(), OVERLAPPED_ENTRY.lpOverlapped(e).address());
            }
            assertEquals(KernelPort.DEQUEUE_TIMEOUT, kernel.dequeue(handle, entries, 0, false));
        } finally {
            assertTrue(kernel.closeHandle(handle));
        }
    }

    @Test
    void aReaperThatTakesTheDoorbellAndLeavesPacketsRingsItAgainForTheSleeper() throws Exception {
        long handle = kernel.createCompletionPort(0);
        CompletionPortObject port = kernel.port(handle);
        try (Arena arena = Arena.ofShared()) {
            CountDownLatch asleep = new CountDownLatch(1), go = new CountDownLatch(1);
            CompletionPortObject.setSleepHook(p -> {
                if (p == port && asleep.getCount() > 0) {
                    asleep.countDown();
                    try {
                        go.await(10, TimeUnit.SECONDS); // held between its last look and poll
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            MemorySegment sleeperEntries = OVERLAPPED_ENTRY.allocateArray(4, arena);
            CompletableFuture<Integer> sleeper = CompletableFuture.supplyAsync(
                    () -> kernel.dequeue(handle, sleeperEntries, KernelPort.INFINITE, false), THREADS);
            assertTrue(asleep.await(10, TimeUnit.SECONDS));
            assertTrue(kernel.post(handle, 0, 1, MemorySegment.NULL)); // rings: the CQ holds the doorbell after packet 1
            assertTrue(kernel.post(handle, 0, 2, MemorySegment.NULL)); // a doorbell is pending: no ring
            assertTrue(kernel.post(handle, 0, 3, MemorySegment.NULL));
            MemorySegment one = OVERLAPPED_ENTRY.allocate(arena);
            assertEquals(1, kernel.dequeue(handle, one, 0, false));
            assertEquals(1, OVERLAPPED_ENTRY.lpCompletionKey(one));
            // this reap takes the doorbell, then packet 2, and leaves packet 3 while the other thread sleeps
            assertEquals(1, kernel.dequeue(handle, one, 0, false));
            assertEquals(2, OVERLAPPED_ENTRY.lpCompletionKey(one));
            assertEquals(2, port.cqesPublished(), "the reaper rang again for the sleeper");
            go.countDown();
            assertEquals(1, sleeper.get(10, TimeUnit.SECONDS), "packet 3 was left with its only waiter asleep");
            assertEquals(3, OVERLAPPED_ENTRY.lpCompletionKey(sleeperEntries));
        } finally {
            assertTrue(kernel.closeHandle(handle));
        }
    }

    @Test
    void postsAndRingCompletionsLeaveThePortInTheOrderTheyArrived() throws Exception {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared()) {
            // two sockets: the base provider keeps one send in flight per socket, submitting the next at the reap
            List<Pair> pairs = List.of(Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena),
                    Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena));
            long handle = kernel.createCompletionPort(0);
            CompletionPortObject port = kernel.port(handle);
            try {
                MemorySegment buffer = Buffers.wsabuf(arena, arena.allocate(64));
                MemorySegment ovs = OVERLAPPED.allocateArray(2, arena);
                // a send completes (a CQE of the ring), then a post, then the other send, then a post
                for (int i = 0; i < 2; i++) {
                    long client = pairs.get(i).client();
                    kernel.associate(handle, client, 10 + i);
                    int rc = ws2.send(client, buffer, 1, MemorySegment.NULL, 0, OVERLAPPED.asSlice(ovs, i), MemorySegment.NULL);
                    assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING(), "send " + i + ": " + ws2.lastError());
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    // the send's completion has arrived (a CQE in the ring, or a posted packet if it completed at once)
                    while (port.cqesPublished() + port.queued() < 2 * i + 1) {
                        assertTrue(System.nanoTime() < deadline, "send " + i + " never completed");
                        Thread.onSpinWait();
                    }
                    assertTrue(kernel.post(handle, 0, 100 + i, MemorySegment.NULL));
                }
                MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(8, arena);
                assertEquals(4, kernel.dequeue(handle, entries, 0, false));
                List<Long> keys = new ArrayList<>();
                for (int j = 0; j < 4; j++) {
                    keys.add(OVERLAPPED_ENTRY.lpCompletionKey(OVERLAPPED_ENTRY.asSlice(entries, j)));
                }
                assertEquals(List.of(10L, 100L, 11L, 101L), keys, "one FIFO of arrival: send, post, send, post");
                assertEquals(OVERLAPPED.asSlice(ovs, 1).address(),
                        OVERLAPPED_ENTRY.lpOverlapped(OVERLAPPED_ENTRY.asSlice(entries, 2)).address());
            } finally {
                pairs.forEach(Pair::close);
                assertTrue(kernel.closeHandle(handle));
            }
        }
    }

    @Test
    void postsRacingCloseAreEitherDequeuedOrCountedDiscarded() throws Exception {
        long handle = kernel.createCompletionPort(0);
        CompletionPortObject port = kernel.port(handle);
        int posters = 3;
        CountDownLatch flowing = new CountDownLatch(1000);
        List<Long> dequeued = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(16, arena);
            CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                for (int n; (n = kernel.dequeue(handle, entries, KernelPort.INFINITE, false)) > 0; ) {
                    for (int j = 0; j < n; j++) {
                        dequeued.add(OVERLAPPED_ENTRY.lpCompletionKey(OVERLAPPED_ENTRY.asSlice(entries, j)));
                        flowing.countDown();
                    }
                }
            }, THREADS);
            List<CompletableFuture<Integer>> accepted = new ArrayList<>();
            for (int p = 0; p < posters; p++) {
                long base = (long) p << 32;
                accepted.add(CompletableFuture.supplyAsync(() -> {
                    int i = 0;
                    while (kernel.post(handle, 0, base | i, MemorySegment.NULL)) {
                        i++;
                    }
                    return i;
                }, THREADS));
            }
            assertTrue(flowing.await(20, TimeUnit.SECONDS));
            assertTrue(kernel.closeHandle(handle));
            int total = 0;
            for (CompletableFuture<Integer> a : accepted) {
                total += a.get(20, TimeUnit.SECONDS);
            }
            reader.get(20, TimeUnit.SECONDS);
            assertEquals(total, dequeued.size() + port.discarded(), "a post that returned true was lost");
            Set<Long> unique = new HashSet<>(dequeued);
            assertEquals(dequeued.size(), unique.size(), "a packet dequeued twice");
            long[] next = new long[posters];
            for (long key : dequeued) {
                int p = (int) (key >>> 32);
                assertEquals(next[p]++, key & 0xFFFF_FFFFL, "poster " + p + "'s packets out of order");
            }
        }
    }

    @Test
    void wpuCompleteOverlappedRequestFromAPthreadWakesAJavaThreadAsleepOnThePort() throws Throwable {
        Path library = compileNativeClients();
        Ws2Exports.register();
        MemorySegment upcalls = Ws2UpcallTable.table();
        int count = 100;
        try (Arena arena = Arena.ofShared()) {
            MethodHandle completeInOrder = Linker.nativeLinker().downcallHandle(
                    SymbolLookup.libraryLookup(library, arena).findOrThrow("native_clients_complete_in_order"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            long s = LPWPUCREATESOCKETHANDLE.invoke(WSPUPCALLTABLE.lpWPUCreateSocketHandle(upcalls), 1, 0, err);
            assertNotEquals(INVALID_SOCKET(), s);
            long handle = kernel.createCompletionPort(0);
            CompletionPortObject port = kernel.port(handle);
            try {
                kernel.associate(handle, s, 77);
                MemorySegment ovs = OVERLAPPED.allocateArray(count, arena);
                MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(count, arena);
                CountDownLatch asleep = asleepOn(port);
                CompletableFuture<List<Long>> waiter = CompletableFuture.supplyAsync(() -> {
                    List<Long> got = new ArrayList<>();
                    while (got.size() < count) {
                        int n = kernel.dequeue(handle, entries, KernelPort.INFINITE, false); // only a post can wake it
                        if (n <= 0) {
                            break;
                        }
                        for (int j = 0; j < n; j++) {
                            MemorySegment e = OVERLAPPED_ENTRY.asSlice(entries, j);
                            assertEquals(77, OVERLAPPED_ENTRY.lpCompletionKey(e));
                            got.add(OVERLAPPED_ENTRY.lpOverlapped(e).address());
                            assertEquals(got.size() - 1, OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(e));
                        }
                    }
                    return got;
                }, THREADS);
                assertTrue(asleep.await(10, TimeUnit.SECONDS));
                MemorySegment complete = kernel.procAddress(Ws2Exports.MODULE, "WPUCompleteOverlappedRequest");
                assertNotNull(complete);
                assertEquals(0, (int) completeInOrder.invokeExact(complete, s, ovs, count));
                List<Long> got = waiter.get(20, TimeUnit.SECONDS);
                assertEquals(count, got.size());
                for (int i = 0; i < count; i++) {
                    assertEquals(OVERLAPPED.asSlice(ovs, i).address(), got.get(i), "FIFO");
                    assertEquals(0, OVERLAPPED.Internal(OVERLAPPED.asSlice(ovs, i)));
                }
            } finally {
                assertTrue(kernel.closeHandle(handle));
                LPWPUCLOSESOCKETHANDLE.invoke(WSPUPCALLTABLE.lpWPUCloseSocketHandle(upcalls), s, err);
            }
        }
    }

    private static Path compileNativeClients() throws Exception {
        Path source = Path.of("src/test/c/host/native_clients.c").toAbsolutePath();
        Path library = Path.of("target/libhost_native_posts.so").toAbsolutePath();
        Files.createDirectories(library.getParent());
        Process gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O2", "-Wall", "-o", library.toString(),
                source.toString(), "-lpthread").redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes());
        assertTrue(gcc.waitFor(60, TimeUnit.SECONDS), "gcc timed out");
        assertEquals(0, gcc.exitValue(), "gcc: " + out);
        assertFalse(out.contains("warning"), out);
        return library;
    }
}
