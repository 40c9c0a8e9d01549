package org.jwsp.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.jwsp.bindings.windows.LPWSAUSERAPC;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.kernel.KernelPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The Windows kernel port against the real kernel32. Runs only on Windows x64 (the CI workflow
 * .github/workflows/windows.yml); on Linux it is reported as skipped by the OS condition. It has
 * NOT run yet: see docs/WINDOWS.md.
 */
@EnabledOnOs(value = OS.WINDOWS, architectures = "amd64")
class WindowsKernelPortOnWindowsTest {

    private final KernelPort port = KernelPort.system();

    @Test
    void kernelPortSystemIsTheWindowsPort() {
        assertTrue(port instanceof WindowsKernelPort);
    }

    @Test
    void postedPacketsComeBackInOneBatchInOrder() {
        long cp = port.createCompletionPort(1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ov = OVERLAPPED.allocate(arena);
            assertTrue(port.post(cp, 10, 1L, ov));
            assertTrue(port.post(cp, 20, 2L, MemorySegment.NULL));
            assertTrue(port.post(cp, 30, 3L, ov));
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(8, arena);
            assertEquals(3, port.dequeue(cp, entries, 5_000, false));
            assertEquals(1L, CompletionBatch.completionKey(entries, 0));
            assertEquals(10, CompletionBatch.bytesTransferred(entries, 0));
            assertEquals(ov.address(), CompletionBatch.overlapped(entries, 0).address());
            assertEquals(MemorySegment.NULL, CompletionBatch.overlapped(entries, 1));
            assertEquals(30, CompletionBatch.bytesTransferred(entries, 2));
            assertEquals(KernelPort.DEQUEUE_TIMEOUT, port.dequeue(cp, entries, 10, false));
        } finally {
            assertTrue(port.closeHandle(cp));
        }
        assertFalse(port.closeHandle(cp));
    }

    @Test
    void postAndDequeueAllocateNothingOnTheJavaHeapOnceWarm() {
        long cp = port.createCompletionPort(1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(16, arena);
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long sum = cycles(cp, entries, 200_000); // warm up: let C2 compile the path
            long before = threads.getCurrentThreadAllocatedBytes();
            sum += cycles(cp, entries, 100_000);
            long perCycle = (threads.getCurrentThreadAllocatedBytes() - before) / 100_000;
            assertEquals(300_000L * 7, sum); // every packet came back with its byte count
            assertTrue(perCycle < 1, perCycle + " bytes allocated per post+dequeue");
        } finally {
            port.closeHandle(cp);
        }
    }

    private long cycles(long cp, MemorySegment entries, int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            port.post(cp, 7, i, MemorySegment.NULL);
            int got = port.dequeue(cp, entries, 1_000, false);
            for (int e = 0; e < got; e++) {
                sum += CompletionBatch.bytesTransferred(entries, e);
            }
        }
        return sum;
    }

    @Test
    void aDequeueOnAClosedPortIsDequeueClosed() {
        long cp = port.createCompletionPort(1);
        assertTrue(port.closeHandle(cp));
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(KernelPort.DEQUEUE_CLOSED, port.dequeue(cp, OVERLAPPED_ENTRY.allocateArray(4, arena), 10, false));
        }
    }

    @Test
    void eventsSignalAndReset() {
        long e = port.createEvent(true, false);
        try {
            assertEquals(KernelPort.WAIT_TIMEOUT, port.waitForSingleObject(e, 0, false));
            assertTrue(port.setEvent(e));
            assertEquals(KernelPort.WAIT_OBJECT_0, port.waitForSingleObject(e, 5_000, false));
            assertTrue(port.resetEvent(e));
            assertEquals(KernelPort.WAIT_TIMEOUT, port.waitForSingleObject(e, 0, false));
        } finally {
            assertTrue(port.closeHandle(e));
        }
        assertFalse(port.setEvent(e));
    }

    @Test
    void anApcQueuedFromAnotherThreadRunsInTheTargetsAlertableWait() throws Exception {
        AtomicLong ran = new AtomicLong();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment routine = LPWSAUSERAPC.allocate(ran::set, arena);
            CompletableFuture<Long> threadHandle = new CompletableFuture<>();
            CompletableFuture<Integer> woke = new CompletableFuture<>();
            Thread target = Thread.ofPlatform().start(() -> {
                long self = port.openCurrentThread();
                threadHandle.complete(self);
                woke.complete(port.sleep(10_000, true));
                port.closeHandle(self);
            });
            assertTrue(port.queueApc(threadHandle.get(5, TimeUnit.SECONDS), routine, 0xC0FFEEL));
            assertEquals(KernelPort.WAIT_IO_COMPLETION, woke.get(10, TimeUnit.SECONDS));
            target.join(5_000);
            assertEquals(0xC0FFEEL, ran.get());
        }
    }

    @Test
    void threadIdsDifferBetweenThreadsAndAreNeverZero() throws Exception {
        int mine = port.currentThreadId();
        CompletableFuture<Integer> other = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> other.complete(port.currentThreadId())).join(5_000);
        assertNotEquals(0, mine);
        assertNotEquals(mine, other.get(5, TimeUnit.SECONDS));
    }

    @Test
    void procAddressFindsARealExportAndAnswersNullForMissingOnes() {
        assertNotEquals(MemorySegment.NULL, port.procAddress("ws2_32.dll", "WSCEnumProtocols"));
        assertEquals(MemorySegment.NULL, port.procAddress("ws2_32.dll", "NoSuchExportAnywhere"));
        assertEquals(MemorySegment.NULL, port.procAddress("no-such-module-jwsp.dll", "Anything"));
    }
}
