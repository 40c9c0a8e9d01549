package org.jwsp.host.nativethreads;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.ws2.SockAddr;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.host.upcall.Ws2UpcallTable;
import org.jwsp.kernel.KernelPort;

/**
 * Threads the JVM did not start: a C library, built here with gcc, spawns pthreads that call the
 * base provider's WSPPROC_TABLE (socket, connect, send, overlapped send with a C completion routine,
 * recv, close) and the upcall table (WPUOpenCurrentThread) through their native pointers, then wait
 * alertably in kernel32's SleepEx (found by procAddress); a Java echo server answers over loopback.
 */
class NativeThreadsTest {

    static final int THREADS = 4;
    static final int MESSAGE = 64;
    static final StructLayout JOB = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("procs"), ValueLayout.ADDRESS.withName("upcalls"),
            ValueLayout.ADDRESS.withName("sleep_ex"), ValueLayout.ADDRESS.withName("get_tid"),
            ValueLayout.ADDRESS.withName("address"), ValueLayout.JAVA_INT.withName("address_length"),
            ValueLayout.JAVA_INT.withName("af"), ValueLayout.JAVA_INT.withName("index"),
            ValueLayout.JAVA_INT.withName("tid"), ValueLayout.JAVA_INT.withName("routine_tid"),
            ValueLayout.JAVA_INT.withName("routine_error"), ValueLayout.JAVA_INT.withName("routine_bytes"),
            ValueLayout.JAVA_INT.withName("routine_calls"), ValueLayout.JAVA_INT.withName("routine_calls_before_wait"),
            ValueLayout.JAVA_INT.withName("pending_error"), ValueLayout.JAVA_INT.withName("sleep_result"),
            ValueLayout.JAVA_INT.withName("echo_ok"), ValueLayout.JAVA_INT.withName("failed_step"),
            ValueLayout.JAVA_INT.withName("last_error"));

    static Path library;

    @BeforeAll
    static void compile() throws Exception {
        Path source = Path.of("src/test/c/host/native_clients.c").toAbsolutePath();
        library = Path.of("target/libhost_native_clients.so").toAbsolutePath();
        Files.createDirectories(library.getParent());
        Process gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O2", "-Wall", "-o", library.toString(), source.toString(),
                "-lpthread").redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes());
        assertTrue(gcc.waitFor(60, TimeUnit.SECONDS), "gcc timed out");
        assertEquals(0, gcc.exitValue(), "gcc: " + out);
    }

    private static int get(MemorySegment job, String field) {
        VarHandle h = JOB.varHandle(MemoryLayout.PathElement.groupElement(field));
        return (int) h.get(job, 0L);
    }

    @Test
    void pthreadsCallTheProcTableAndRunTheirCompletionRoutinesInTheirAlertableWaits() throws Throwable {
        ExecutorService echo = Executors.newCachedThreadPool(r -> Thread.ofPlatform().daemon().unstarted(r));
        try (Arena arena = Arena.ofShared(); Ws2 ws2 = Ws2.startup(Catalog.system())) {
            SymbolLookup lib = SymbolLookup.libraryLookup(library, arena);
            Linker linker = Linker.nativeLinker();
            MethodHandle jobSize = linker.downcallHandle(lib.findOrThrow("native_clients_job_size"), FunctionDescriptor.of(ValueLayout.JAVA_INT));
            assertEquals(JOB.byteSize(), (int) jobSize.invokeExact());
            MethodHandle run = linker.downcallHandle(lib.findOrThrow("native_clients_run"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

            // the server: a Java echo over Ws2, one thread per connection
            long listener = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), 0);
            MemorySegment address = SockAddr.loopback(AF_INET(), 0, arena);
            assertEquals(0, ws2.bind(listener, address, 16));
            assertEquals(0, ws2.listen(listener, THREADS));
            assertEquals(0, ws2.getsockname(listener, address, arena.allocateFrom(ValueLayout.JAVA_INT, 16)));
            java.util.List<CompletableFuture<?>> echoes = new java.util.concurrent.CopyOnWriteArrayList<>();
            CompletableFuture<?> server = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < THREADS; i++) {
                    long s = ws2.accept(listener, MemorySegment.NULL, MemorySegment.NULL);
                    assertNotEquals(INVALID_SOCKET(), s);
                    echoes.add(CompletableFuture.runAsync(() -> {
                        MemorySegment data = arena.allocate(2 * MESSAGE);
                        if (Buffers.receiveFully(ws2, s, data, arena)) {
                            ws2.send(s, Buffers.wsabuf(arena, data), 1, arena.allocate(ValueLayout.JAVA_INT), 0,
                                    MemorySegment.NULL, MemorySegment.NULL);
                        }
                        Buffers.receiveFully(ws2, s, arena.allocate(1), arena); // until the client closes
                        ws2.closesocket(s);
                    }, echo));
                }
            }, echo);

            MemorySegment procs = ws2.load(ws2.choose(AF_INET(), SOCK_STREAM(), 0)).procTable();
            KernelPort kernel = ws2.kernel();
            MemorySegment jobs = arena.allocate(JOB, THREADS);
            for (int i = 0; i < THREADS; i++) {
                MemorySegment job = jobs.asSlice(i * JOB.byteSize(), JOB.byteSize());
                job.set(ValueLayout.ADDRESS, JOB.byteOffset(MemoryLayout.PathElement.groupElement("procs")), procs);
                job.set(ValueLayout.ADDRESS, JOB.byteOffset(MemoryLayout.PathElement.groupElement("upcalls")), Ws2UpcallTable.table());
                job.set(ValueLayout.ADDRESS, JOB.byteOffset(MemoryLayout.PathElement.groupElement("sleep_ex")),
                        kernel.procAddress("kernel32.dll", "SleepEx"));
                job.set(ValueLayout.ADDRESS, JOB.byteOffset(MemoryLayout.PathElement.groupElement("get_tid")),
                        kernel.procAddress("kernel32.dll", "GetCurrentThreadId"));
                job.set(ValueLayout.ADDRESS, JOB.byteOffset(MemoryLayout.PathElement.groupElement("address")), address);
                job.set(ValueLayout.JAVA_INT, JOB.byteOffset(MemoryLayout.PathElement.groupElement("address_length")), 16);
                job.set(ValueLayout.JAVA_INT, JOB.byteOffset(MemoryLayout.PathElement.groupElement("af")), AF_INET());
                job.set(ValueLayout.JAVA_INT, JOB.byteOffset(MemoryLayout.PathElement.groupElement("index")), i);
            }
            assertEquals(THREADS, (int) run.invokeExact(jobs, THREADS));
            server.get(10, TimeUnit.SECONDS);
            for (CompletableFuture<?> e : echoes) {
                e.get(10, TimeUnit.SECONDS); // the clients closed: each echo ends before the program cleans up
            }

            Set<Integer> tids = new HashSet<>();
            for (int i = 0; i < THREADS; i++) {
                MemorySegment job = jobs.asSlice(i * JOB.byteSize(), JOB.byteSize());
                String at = "client " + i + " (step " + get(job, "failed_step") + ", error " + get(job, "last_error") + ")";
                assertEquals(0, get(job, "failed_step"), at);
                int issued = get(job, "pending_error"); // 0: completed at once, as Windows may; else it pended
                assertTrue(issued == 0 || issued == WSA_IO_PENDING(), at + ": overlapped send answered " + issued);
                assertEquals(1, get(job, "echo_ok"), at);
                assertEquals(0, get(job, "routine_calls_before_wait"), at + ": the routine waited for the alertable wait");
                assertEquals(KernelPort.WAIT_IO_COMPLETION, get(job, "sleep_result"), at);
                assertEquals(1, get(job, "routine_calls"), at);
                assertEquals(0, get(job, "routine_error"), at);
                assertEquals(MESSAGE, get(job, "routine_bytes"), at);
                assertEquals(get(job, "tid"), get(job, "routine_tid"), at + ": the APC ran on the pthread that sent");
                assertNotEquals(kernel.currentThreadId(), get(job, "tid"));
                tids.add(get(job, "tid"));
            }
            assertEquals(THREADS, tids.size(), "each client on its own native thread");
            ws2.closesocket(listener);
        } finally {
            echo.shutdownNow();
        }
    }
}
