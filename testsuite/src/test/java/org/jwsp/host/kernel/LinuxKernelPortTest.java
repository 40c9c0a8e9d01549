package org.jwsp.host.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.LPWSAUSERAPC;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.testkit.Leaks;
import org.jwsp.kernel.KernelPort;

/** The Linux kernel port through {@link KernelPort#system()}, the way the provider reaches it. */
class LinuxKernelPortTest {

    /** Waiters block in native waits: they get their own threads, never the common pool's. */
    static final ExecutorService THREADS = Executors.newCachedThreadPool(r -> Thread.ofPlatform().daemon().unstarted(r));

    private final KernelPort kernel = KernelPort.system();

    @Test
    void systemPortOnLinuxIsTheHostOne() {
        assertTrue(kernel instanceof LinuxKernelPort);
    }

    @Test
    void postedPacketsDequeueInBatchesInOrder() {
        long port = kernel.createCompletionPort(0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ovs = OVERLAPPED.allocateArray(10, arena);
            for (int i = 0; i < 10; i++) {
                assertTrue(kernel.post(port, 100 + i, 7000 + i, OVERLAPPED.asSlice(ovs, i)));
            }
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(4, arena);
            int seen = 0;
            for (int expect : new int[] {4, 4, 2}) {
                assertEquals(expect, kernel.dequeue(port, entries, 1000, false));
                for (int j = 0; j < expect; j++, seen++) {
                    MemorySegment e = OVERLAPPED_ENTRY.asSlice(entries, j);
                    assertEquals(7000 + seen, OVERLAPPED_ENTRY.lpCompletionKey(e));
                    assertEquals(100 + seen, OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(e));
                    assertEquals(OVERLAPPED.asSlice(ovs, seen).address(), OVERLAPPED_ENTRY.lpOverlapped(e).address());
                }
            }
            assertEquals(KernelPort.DEQUEUE_TIMEOUT, kernel.dequeue(port, entries, 0, false));
        } finally {
            assertTrue(kernel.closeHandle(port));
        }
    }

    @Test
    void aPortHoldsMorePacketsThanItsCompletionRing() {
        long port = kernel.createCompletionPort(0);
        int posted = 10_000; // more than the CQ ring's 4096 slots, and the posted queue grows 64 -> 16384 on the way
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < posted; i++) {
                assertTrue(kernel.post(port, i, i, MemorySegment.NULL), "post " + i);
            }
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(512, arena);
            int seen = 0;
            while (seen < posted) {
                int n = kernel.dequeue(port, entries, 1000, false);
                assertTrue(n > 0, "dequeue after " + seen + ": " + n);
                for (int j = 0; j < n; j++, seen++) {
                    assertEquals(seen, OVERLAPPED_ENTRY.lpCompletionKey(OVERLAPPED_ENTRY.asSlice(entries, j)), "FIFO");
                }
            }
            assertEquals(KernelPort.DEQUEUE_TIMEOUT, kernel.dequeue(port, entries, 0, false));
        } finally {
            kernel.closeHandle(port);
        }
    }

    @Test
    void manyThreadsDequeuingOnePortGetEveryPacketExactlyOnce() throws Exception {
        long port = kernel.createCompletionPort(0);
        int posted = 20_000;
        int workers = 4;
        java.util.BitSet seen = new java.util.BitSet(posted);
        try (Arena arena = Arena.ofShared()) {
            List<CompletableFuture<Integer>> done = new java.util.ArrayList<>();
            for (int w = 0; w < workers; w++) {
                MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(16, arena);
                done.add(CompletableFuture.supplyAsync(() -> {
                    int mine = 0;
                    for (int n; (n = kernel.dequeue(port, entries, KernelPort.INFINITE, false)) > 0; ) {
                        for (int j = 0; j < n; j++) {
                            long key = OVERLAPPED_ENTRY.lpCompletionKey(OVERLAPPED_ENTRY.asSlice(entries, j));
                            synchronized (seen) {
                                assertFalse(seen.get((int) key), "packet " + key + " twice");
                                seen.set((int) key);
                            }
                        }
                        mine += n;
                    }
                    return mine;
                }, THREADS));
            }
            CompletableFuture<Void> posters = CompletableFuture.allOf(
                    CompletableFuture.runAsync(() -> { for (int i = 0; i < posted; i += 2) kernel.post(port, 0, i, MemorySegment.NULL); }, THREADS),
                    CompletableFuture.runAsync(() -> { for (int i = 1; i < posted; i += 2) kernel.post(port, 0, i, MemorySegment.NULL); }, THREADS));
            posters.get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() < deadline) {
                synchronized (seen) {
                    if (seen.cardinality() == posted) {
                        break;
                    }
                }
                kernel.sleep(1, false);
            }
            assertTrue(kernel.closeHandle(port)); // wakes the workers with DEQUEUE_CLOSED
            int total = 0;
            for (CompletableFuture<Integer> d : done) {
                total += d.get(10, TimeUnit.SECONDS);
            }
            assertEquals(posted, total);
            assertEquals(posted, seen.cardinality());
        }
    }

    @Test
    void dequeueTimesOutAfterTheTimeout() {
        long port = kernel.createCompletionPort(0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(8, arena);
            long t0 = System.nanoTime();
            assertEquals(KernelPort.DEQUEUE_TIMEOUT, kernel.dequeue(port, entries, 60, false));
            assertTrue(System.nanoTime() - t0 >= 60_000_000L);
        } finally {
            kernel.closeHandle(port);
        }
    }

    @Test
    void aBlockedDequeueWakesOnAPostFromAnotherThread() throws Exception {
        long port = kernel.createCompletionPort(0);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(8, arena);
            CompletableFuture<Integer> waiter = CompletableFuture.supplyAsync(
                    () -> kernel.dequeue(port, entries, KernelPort.INFINITE, false), THREADS);
            assertTrue(kernel.post(port, 5, 42, MemorySegment.NULL));
            assertEquals(1, waiter.get(5, TimeUnit.SECONDS));
            assertEquals(42, OVERLAPPED_ENTRY.lpCompletionKey(entries));
        } finally {
            kernel.closeHandle(port);
        }
    }

    @Test
    void closingAPortWakesItsWaitersWithClosed() throws Exception {
        long port = kernel.createCompletionPort(0);
        try (Arena arena = Arena.ofShared()) {
            CountDownLatch started = new CountDownLatch(2);
            List<CompletableFuture<Integer>> waiters = List.of(1, 2).stream().map(i -> CompletableFuture.supplyAsync(() -> {
                started.countDown();
                return kernel.dequeue(port, OVERLAPPED_ENTRY.allocateArray(2, arena), KernelPort.INFINITE, false);
            }, THREADS)).toList();
            assertTrue(started.await(5, TimeUnit.SECONDS));
            assertTrue(kernel.closeHandle(port));
            for (CompletableFuture<Integer> w : waiters) {
                assertEquals(KernelPort.DEQUEUE_CLOSED, w.get(5, TimeUnit.SECONDS));
            }
            assertFalse(kernel.closeHandle(port), "double close");
            assertFalse(kernel.post(port, 1, 1, MemorySegment.NULL));
            assertEquals(KernelPort.DEQUEUE_CLOSED, kernel.dequeue(port, OVERLAPPED_ENTRY.allocateArray(2, arena), 0, false));
        }
    }

    @Test
    void manualResetEventStaysSignalledUntilReset() {
        long ev = kernel.createEvent(true, false);
        try {
            assertEquals(KernelPort.WAIT_TIMEOUT, kernel.waitForSingleObject(ev, 20, false));
            assertTrue(kernel.setEvent(ev));
            assertEquals(KernelPort.WAIT_OBJECT_0, kernel.waitForSingleObject(ev, 0, false));
            assertEquals(KernelPort.WAIT_OBJECT_0, kernel.waitForSingleObject(ev, 0, false));
            assertTrue(kernel.resetEvent(ev));
            assertEquals(KernelPort.WAIT_TIMEOUT, kernel.waitForSingleObject(ev, 20, false));
        } finally {
            assertTrue(kernel.closeHandle(ev));
        }
    }

    @Test
    void autoResetEventReleasesOneWait() {
        long ev = kernel.createEvent(false, true);
        try {
            assertEquals(KernelPort.WAIT_OBJECT_0, kernel.waitForSingleObject(ev, 0, false));
            assertEquals(KernelPort.WAIT_TIMEOUT, kernel.waitForSingleObject(ev, 20, false));
            kernel.setEvent(ev);
            kernel.setEvent(ev);
            assertEquals(KernelPort.WAIT_OBJECT_0, kernel.waitForSingleObject(ev, 0, false));
            assertEquals(KernelPort.WAIT_TIMEOUT, kernel.waitForSingleObject(ev, 0, false));
        } finally {
            kernel.closeHandle(ev);
        }
    }

    @Test
    void anEventWakesAWaiterOnAnotherThread() throws Exception {
        long ev = kernel.createEvent(false, false);
        try {
            CompletableFuture<Integer> w = CompletableFuture.supplyAsync(
                    () -> kernel.waitForSingleObject(ev, KernelPort.INFINITE, false), THREADS);
            assertTrue(kernel.setEvent(ev));
            assertEquals(KernelPort.WAIT_OBJECT_0, w.get(5, TimeUnit.SECONDS));
        } finally {
            kernel.closeHandle(ev);
        }
    }

    @Test
    void badHandlesAreRefusedNotCrashed() {
        assertFalse(kernel.setEvent(12345));
        assertFalse(kernel.resetEvent(0));
        assertEquals(KernelPort.WAIT_FAILED, kernel.waitForSingleObject(4, 0, false));
        assertEquals(KernelPort.DEQUEUE_CLOSED, kernel.dequeue(0, MemorySegment.NULL, 0, false));
        assertFalse(kernel.closeHandle(0));
        long ev = kernel.createEvent(true, false);
        assertFalse(kernel.post(ev, 1, 1, MemorySegment.NULL), "an event is not a port");
        assertTrue(kernel.closeHandle(ev));
        assertFalse(kernel.closeHandle(ev));
    }

    /** Records (thread id, context) of each APC run; the routine is a native function pointer. */
    static final class ApcLog {
        final List<long[]> runs = new CopyOnWriteArrayList<>();
        final MemorySegment routine;

        ApcLog(Arena arena, KernelPort kernel) {
            routine = LPWSAUSERAPC.allocate(ctx -> runs.add(new long[] {kernel.currentThreadId(), ctx}), arena);
        }
    }

    @Test
    void apcsRunOnlyInAlertableWaitsOfTheirThreadInFifoOrder() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            ApcLog log = new ApcLog(arena, kernel);
            CompletableFuture<long[]> target = new CompletableFuture<>();
            CountDownLatch queued = new CountDownLatch(1);
            Thread t = Thread.ofPlatform().start(() -> {
                long handle = kernel.openCurrentThread();
                target.complete(new long[] {handle, kernel.currentThreadId()});
                try {
                    queued.await();
                    long ev = kernel.createEvent(true, false);
                    int nonAlertable = kernel.sleep(30, false) + kernel.waitForSingleObject(ev, 30, false);
                    int ranBefore = log.runs.size();
                    int alertable = kernel.sleep(KernelPort.INFINITE, true);
                    kernel.closeHandle(ev);
                    kernel.closeHandle(handle);
                    target.obtrudeValue(new long[] {nonAlertable, ranBefore, alertable});
                } catch (InterruptedException e) {
                    target.completeExceptionally(e);
                }
            });
            long[] h = target.get(5, TimeUnit.SECONDS);
            for (int i = 1; i <= 3; i++) {
                assertTrue(kernel.queueApc(h[0], log.routine, i));
            }
            assertEquals(0, kernel.sleep(0, true), "APCs of another thread do not run here");
            queued.countDown();
            t.join(5000);
            assertFalse(t.isAlive());
            long[] r = target.get();
            assertEquals(KernelPort.WAIT_TIMEOUT, r[0], "sleep(30)=0 + wait timeout");
            assertEquals(0, r[1], "nothing ran in non-alertable waits");
            assertEquals(KernelPort.WAIT_IO_COMPLETION, r[2]);
            assertEquals(3, log.runs.size());
            for (int i = 0; i < 3; i++) {
                assertEquals(h[1], log.runs.get(i)[0], "ran on the target thread");
                assertEquals(i + 1, log.runs.get(i)[1], "FIFO");
            }
        }
    }

    @Test
    void anAlertableDequeueRunsApcsAndReturnsIoCompletion() throws Exception {
        long port = kernel.createCompletionPort(0);
        try (Arena arena = Arena.ofShared()) {
            ApcLog log = new ApcLog(arena, kernel);
            long me = kernel.openCurrentThread();
            CompletableFuture.runAsync(() -> kernel.queueApc(me, log.routine, 99), THREADS).get(5, TimeUnit.SECONDS);
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(4, arena);
            assertEquals(KernelPort.DEQUEUE_TIMEOUT, kernel.dequeue(port, entries, 10, false), "not alertable: APC waits");
            assertEquals(0, log.runs.size());
            assertEquals(KernelPort.DEQUEUE_IO_COMPLETION, kernel.dequeue(port, entries, KernelPort.INFINITE, true));
            assertEquals(99, log.runs.get(0)[1]);
            kernel.closeHandle(me);
        } finally {
            kernel.closeHandle(port);
        }
    }

    @Test
    void anApcQueuedDuringAnAlertableWaitWakesIt() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            ApcLog log = new ApcLog(arena, kernel);
            long me = kernel.openCurrentThread();
            long ev = kernel.createEvent(true, false);
            CompletableFuture<Boolean> q = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                // queue only once the main thread is (about to be) waiting; the wait must wake on it
                q.complete(kernel.queueApc(me, log.routine, 5));
            });
            assertEquals(KernelPort.WAIT_IO_COMPLETION, kernel.waitForSingleObject(ev, KernelPort.INFINITE, true));
            assertTrue(q.get(5, TimeUnit.SECONDS));
            kernel.closeHandle(ev);
            kernel.closeHandle(me);
        }
    }

    @Test
    void procAddressFindsRegisteredExportsCaseInsensitively() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f = LPWSAUSERAPC.allocate(ctx -> { }, arena);
            LinuxKernelPort.instance().registerExport("Test-Module.DLL", "Fn", f);
            assertEquals(f.address(), kernel.procAddress("test-module.dll", "Fn").address());
            assertEquals(MemorySegment.NULL, kernel.procAddress("test-module.dll", "Other"));
            assertEquals(MemorySegment.NULL, kernel.procAddress("nothing.dll", "Fn"));
            LinuxKernelPort.instance().registerExport("%SystemRoot%\\system32\\test-module2.dll", "Fn", f);
            assertEquals(f.address(), kernel.procAddress("C:\\Windows\\System32\\TEST-MODULE2.dll", "Fn").address(),
                    "an already loaded module is found by its file name");
            LinuxKernelPort.instance().unregisterModule("%SystemRoot%\\system32\\test-module2.dll");
            LinuxKernelPort.instance().unregisterModule("test-module.dll");
            assertEquals(MemorySegment.NULL, kernel.procAddress("test-module.dll", "Fn"));
        }
    }

    @Test
    void portsEventsAndThreadHandlesLeakNothing() {
        kernel.closeHandle(kernel.openCurrentThread()); // this thread's wake fd exists from here on
        Leaks before = Leaks.now();
        for (int i = 0; i < 40; i++) {
            long port = kernel.createCompletionPort(0);
            long ev = kernel.createEvent(i % 2 == 0, true);
            long th = kernel.openCurrentThread();
            kernel.post(port, 1, 2, MemorySegment.NULL);
            assertTrue(kernel.closeHandle(port));
            assertTrue(kernel.closeHandle(ev));
            assertTrue(kernel.closeHandle(th));
        }
        Leaks.now().assertNothingLeakedSince(before);
    }
}
