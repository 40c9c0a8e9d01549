package org.jwsp.jmh;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * What the jwsp layer costs a C program per call: a pthread the JVM did not start calls
 * {@code lpWSPSend} from proc tables ({@code native_caller.c}), blocking, on one connection to a
 * drain process: jwsp's entry on jwsp's socket (jwsp's Java WSPSend, then the base) and the base
 * provider's entry on the base socket under it ({@code SIO_BASE_HANDLE}), in alternating rounds,
 * so both callees see the same connection and the same drift in the machine's load. Per round
 * pair the difference is jwsp's share; the medians of the rounds and of the differences are
 * reported. Not JMH: the timed loop is C, and JMH cannot time a native thread; run by
 * {@link BenchmarkRun} after the JMH benchmarks.
 */
final class NativeCaller {

    private static final StructLayout JOB = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(2, ValueLayout.ADDRESS).withName("send"),
            MemoryLayout.sequenceLayout(2, ValueLayout.JAVA_LONG).withName("socket"),
            ValueLayout.ADDRESS.withName("buffers"), ValueLayout.JAVA_INT.withName("count"),
            ValueLayout.JAVA_INT.withName("expected"), ValueLayout.JAVA_LONG.withName("iterations"),
            ValueLayout.JAVA_LONG.withName("rounds"), ValueLayout.ADDRESS.withName("nanos"),
            ValueLayout.JAVA_INT.withName("failed_at"), ValueLayout.JAVA_INT.withName("error"),
            ValueLayout.JAVA_INT.withName("failed_callee"), ValueLayout.JAVA_INT.withName("reserved"));
    private static final long SEND = NativeJob.offset(JOB, "send"), SOCKET = NativeJob.offset(JOB, "socket"),
            BUFFERS = NativeJob.offset(JOB, "buffers"), COUNT = NativeJob.offset(JOB, "count"),
            EXPECTED = NativeJob.offset(JOB, "expected"), ITERATIONS = NativeJob.offset(JOB, "iterations"),
            ROUNDS = NativeJob.offset(JOB, "rounds"), NANOS = NativeJob.offset(JOB, "nanos"),
            FAILED_AT = NativeJob.offset(JOB, "failed_at"), ERROR = NativeJob.offset(JOB, "error"),
            FAILED_CALLEE = NativeJob.offset(JOB, "failed_callee");

    /** One measured workload: median ns per call through jwsp, on the base alone, and of the per-round differences. */
    record Result(String workload, double jwspNanos, double baseNanos, double layerNanos, double layerLow, double layerHigh) {
    }

    private NativeCaller() {
    }

    /**
     * Measures each workload (e.g. "1x64"): {@code rounds} rounds of {@code iterations} calls per
     * callee (a fiftieth of them for workloads of a megabyte, whose calls take ~50 times longer).
     */
    static List<Result> measure(List<String> workloads, int rounds, long iterations) throws IOException, InterruptedException {
        List<Result> results = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            NativeJob run = NativeJob.load(arena, "native_caller", JOB);
            for (String shape : workloads) {
                long n = NativeJob.callsPerRound(Workload.of(shape), iterations);
                results.add(measure(arena, run, shape, rounds, n));
            }
        }
        return results;
    }

    private static Result measure(Arena arena, NativeJob run, String shape, int rounds, long iterations)
            throws InterruptedException {
        System.out.println("# native caller, shape=" + shape + ": " + rounds + " rounds of " + iterations
                + " calls each, jwsp and base alternating");
        Workload w = Workload.of(shape);
        WinsockSender sender = WinsockSender.open("nativeCaller shape=" + shape, true, false, 1, w.buffers(), w.size());
        try {
            WinsockSender.BaseUnder base = sender.baseUnder();
            MemorySegment nanos = arena.allocate(ValueLayout.JAVA_LONG, 2L * rounds);
            MemorySegment job = arena.allocate(JOB);
            job.set(ValueLayout.ADDRESS, SEND, sender.providerSend());
            job.set(ValueLayout.ADDRESS, SEND + ValueLayout.ADDRESS.byteSize(), base.send());
            job.set(ValueLayout.JAVA_LONG, SOCKET, sender.socket());
            job.set(ValueLayout.JAVA_LONG, SOCKET + 8, base.socket());
            job.set(ValueLayout.ADDRESS, BUFFERS, sender.wsabufs());
            job.set(ValueLayout.JAVA_INT, COUNT, sender.buffers());
            job.set(ValueLayout.JAVA_INT, EXPECTED, (int) sender.total());
            job.set(ValueLayout.JAVA_LONG, ITERATIONS, iterations);
            job.set(ValueLayout.JAVA_LONG, ROUNDS, rounds);
            job.set(ValueLayout.ADDRESS, NANOS, nanos);
            run.run(job);
            int failedAt = job.get(ValueLayout.JAVA_INT, FAILED_AT);
            if (failedAt != -1) {
                throw new IllegalStateException("native caller: " + (job.get(ValueLayout.JAVA_INT, FAILED_CALLEE) == 0 ? "jwsp's" : "the base's")
                        + " WSPSend failed in round " + failedAt + " with " + job.get(ValueLayout.JAVA_INT, ERROR));
            }
            sender.sentElsewhere(2L * (rounds + 1) * iterations * sender.total());
            double[] jwsp = new double[rounds], baseAlone = new double[rounds], layer = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                jwsp[r] = (double) nanos.getAtIndex(ValueLayout.JAVA_LONG, 2L * r) / iterations;
                baseAlone[r] = (double) nanos.getAtIndex(ValueLayout.JAVA_LONG, 2L * r + 1) / iterations;
                layer[r] = jwsp[r] - baseAlone[r];
            }
            return new Result(shape, NativeJob.median(jwsp), NativeJob.median(baseAlone), NativeJob.median(layer),
                    NativeJob.quantile(layer, 0.25), NativeJob.quantile(layer, 0.75));
        } finally {
            sender.close(); // checks that the drain received every byte sent
        }
    }

    static String markdown(List<Result> results) {
        StringBuilder md = new StringBuilder("\n## A native caller (C, its own pthread) calling lpWSPSend, blocking\n\n");
        md.append("One connection; rounds alternate between jwsp's entry on jwsp's socket and the base's entry on the\n")
                .append("base socket under it, in pairs whose order alternates. Medians of the rounds; the layer is the\n")
                .append("median of the per-pair differences, and half of its rounds fall between the quartiles given:\n")
                .append("a layer smaller than that spread is below what this machine's noise lets the loop resolve.\n\n");
        md.append("| workload | jwsp ns/call | base alone ns/call | jwsp layer ns/call | layer quartiles |\n|---|---:|---:|---:|---:|\n");
        for (Result r : results) {
            md.append(String.format("| %s | %.0f | %.0f | %.0f | %.0f to %.0f |%n", r.workload(), r.jwspNanos(), r.baseNanos(),
                    r.layerNanos(), r.layerLow(), r.layerHigh()));
        }
        return md.toString();
    }
}
