package org.jwsp.jmh;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the jwsp layer costs a C program per call: a pthread the JVM did not start calls a
 * provider's {@code lpWSPSend} from its proc table ({@code native_caller.c}), blocking, on a
 * socket to a drain process, once with jwsp's entry (jwsp's Java WSPSend, then the base) and once
 * with the base provider's alone. Each is timed in rounds; the median round gives ns per call,
 * and the difference is jwsp's share. Not JMH: the timed loop is C, and JMH cannot time a native
 * thread; run by {@link BenchmarkRun} after the JMH benchmarks.
 */
final class NativeCaller {

    private static final StructLayout JOB = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("send"), ValueLayout.JAVA_LONG.withName("socket"),
            ValueLayout.ADDRESS.withName("buffers"), ValueLayout.JAVA_INT.withName("count"),
            ValueLayout.JAVA_INT.withName("expected"), ValueLayout.JAVA_LONG.withName("iterations"),
            ValueLayout.JAVA_LONG.withName("nanos"), ValueLayout.JAVA_INT.withName("failed_at"),
            ValueLayout.JAVA_INT.withName("error"));
    private static final long SEND = offset("send"), SOCKET = offset("socket"), BUFFERS = offset("buffers"),
            COUNT = offset("count"), EXPECTED = offset("expected"), ITERATIONS = offset("iterations"),
            NANOS = offset("nanos"), FAILED_AT = offset("failed_at"), ERROR = offset("error");

    /** One measured pair: ns per call through jwsp and on the base alone, for one workload. */
    record Result(String workload, double jwspNanos, double baseNanos) {
        double layerNanos() {
            return jwspNanos - baseNanos;
        }
    }

    private NativeCaller() {
    }

    private static long offset(String field) {
        return JOB.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    /** Measures each workload (e.g. "1x64"): {@code rounds} rounds of {@code iterations} calls per provider. */
    static List<Result> measure(List<String> workloads, int rounds, long iterations) throws IOException, InterruptedException {
        List<Result> results = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            SymbolLookup lib = SymbolLookup.libraryLookup(NativeBuild.sharedLibrary("native_caller.c"), arena);
            Linker linker = Linker.nativeLinker();
            MethodHandle size = linker.downcallHandle(lib.findOrThrow("native_caller_job_size"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT));
            MethodHandle run = linker.downcallHandle(lib.findOrThrow("native_caller_run"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            try {
                if ((int) size.invokeExact() != JOB.byteSize()) {
                    throw new IllegalStateException("native_caller.c's JOB and NativeCaller.JOB differ");
                }
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            for (String shape : workloads) {
                Workload w = Workload.of(shape);
                double jwsp = median(arena, run, "nativeCaller jwsp shape=" + shape, true, w, rounds, iterations);
                double base = median(arena, run, "nativeCaller base shape=" + shape, false, w, rounds, iterations);
                results.add(new Result(shape, jwsp, base));
            }
        }
        return results;
    }

    private static double median(Arena arena, MethodHandle run, String label, boolean jwsp, Workload w, int rounds,
                                 long iterations) throws InterruptedException {
        double[] perCall = new double[rounds];
        WinsockSender sender = WinsockSender.open(label, jwsp, false, 1, w.buffers(), w.size());
        try {
            MemorySegment job = arena.allocate(JOB);
            job.set(ValueLayout.ADDRESS, SEND, sender.providerSend());
            job.set(ValueLayout.JAVA_LONG, SOCKET, sender.socket());
            job.set(ValueLayout.ADDRESS, BUFFERS, sender.wsabufs());
            job.set(ValueLayout.JAVA_INT, COUNT, sender.buffers());
            job.set(ValueLayout.JAVA_INT, EXPECTED, (int) sender.total());
            job.set(ValueLayout.JAVA_LONG, ITERATIONS, iterations);
            for (int r = -1; r < rounds; r++) { // round -1 warms up (and attaches the pthread's first upcall)
                int e;
                try {
                    e = (int) run.invokeExact(job);
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
                if (e != 0) {
                    throw new IllegalStateException("pthread_create/join: " + e);
                }
                int failedAt = job.get(ValueLayout.JAVA_INT, FAILED_AT);
                if (failedAt >= 0) {
                    throw new IllegalStateException(label + ": WSPSend failed at call " + failedAt + " with "
                            + job.get(ValueLayout.JAVA_INT, ERROR));
                }
                sender.sentElsewhere(iterations * sender.total());
                if (r >= 0) {
                    perCall[r] = (double) job.get(ValueLayout.JAVA_LONG, NANOS) / iterations;
                }
            }
        } finally {
            sender.close(); // checks that the drain received every byte sent
        }
        Arrays.sort(perCall);
        return perCall[rounds / 2];
    }

    static String markdown(List<Result> results) {
        StringBuilder md = new StringBuilder("\n## A native caller (C, its own pthread) calling lpWSPSend, blocking\n\n");
        md.append("| workload | jwsp ns/call | base alone ns/call | jwsp layer ns/call |\n|---|---:|---:|---:|\n");
        for (Result r : results) {
            md.append(String.format("| %s | %.0f | %.0f | %.0f |%n", r.workload(), r.jwspNanos(), r.baseNanos(), r.layerNanos()));
        }
        return md.toString();
    }
}
