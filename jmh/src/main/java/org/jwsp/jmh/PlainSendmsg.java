package org.jwsp.jmh;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.jwsp.bindings.linux.iovec;
import org.jwsp.bindings.linux.msghdr;
import org.jwsp.samples.Elements;

/**
 * The harness's cross-check (issue 14, item 3): a C sender with no JVM on its path
 * ({@code plain_sendmsg_run} in {@code native_caller.c}, its own pthread) sends one
 * {@code sendmsg(2)} per call to a {@link LoopbackPair}'s drain, exactly as JMH's
 * {@code ffmSendmsg} does from Java. The two should agree within noise: the drain is the same
 * process either way, so a disagreement would mean the harness, not the sender, sets the pace.
 * Run by {@link BenchmarkRun} after the JMH benchmarks; rounds of {@code iterations} calls, the
 * median round is reported.
 */
final class PlainSendmsg {

    private static final StructLayout JOB = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("fd"), ValueLayout.JAVA_INT.withName("reserved"),
            ValueLayout.ADDRESS.withName("message"), ValueLayout.JAVA_LONG.withName("expected"),
            ValueLayout.JAVA_LONG.withName("iterations"), ValueLayout.JAVA_LONG.withName("rounds"),
            ValueLayout.ADDRESS.withName("nanos"), ValueLayout.JAVA_INT.withName("failed_at"),
            ValueLayout.JAVA_INT.withName("reserved2"));

    /** One workload: calls per second of the median round. */
    record Result(String workload, double callsPerSecond) {
    }

    private PlainSendmsg() {
    }

    static List<Result> measure(List<String> workloads, int rounds, long iterations) throws IOException, InterruptedException {
        List<Result> results = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            NativeJob run = NativeJob.load(arena, "plain_sendmsg", JOB);
            for (String shape : workloads) {
                Workload w = Workload.of(shape);
                long n = NativeJob.callsPerRound(w, iterations);
                System.out.println("# plain C sendmsg, shape=" + shape + ": " + rounds + " rounds of " + n + " calls each");
                results.add(new Result(shape, measure(arena, run, w, "plainSendmsg shape=" + shape, rounds, n)));
            }
        }
        return results;
    }

    private static double measure(Arena arena, NativeJob run, Workload w, String label, int rounds, long iterations)
            throws InterruptedException {
        LoopbackPair pair = new LoopbackPair(label);
        try {
            MemorySegment iov = iovec.allocateArray(w.buffers(), arena);
            for (int i = 0; i < w.buffers(); i++) {
                MemorySegment one = Elements.at(iovec.layout(), iov, i);
                iovec.iov_base(one, arena.allocate(w.size()));
                iovec.iov_len(one, w.size());
            }
            MemorySegment message = msghdr.allocate(arena);
            msghdr.msg_iov(message, iov);
            msghdr.msg_iovlen(message, w.buffers());
            MemorySegment nanos = arena.allocate(ValueLayout.JAVA_LONG, rounds);
            MemorySegment job = arena.allocate(JOB);
            job.set(ValueLayout.JAVA_INT, NativeJob.offset(JOB, "fd"), pair.sender);
            job.set(ValueLayout.ADDRESS, NativeJob.offset(JOB, "message"), message);
            job.set(ValueLayout.JAVA_LONG, NativeJob.offset(JOB, "expected"), w.total());
            job.set(ValueLayout.JAVA_LONG, NativeJob.offset(JOB, "iterations"), iterations);
            job.set(ValueLayout.JAVA_LONG, NativeJob.offset(JOB, "rounds"), rounds);
            job.set(ValueLayout.ADDRESS, NativeJob.offset(JOB, "nanos"), nanos);
            run.run(job);
            int failedAt = job.get(ValueLayout.JAVA_INT, NativeJob.offset(JOB, "failed_at"));
            if (failedAt != -1) {
                throw new IllegalStateException(label + ": sendmsg failed or was short in round " + failedAt);
            }
            double[] perCall = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                perCall[r] = (double) nanos.getAtIndex(ValueLayout.JAVA_LONG, r) / iterations;
            }
            return 1e9 / NativeJob.median(perCall);
        } finally {
            pair.close();
            long sent = (rounds + 1L) * iterations * w.total();
            if (pair.received() != sent) {
                throw new IllegalStateException(label + ": the drain received " + pair.received() + " bytes of " + sent);
            }
        }
    }

    /** The cross-check as Markdown: C's calls per second beside JMH's ffmSendmsg of the same run, where measured. */
    static String markdown(List<Result> results, List<BenchmarkRun.Row> rows) {
        StringBuilder md = new StringBuilder("\n## The harness cross-check: a C sender with no JVM on its path\n\n");
        md.append("One sendmsg(2) per call from a C loop on its own pthread to the same drain process; JMH's ffmSendmsg\n")
                .append("does the same from Java. They should agree within noise.\n\n");
        md.append("| workload | C sendmsg calls/s | JMH ffmSendmsg ops/s | ffmSendmsg / C |\n|---|---:|---:|---:|\n");
        for (Result r : results) {
            BenchmarkRun.Row ffm = rows.stream().filter(x -> x.workload().equals(r.workload()) && x.benchmark().equals("ffmSendmsg"))
                    .findFirst().orElse(null);
            md.append(String.format("| %s | %,.0f | %s | %s |%n", r.workload(), r.callsPerSecond(),
                    ffm == null ? "not in this run" : String.format("%,.0f", ffm.score()),
                    ffm == null ? "n/a" : String.format("%.2f", ffm.score() / r.callsPerSecond())));
        }
        return md.toString();
    }
}
