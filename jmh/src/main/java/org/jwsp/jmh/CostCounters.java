package org.jwsp.jmh;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.Result;

/**
 * What a send costs, counted rather than timed: JMH's {@code perfnorm} profiler runs {@code perf stat}
 * over each trial's fork and divides every counter by the operations measured, so a row says how
 * much CPU, how many system calls (by kind) and how many context switches one send took, whatever
 * the machine's speed. {@code jmh/run.sh --cost} adds it; {@code docs/PERFORMANCE.md} reads it.
 *
 * <p>The fork's children are counted too: the drain process is the only one that calls
 * {@code recvfrom}, so that column is the receiver's share and every other system call is the
 * sender's. CPU is {@code task-clock} of every thread of both processes (compiler and GC threads
 * included), so it is an upper bound on the send path's CPU.
 */
final class CostCounters {

    /** The perf events asked for, in the order the table shows them. */
    static final List<String> EVENTS = List.of("task-clock", "context-switches", "raw_syscalls:sys_enter",
            "syscalls:sys_enter_io_uring_enter", "syscalls:sys_enter_sendmsg", "syscalls:sys_enter_futex",
            "syscalls:sys_enter_poll", "syscalls:sys_enter_recvfrom");

    private static final List<String> HEADINGS = List.of("CPU µs", "context switches", "system calls",
            "io_uring_enter", "sendmsg", "futex", "poll", "recvfrom (receiver)");

    private CostCounters() {
    }

    /** The {@code -prof} argument that asks JMH's perfnorm profiler for {@link #EVENTS}. */
    static String profilerOptions() {
        return "events=" + String.join(",", EVENTS);
    }

    /**
     * Why perf cannot count here, or null when it can: perf must be installed and allowed to read
     * software events and syscall tracepoints (root, or {@code kernel.perf_event_paranoid} ≤ 1 with
     * tracefs readable).
     */
    static String unavailable() {
        try {
            Process perf = new ProcessBuilder("perf", "stat", "-x,", "-e", String.join(",", EVENTS), "true")
                    .redirectErrorStream(true).start();
            String out = new String(perf.getInputStream().readAllBytes());
            if (!perf.waitFor(30, TimeUnit.SECONDS)) {
                perf.destroyForcibly();
                return "perf stat did not finish in 30 s";
            }
            if (perf.exitValue() != 0 || out.contains("<not supported>") || out.contains("<not counted>")) {
                return "perf stat cannot count " + EVENTS + ": " + out.strip().lines().findFirst().orElse("exit " + perf.exitValue());
            }
            return null;
        } catch (IOException e) {
            return "no perf: " + e.getMessage() + " (apt-get install linux-perf)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while checking perf";
        }
    }

    /** One trial's counters per send, keyed by {@link #EVENTS} (an event perf did not report is absent). */
    record Cost(String workload, String benchmark, Map<String, Double> perSend) {
    }

    /** The counters of the trials that ran with the perfnorm profiler. */
    static List<Cost> of(List<BenchmarkResult> results) {
        List<Cost> costs = new ArrayList<>();
        for (BenchmarkResult r : results) {
            Map<String, Double> perSend = new LinkedHashMap<>();
            for (String event : EVENTS) {
                Result<?> c = r.getSecondaryResults().get(event);
                if (c == null) {
                    c = r.getSecondaryResults().get("·" + event);
                }
                if (c != null) {
                    perSend.put(event, c.getScore());
                }
            }
            if (!perSend.isEmpty()) {
                BenchmarkRun.Row row = BenchmarkRun.row(r, Map.of());
                costs.add(new Cost(row.workload(), row.benchmark(), perSend));
            }
        }
        return costs;
    }

    /** The Markdown table of {@link #of}, or a line saying why there is none. */
    static String markdown(List<Cost> costs, String unavailable) {
        StringBuilder md = new StringBuilder("\n## Cost per send (perf stat, divided by the sends measured)\n\n");
        if (unavailable != null) {
            return md.append("Not counted: ").append(unavailable).append(".\n").toString();
        }
        if (costs.isEmpty()) {
            return md.append("No trial ran with the counters.\n").toString();
        }
        md.append("CPU is every thread of the sender's JVM and of the drain process; recvfrom is the drain's;\n")
                .append("every other system call is the sender's. Counts do not depend on the machine's speed, CPU does.\n")
                .append("perf slows what it counts, and unevenly: each context switch of a counted thread saves and restores\n")
                .append("its counters, so a path that switches often loses more speed than one that does not. Take speeds and\n")
                .append("ratios from a run without --cost.\n\n")
                .append("| workload | benchmark |");
        HEADINGS.forEach(h -> md.append(' ').append(h).append(" |"));
        md.append("\n|---|---|");
        HEADINGS.forEach(h -> md.append("---:|"));
        md.append('\n');
        for (Cost c : costs) {
            md.append("| ").append(c.workload()).append(" | ").append(c.benchmark()).append(" |");
            for (String event : EVENTS) {
                Double v = c.perSend().get(event);
                if (v == null || v.isNaN()) {
                    md.append(" ? |");
                } else if (event.equals("task-clock")) {
                    md.append(String.format(" %.2f |", v * 1000)); // perf's task-clock is in milliseconds
                } else {
                    md.append(String.format(" %.2f |", v));
                }
            }
            md.append('\n');
        }
        return md.toString();
    }
}
