package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

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
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.host.upcall.Ws2UpcallTable;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * Issue 10, defect 10: a completion routine's request must not outlive its thread, and jwsp's APC
 * must outlive its runtime while a routine is still queued. Pthreads the JVM never started
 * ({@code src/test/c/routines/routine_threads.c}) open their WSATHREADID through the host's upcall
 * table and send through jwsp's {@code lpWSPSend} pointer until a send completes at once, so the
 * routine's APC is queued to them before WSPSend returns; then they either end without an
 * alertable wait (the APC never runs, as on Windows) or wait until the program called WSACleanup
 * and only then run their APCs. jwsp watches a routine's thread through a WSATHREADID of its own
 * (WPUOpenCurrentThread), closed (WPUCloseThread) once the thread has left.
 */
class RoutineThreadLifeTest {

    private static final int SOCKET = 0, WAIT_FOR_GO = 1, SENDS = 2, FAILED = 3, ROUTINE_CALLS = 4, LAST_ERROR = 5, LAST_BYTES = 6;

    /** The C side's ROUTINE_THREAD structures and functions. */
    private static final class Driver {
        final MethodHandle start, goAndJoin, closeId, offset;
        final long size;

        Driver(Arena arena) throws Exception {
            Path source = Path.of("src/test/c/routines/routine_threads.c").toAbsolutePath();
            Path library = Path.of("target/libroutine_threads.so").toAbsolutePath();
            Files.createDirectories(library.getParent());
            Process gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O2", "-Wall", "-o", library.toString(), source.toString(),
                    "-lpthread").redirectErrorStream(true).start();
            String out = new String(gcc.getInputStream().readAllBytes());
            assertTrue(gcc.waitFor(60, TimeUnit.SECONDS), "gcc timed out");
            assertEquals(0, gcc.exitValue(), "gcc: " + out);
            SymbolLookup lib = SymbolLookup.libraryLookup(library, arena);
            Linker linker = Linker.nativeLinker();
            FunctionDescriptor onThread = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS);
            start = linker.downcallHandle(lib.findOrThrow("routine_thread_start"), onThread);
            goAndJoin = linker.downcallHandle(lib.findOrThrow("routine_thread_go_and_join"), onThread);
            closeId = linker.downcallHandle(lib.findOrThrow("routine_thread_close_id"), onThread);
            offset = linker.downcallHandle(lib.findOrThrow("routine_thread_offset"), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            MethodHandle sizeOf = linker.downcallHandle(lib.findOrThrow("routine_thread_size"), FunctionDescriptor.of(ValueLayout.JAVA_INT));
            try {
                size = (int) sizeOf.invokeExact();
            } catch (Throwable t) {
                throw unchecked(t);
            }
        }

        long at(int field) {
            try {
                return (int) offset.invokeExact(field);
            } catch (Throwable t) {
                throw unchecked(t);
            }
        }

        /** A thread's job: jwsp's proc table, the host's upcall table and SleepEx, {@code socket}. */
        MemorySegment job(Ws2 ws2, long socket, boolean waitForGo, Arena arena) {
            MemorySegment t = arena.allocate(size, 16);
            t.set(ValueLayout.ADDRESS, 0, ws2.provider(socket).procTable());
            t.set(ValueLayout.ADDRESS, 8, Ws2UpcallTable.table());
            t.set(ValueLayout.ADDRESS, 16, ws2.kernel().procAddress("kernel32.dll", "SleepEx"));
            t.set(ValueLayout.JAVA_LONG, at(SOCKET), socket);
            t.set(ValueLayout.JAVA_INT, at(WAIT_FOR_GO), waitForGo ? 1 : 0);
            return t;
        }

        int get(MemorySegment t, int field) {
            return t.get(ValueLayout.JAVA_INT, at(field));
        }

        void call(MethodHandle h, MemorySegment t) {
            int rc;
            try {
                rc = (int) h.invokeExact(t);
            } catch (Throwable e) {
                throw unchecked(e);
            }
            assertEquals(0, rc);
        }

        private static RuntimeException unchecked(Throwable t) {
            if (t instanceof Error e) {
                throw e;
            }
            return t instanceof RuntimeException r ? r : new IllegalStateException(t);
        }
    }

    @Test
    void requestsOfRoutinesWhoseThreadEnded_areReleasedBeforeThePoolAnswersWouldBlock() throws Exception {
        int bound = 4;
        OverTheHost.run(s -> s.withRequestPoolSize(bound), (ws2, installed, arena) -> {
            Driver c = new Driver(arena);
            List<MemorySegment> threads = new ArrayList<>();
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                MemorySegment ov = OverTheHost.overlapped(ws2, arena);
                int handles = LinuxKernelPort.instance().handles().openCount();
                long records = 0;
                for (int i = 0; i < bound; i++) { // each leaves one request behind: the pool is full
                    MemorySegment t = c.job(ws2, p.client(), false, arena);
                    threads.add(t);
                    c.call(c.start, t);
                    c.call(c.goAndJoin, t);
                    assertEquals(0, c.get(t, FAILED), "thread " + i);
                    assertEquals(c.get(t, SENDS) - 1, c.get(t, ROUTINE_CALLS), "thread " + i + ": only the last routine was left");
                    records += c.get(t, SENDS);
                }
                // Each ended thread holds one request (or held: a send of a later thread that found the pool
                // empty already swept). On the old code the pool is now full of them for good.
                assertTrue(LayeredProvider.outstandingRequests() >= 1, "a request per ended thread's queued routine");

                MemorySegment data = Buffers.pattern(arena, 16, 7);
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                int rc = ws2.send(p.client(), Buffers.wsabuf(arena, data), 1, sent, 0, ov, MemorySegment.NULL);
                assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING(),
                        "an overlapped send at the bound, with every request held by a routine no thread will run: " + ws2.lastError());
                assertEquals(0, ws2.waitForEvent(OVERLAPPED.hEvent(ov).address(), 10_000, false));
                assertEquals(16, (int) OVERLAPPED.InternalHigh(ov));
                records++;
                // One more thread, which stays until its routine ran: its first routine send sweeps
                // what the threads that left still held, requests and jwsp's WSATHREADIDs of them.
                MemorySegment last = c.job(ws2, p.client(), true, arena);
                threads.add(last);
                c.call(c.start, last);
                c.call(c.goAndJoin, last);
                assertEquals(0, c.get(last, FAILED));
                assertEquals(c.get(last, SENDS), c.get(last, ROUTINE_CALLS), "the staying thread's routines all ran");
                records += c.get(last, SENDS);
                MemorySegment got = arena.allocate(16 * records);
                assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena), "every record reached the peer");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (LayeredProvider.outstandingRequests() != 0 && System.nanoTime() < deadline) {
                    Thread.onSpinWait(); // the completion worker drops its reference after the event is set
                }
                assertEquals(0, LayeredProvider.outstandingRequests(), "the ended threads' requests went back to the pool");
                for (int i = 0; i < bound; i++) {
                    MemorySegment t = threads.get(i);
                    assertEquals(c.get(t, SENDS) - 1, c.get(t, ROUTINE_CALLS), "no routine ran on a thread that ended");
                }
                // The threads' own ids stay until the test closes them, and so does the WSATHREADID the host's
                // ws2 opened for this thread at its first send; of jwsp's own, only the last thread's is still
                // open (its thread ended after the last sweep).
                assertEquals(handles + (bound + 1) + 1 + 1, LinuxKernelPort.instance().handles().openCount(),
                        "jwsp closed its own WSATHREADIDs of the threads that left");
            } finally {
                for (MemorySegment t : threads) {
                    c.call(c.closeId, t);
                }
            }
        });
    }

    @Test
    void aRoutineQueuedAtTheLastCleanup_stillRunsOnce_andJwspIsFreedAfterIt() throws Exception {
        OverTheHost.run((ws2, installed, arena) -> {
            Driver c = new Driver(arena);
            int before = CompletionDelivery.liveDeliveries();
            MemorySegment t;
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                t = c.job(ws2, p.client(), true, arena);
                c.call(c.start, t); // returns with the last routine's APC queued, the thread waiting (not alertably)
            }
            boolean joined = false;
            try {
                assertEquals(0, c.get(t, FAILED));
                assertEquals(c.get(t, SENDS) - 1, c.get(t, ROUTINE_CALLS));
                ws2.close(); // WSACleanup: jwsp's last WSPCleanup while the routine is still queued
                assertFalse(LayeredProvider.started());
                assertEquals(before + 1, CompletionDelivery.liveDeliveries(), "the cleaned-up runtime waits for its queued routine");
                joined = true;
                c.call(c.goAndJoin, t); // the thread's alertable wait runs the APC
                assertEquals(c.get(t, SENDS), c.get(t, ROUTINE_CALLS), "the routine ran, once");
                assertEquals(0, c.get(t, LAST_ERROR));
                assertEquals(16, c.get(t, LAST_BYTES));
                assertEquals(before, CompletionDelivery.liveDeliveries(), "jwsp's memory was freed after the routine ran");
            } finally {
                if (!joined) {
                    c.call(c.goAndJoin, t); // the thread's code and job must outlive it
                }
                c.call(c.closeId, t);
            }
        });
    }
}
