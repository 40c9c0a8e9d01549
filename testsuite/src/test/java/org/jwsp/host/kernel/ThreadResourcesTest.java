package org.jwsp.host.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.LPWPUCLOSETHREAD;
import org.jwsp.bindings.windows.LPWPUOPENCURRENTTHREAD;
import org.jwsp.bindings.windows.LPWPUQUEUEAPC;
import org.jwsp.bindings.windows.LPWSAUSERAPC;
import org.jwsp.bindings.windows.WSATHREADID;
import org.jwsp.bindings.windows.WSPUPCALLTABLE;
import org.jwsp.testkit.Leaks;
import org.jwsp.host.upcall.Ws2UpcallTable;
import org.jwsp.kernel.KernelPort;

/**
 * A thread's host resources are released when it stops needing them, not when the GC collects its
 * {@link Thread}: threads that open their {@code WSATHREADID} ({@code WPUOpenCurrentThread}), get
 * an APC ({@code WPUQueueApc}) in an alertable {@code SleepEx} (kernel32's export, called through
 * its native pointer), close their id ({@code WPUCloseThread}) and end leave exactly the eventfds
 * there were before (no GC in between); a live thread between alertable waits holds none; an APC
 * to a thread that has ended is refused at once.
 */
class ThreadResourcesTest {

    static final int THREADS = 8;
    static final MethodHandle SLEEP_EX = Linker.nativeLinker().downcallHandle(
            LinuxKernelPort.instance().procAddress("kernel32.dll", "SleepEx"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    static int sleepEx(int millis, boolean alertable) {
        try {
            return (int) SLEEP_EX.invokeExact(millis, alertable ? 1 : 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Test
    void threadsThatWaitedAlertablyAndEndedLeaveNoFdBehind() throws Exception {
        MemorySegment table = Ws2UpcallTable.table();
        AtomicInteger ran = new AtomicInteger();
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment apc = LPWSAUSERAPC.allocate(context -> ran.incrementAndGet(), arena);
            runThreads(1, table, apc, arena, wrong); // warm-up: classes, the kernel's first idle wake fd
            Leaks before = Leaks.now();
            ran.set(0);
            runThreads(THREADS, table, apc, arena, wrong);
            assertTrue(wrong.isEmpty(), () -> wrong.toString());
            assertEquals(THREADS, ran.get(), "every thread ran its APC");
            Leaks.now().assertNothingLeakedSince(before);
            assertTrue(LinuxKernelPort.instance().idleWakeFds() <= WakeFds.MAX_IDLE);
        }
    }

    @Test
    void aLiveThreadAfterItsAlertableWaitHoldsNoFd() throws Exception {
        long[] counts = new long[3];
        Thread t = Thread.ofPlatform().start(() -> {
            counts[0] = Leaks.now().eventfds();
            counts[2] = sleepEx(1, true);
            counts[1] = Leaks.now().eventfds(); // still alive, between waits
        });
        t.join(10_000);
        assertEquals(0, counts[2], "SleepEx elapsed");
        assertEquals(counts[0], counts[1], "the wake fd went back when the wait returned");
    }

    @Test
    void anApcToAThreadThatHasEndedIsRefusedAtOnce() throws Exception {
        MemorySegment table = Ws2UpcallTable.table();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment id = WSATHREADID.allocate(arena);
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            Thread t = Thread.ofPlatform().start(
                    () -> LPWPUOPENCURRENTTHREAD.invoke(WSPUPCALLTABLE.lpWPUOpenCurrentThread(table), id, err));
            t.join(10_000);
            assertTrue(!t.isAlive());
            MemorySegment apc = LPWSAUSERAPC.allocate(context -> { }, arena);
            assertEquals(-1, LPWPUQUEUEAPC.invoke(WSPUPCALLTABLE.lpWPUQueueApc(table), id, apc, 1, err),
                    "no alertable wait will ever run it: refused (QueueUserAPC to a terminated thread fails)");
            assertEquals(org.jwsp.bindings.windows.ws2spi_h.WSAEINVAL(), err.get(ValueLayout.JAVA_INT, 0));
            assertEquals(0, LPWPUCLOSETHREAD.invoke(WSPUPCALLTABLE.lpWPUCloseThread(table), id, err));
        }
    }

    /** {@code n} threads: open id, wait alertably while another thread queues their APC, close id, end. */
    private static void runThreads(int n, MemorySegment table, MemorySegment apc, Arena arena, ConcurrentLinkedQueue<String> wrong)
            throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        List<MemorySegment> ids = new ArrayList<>();
        CountDownLatch opened = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            MemorySegment id = WSATHREADID.allocate(arena);
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            ids.add(id);
            threads.add(Thread.ofPlatform().start(() -> {
                if (LPWPUOPENCURRENTTHREAD.invoke(WSPUPCALLTABLE.lpWPUOpenCurrentThread(table), id, err) != 0) {
                    wrong.add("WPUOpenCurrentThread " + err.get(ValueLayout.JAVA_INT, 0));
                }
                opened.countDown();
                int r = sleepEx(10_000, true);
                if (r != KernelPort.WAIT_IO_COMPLETION) {
                    wrong.add("SleepEx " + r);
                }
                if (LPWPUCLOSETHREAD.invoke(WSPUPCALLTABLE.lpWPUCloseThread(table), id, err) != 0) {
                    wrong.add("WPUCloseThread " + err.get(ValueLayout.JAVA_INT, 0));
                }
            }));
        }
        assertTrue(opened.await(10, TimeUnit.SECONDS));
        MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
        for (MemorySegment id : ids) {
            assertEquals(0, LPWPUQUEUEAPC.invoke(WSPUPCALLTABLE.lpWPUQueueApc(table), id, apc, 1, err));
        }
        for (Thread t : threads) {
            t.join(10_000);
            assertTrue(!t.isAlive());
        }
    }
}
