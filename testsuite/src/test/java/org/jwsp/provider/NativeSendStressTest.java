package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.jwsp.host.upcall.Ws2UpcallTable;
import org.jwsp.host.ws2.NativeWs2;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;
import org.jwsp.provider.filter.SendFilter;
import org.jwsp.provider.filter.SendFilters;

/**
 * Issue 10, item 2: pthreads the JVM never started ({@code src/test/c/stress/}, built here with
 * gcc) share jwsp sockets and send 16-byte records stamped (connection, thread, sequence) through
 * jwsp's {@code lpWSPSend} pointer, mixing blocking sends with batches of overlapped sends that
 * complete by routines (APCs in each thread's alertable {@code SleepEx}), by events (the host's
 * {@code WSAWaitForMultipleEvents}, with the low bit of {@code hEvent} set since every socket is
 * associated with a port) or by packets on the host completion port every connection is
 * associated with (reaped by dedicated pthreads with {@code GetQueuedCompletionStatusEx}: each
 * packet once, with its connection's key, the count and status of its {@code OVERLAPPED},
 * counted off the thread that sent it; none for a routine or event send).
 *
 * <p>Faults, seeded, each a per-1000 system property (0 turns it off):
 * <ul>
 * <li>{@code jwsp.stress.flush} (per overlapped send): {@code SIO_FLUSH} of a random shared socket;
 * <li>{@code jwsp.stress.close} (per batch): the driver closes a shared socket's connection
 *     ({@code closesocket}) while other threads send on it and opens a new pair in its place, so
 *     jwsp's most recently freed slot is taken again; a send on the closed handle is refused with
 *     {@code WSAENOTSOCK}, one accepted before ends on the old connection or is reported aborted;
 * <li>{@code jwsp.stress.reset} (per batch): the peer closes abortively ({@code SO_LINGER {1, 0}});
 *     the connection is replaced once a send on it fails;
 * <li>{@code jwsp.stress.delay} (per overlapped send): {@link DelayingFilter} holds the send and a
 *     releaser thread releases the held ones in random order;
 * <li>{@code jwsp.stress.pause} (per send, with closes on): the same filter holds the send inside
 *     {@code onSend}, after jwsp resolved its handle and before the socket lock, until the next
 *     reopen, so sends meet the close of their handle and the reuse of its slot.
 * </ul>
 * Records name their connection, not a slot, and the driver never reuses a handle value a thread
 * may still call with ({@code stress_conns.c}), so a record of an old connection arriving on its
 * successor is jwsp's fault. {@link StressConnections} verifies: every record on the connection
 * it names, each thread's records in call order, none repeated; a record on the wire was never
 * reported failed to its caller, one not on the wire was (with a code the seed lists for that
 * fault), unless its connection was reset (TCP may drop what it had accepted); every completion
 * once with its count. Every wait of the driver is bounded ({@code jwsp.stress.waitMillis}), so a
 * lost completion fails with a message instead of hanging.
 *
 * <p>Bounded in CI; {@code -Djwsp.stress.threads=64 -Djwsp.stress.sockets=16
 * -Djwsp.stress.sends=10000000} (total) for the full run (docs/RELIABILITY.md).
 */
class NativeSendStressTest {

    static final int THREADS = Integer.getInteger("jwsp.stress.threads", 8);
    static final int SOCKETS = Integer.getInteger("jwsp.stress.sockets", 4);
    /** Records in all; the default makes the CI run about a minute of sends on a 2-core machine (issue 10: "a bounded run, about a minute"). */
    static final long SENDS = Long.getLong("jwsp.stress.sends", 4_000_000L);
    static final int SEED = Integer.getInteger("jwsp.stress.seed", 20261202);
    static final int FLUSH = Integer.getInteger("jwsp.stress.flush", 5);
    static final int CLOSE = Integer.getInteger("jwsp.stress.close", 2);
    static final int RESET = Integer.getInteger("jwsp.stress.reset", 1);
    static final int DELAY = Integer.getInteger("jwsp.stress.delay", 2);
    static final int PAUSE = Integer.getInteger("jwsp.stress.pause", 1);
    static final int REAPERS = Integer.getInteger("jwsp.stress.reapers", 2);
    static final int WAIT_MILLIS = Integer.getInteger("jwsp.stress.waitMillis", 15_000);

    /** The C JOB: every field 8 bytes, in this order (stress.h). */
    private static final String[] JOB_FIELDS = {"procs", "upcalls", "sleep_ex", "create_event", "reset_event", "close_event",
            "wait_events", "create_port", "dequeue", "post", "close_handle", "closesocket", "open_conn", "reset_conn", "conns",
            "conn_capacity", "conn_count", "shared", "seqs", "failures", "failure_capacity", "failure_count", "socket_count",
            "threads", "sends_per_thread", "seed", "flush_per_mille", "close_per_mille", "reset_per_mille", "wait_ms", "reapers",
            "message", "failed", "routine_sends", "event_sends", "port_sends", "blocking_sends", "routine_calls",
            "event_completions", "port_completions", "flushes", "closes", "resets", "collisions", "refused", "aborted",
            "bad_completions", "blocking_failed", "last_error"};

    private static long offset(String field) {
        int i = java.util.Arrays.asList(JOB_FIELDS).indexOf(field);
        assertTrue(i >= 0, field);
        return 8L * i;
    }

    private static Path compile() throws Exception {
        Path dir = Path.of("src/test/c/stress").toAbsolutePath();
        Path library = Path.of("target/libsend_stress.so").toAbsolutePath();
        Files.createDirectories(library.getParent());
        Process gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O2", "-Wall", "-o", library.toString(),
                dir.resolve("send_stress.c").toString(), dir.resolve("stress_conns.c").toString(), dir.resolve("stress_port.c").toString(),
                "-lpthread").redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes());
        assertTrue(gcc.waitFor(60, TimeUnit.SECONDS), "gcc timed out");
        assertEquals(0, gcc.exitValue(), "gcc: " + out);
        return library;
    }

    /** A downcall returning int, with no argument ({@code job} null) or the job. */
    private static int invoke(MethodHandle h, MemorySegment job) throws Exception {
        try {
            return job == null ? (int) h.invokeExact() : (int) h.invokeExact(job);
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static long get(MemorySegment job, String field) {
        return job.get(ValueLayout.JAVA_LONG, offset(field));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES) // the CI run takes about a minute, the full one (10^7) a few; every wait inside is bounded
    void pthreadsSharingSockets_withFaults_everyRecordOnItsConnection_inOrder_once_everyCompletionOnce() throws Throwable {
        Path library = compile();
        NativeWs2.install(); // the host's ws2_32/kernel32 exports the driver calls
        OverTheHost.run((ws2, installed, arena) -> {
            SymbolLookup lib = SymbolLookup.libraryLookup(library, arena);
            Linker linker = Linker.nativeLinker();
            MethodHandle jobSize = linker.downcallHandle(lib.findOrThrow("send_stress_job_size"), FunctionDescriptor.of(ValueLayout.JAVA_INT));
            MethodHandle connSize = linker.downcallHandle(lib.findOrThrow("send_stress_conn_size"), FunctionDescriptor.of(ValueLayout.JAVA_INT));
            assertEquals(8L * JOB_FIELDS.length, invoke(jobSize, null));
            assertEquals(StressConnections.CONN_SIZE, invoke(connSize, null));
            MethodHandle run = linker.downcallHandle(lib.findOrThrow("send_stress_run"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));

            long perThread = SENDS / THREADS;
            int capacity = (int) Math.min(1 << 20, SOCKETS + 64 + SENDS * (CLOSE + RESET) / 1000);
            long failureCapacity = Math.max(1 << 16, SENDS / 8);
            MemorySegment conns = arena.allocate(StressConnections.CONN_SIZE * capacity, 8);
            StressConnections connections = new StressConnections(ws2, THREADS, conns, capacity);
            MemorySegment shared = arena.allocate(ValueLayout.JAVA_LONG, SOCKETS);
            for (int k = 0; k < SOCKETS; k++) {
                assertNotEquals(-1L, connections.open(k), () -> "open: " + connections.upcallFailure.get());
                shared.setAtIndex(ValueLayout.JAVA_LONG, k, k);
            }
            MethodHandle open = MethodHandles.lookup().findVirtual(StressConnections.class, "open",
                    MethodType.methodType(long.class, long.class)).bindTo(connections);
            MethodHandle reset = MethodHandles.lookup().findVirtual(StressConnections.class, "reset",
                    MethodType.methodType(int.class, long.class)).bindTo(connections);
            KernelPort kernel = ws2.kernel();
            MemorySegment seqs = arena.allocate(ValueLayout.JAVA_INT, (long) capacity * THREADS);
            MemorySegment failures = arena.allocate(16 * failureCapacity, 8);
            MemorySegment message = arena.allocate(256);
            MemorySegment job = arena.allocate(8L * JOB_FIELDS.length, 8);
            job.set(ValueLayout.ADDRESS, offset("procs"), ws2.provider(connectionsClient(conns, 0)).procTable());
            job.set(ValueLayout.ADDRESS, offset("upcalls"), Ws2UpcallTable.table());
            String[][] exports = {{"sleep_ex", "kernel32.dll", "SleepEx"}, {"create_event", "ws2_32.dll", "WSACreateEvent"},
                    {"reset_event", "ws2_32.dll", "WSAResetEvent"}, {"close_event", "ws2_32.dll", "WSACloseEvent"},
                    {"wait_events", "ws2_32.dll", "WSAWaitForMultipleEvents"}, {"create_port", "kernel32.dll", "CreateIoCompletionPort"},
                    {"dequeue", "kernel32.dll", "GetQueuedCompletionStatusEx"}, {"post", "kernel32.dll", "PostQueuedCompletionStatus"},
                    {"close_handle", "kernel32.dll", "CloseHandle"}};
            for (String[] e : exports) {
                job.set(ValueLayout.ADDRESS, offset(e[0]), kernel.procAddress(e[1], e[2]));
            }
            job.set(ValueLayout.ADDRESS, offset("open_conn"), linker.upcallStub(open,
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), arena));
            job.set(ValueLayout.ADDRESS, offset("reset_conn"), linker.upcallStub(reset,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG), arena));
            // the test's Ws2 is this process's ws2_32 (the host's exports serve the one a native WSAStartup made)
            MethodHandle closesocket = MethodHandles.lookup().findVirtual(StressConnections.class, "closesocket",
                    MethodType.methodType(int.class, long.class)).bindTo(connections);
            MethodHandle lastError = MethodHandles.lookup().findVirtual(Ws2.class, "lastError", MethodType.methodType(int.class)).bindTo(ws2);
            job.set(ValueLayout.ADDRESS, offset("closesocket"), linker.upcallStub(closesocket,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG), arena));
            job.set(ValueLayout.ADDRESS, offset("last_error"), linker.upcallStub(lastError, FunctionDescriptor.of(ValueLayout.JAVA_INT), arena));
            job.set(ValueLayout.ADDRESS, offset("conns"), conns);
            job.set(ValueLayout.ADDRESS, offset("shared"), shared);
            job.set(ValueLayout.ADDRESS, offset("seqs"), seqs);
            job.set(ValueLayout.ADDRESS, offset("failures"), failures);
            job.set(ValueLayout.ADDRESS, offset("message"), message);
            long[][] values = {{offset("conn_capacity"), capacity}, {offset("conn_count"), SOCKETS},
                    {offset("failure_capacity"), failureCapacity}, {offset("socket_count"), SOCKETS}, {offset("threads"), THREADS},
                    {offset("sends_per_thread"), perThread}, {offset("seed"), SEED}, {offset("flush_per_mille"), FLUSH},
                    {offset("close_per_mille"), CLOSE}, {offset("reset_per_mille"), RESET}, {offset("wait_ms"), WAIT_MILLIS},
                    {offset("reapers"), REAPERS}};
            for (long[] v : values) {
                job.set(ValueLayout.JAVA_LONG, v[0], v[1]);
            }
            DelayingFilter filter = DELAY > 0 || PAUSE > 0 ? new DelayingFilter(DELAY, CLOSE > 0 ? PAUSE : 0, SEED) : null;
            if (filter != null) {
                connections.filter = filter;
                SendFilters.install(filter);
            }
            int count = SOCKETS;
            try {
                long start = System.nanoTime();
                int started = invoke(run, job);
                long nanos = System.nanoTime() - start;
                count = (int) get(job, "conn_count");
                assertNull(connections.upcallFailure.get(), "an upcall of the driver failed");
                assertEquals(0, get(job, "failed"), () -> get(job, "failed") + " failures, the first: " + message.getString(0));
                assertEquals(THREADS, started);
                assertEquals(0, get(job, "bad_completions"));
                if (filter != null) {
                    SendFilters.install(SendFilter.PASS_THROUGH);
                    filter.close();
                }
                connections.shutdownRest(count);
                Map<Long, Integer> failed = new HashMap<>();
                for (long i = 0, n = get(job, "failure_count"); i < n; i++) {
                    MemorySegment f = failures.asSlice(16 * i, 16);
                    Integer before = failed.put(StressConnections.key(f.get(ValueLayout.JAVA_INT, 0), f.get(ValueLayout.JAVA_INT, 4),
                            Integer.toUnsignedLong(f.get(ValueLayout.JAVA_INT, 8))), f.get(ValueLayout.JAVA_INT, 12));
                    assertNull(before, "one send reported failed twice");
                }
                StressConnections.Outcome outcome = connections.verify(count, seqs, failed);
                long routines = get(job, "routine_sends"), events = get(job, "event_sends"), ports = get(job, "port_sends"),
                        blocking = get(job, "blocking_sends");
                assertEquals(perThread * THREADS, routines + events + ports + blocking);
                assertEquals(perThread * THREADS, outcome.onWire() + outcome.failed() + outcome.lostToReset());
                long refused = get(job, "refused"), aborted = get(job, "aborted"), blockingFailed = get(job, "blocking_failed");
                assertEquals(failed.size(), refused + aborted + blockingFailed);
                assertEquals(outcome.failed(), failed.size());
                // every overlapped send not refused at the call completed once, the way it asked for (each once: the driver checks)
                assertEquals(routines + events + ports - refused, get(job, "routine_calls") + get(job, "event_completions")
                        + get(job, "port_completions"), "completions");
                assertTrue(routines > 0 && events > 0 && blocking > 0 && (REAPERS == 0 || ports > 0), "every kind of send ran");
                assertTrue(FLUSH == 0 || get(job, "flushes") > 0, "SIO_FLUSH was injected");
                assertTrue(CLOSE == 0 || get(job, "closes") > 0, "closes were injected");
                assertTrue(RESET == 0 || get(job, "resets") > 0, "resets were injected");
                assertTrue(DELAY == 0 || filter.delayed.get() > 0, "sends were delayed");
                assertTrue(PAUSE == 0 || CLOSE == 0 || filter.pausedAcrossReopen.get() > 0, "sends were paused across a reopen");
                String figures = "seed " + SEED + ", " + THREADS + " threads, " + SOCKETS + " shared sockets, " + count + " connections, "
                        + (perThread * THREADS) + " records in " + nanos / 1_000_000 + " ms: " + routines + " routine, " + events
                        + " event, " + ports + " port, " + blocking + " blocking sends; completions checked: " + get(job, "routine_calls")
                        + " routines, " + get(job, "event_completions") + " events, " + get(job, "port_completions")
                        + " port packets (" + REAPERS + " reapers); faults: " + get(job, "flushes") + " SIO_FLUSH, " + get(job, "closes")
                        + " closes with reopen, " + get(job, "resets") + " peer resets, "
                        + (filter == null ? 0 : filter.delayed.get()) + " sends delayed (" + (filter == null ? 0 : filter.released.get())
                        + " released, " + (filter == null ? 0 : filter.notHeld.get()) + " releases refused: released while filtering or closed), "
                        + (filter == null ? 0 : filter.paused.get()) + " sends paused between handle and lock ("
                        + (filter == null ? 0 : filter.pausedAcrossReopen.get()) + " across a close and reopen); "
                        + refused + " overlapped and " + blockingFailed + " blocking sends refused at the call, " + aborted + " ended with an error, " + outcome.lostToReset()
                        + " lost to resets, " + outcome.onWire() + " on the wire; handle values reissued while in use: "
                        + get(job, "collisions") + "; failures by code " + new java.util.TreeMap<>(failed.values().stream()
                        .collect(java.util.stream.Collectors.groupingBy(c -> c, java.util.stream.Collectors.counting())))
                        + System.lineSeparator();
                Files.writeString(Path.of("target", "native-send-stress.txt"), figures);
                System.out.print(figures);
            } finally {
                if (filter != null) {
                    SendFilters.install(SendFilter.PASS_THROUGH);
                    filter.close();
                }
                connections.closeRest(count);
            }
        });
    }

    private static long connectionsClient(MemorySegment conns, int c) {
        return conns.get(ValueLayout.JAVA_LONG, c * StressConnections.CONN_SIZE);
    }
}
