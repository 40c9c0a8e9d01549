package org.jwsp.jmh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * One benchmark run as {@code jmh/run.sh} makes it: every benchmark (or those matching the given
 * patterns) with JMH's GC profiler, then, in {@code jmh/results/<time>/}: {@code results.json} (JMH's
 * raw results), {@code receiver.csv} (each trial's drain: bytes and its CPU), {@code report.md}
 * (ratios against the peers of the same run, bytes allocated per send, the receiver's CPU) and
 * {@code chart.svg}. JMH's own progress lines show while it runs. A run stopped early (Ctrl-C, a
 * failed trial) still writes the report of what was measured and says that the rest is missing.
 *
 * <pre>java ... org.jwsp.jmh.BenchmarkRun [--quick] [--cost] [--out DIR] [--param NAME=V1,V2] [--jvm-arg ARG] [REGEX...]</pre>
 * After the JMH benchmarks (and when no pattern, or the pattern {@code NativeCaller}, is given), a C
 * caller on its own pthread times jwsp's {@code lpWSPSend} against the base's ({@link NativeCaller});
 * then (also for the patterns {@code PlainSendmsg} or {@code ffmSendmsg}) a plain C sender with no
 * JVM on its path cross-checks JMH's {@code ffmSendmsg} ({@link PlainSendmsg}).
 * {@code --quick}: 1 warm-up and 3 measured iterations of 1 s (under 10 minutes for everything);
 * default: 3 warm-ups and 5 measured iterations of 1 s.
 */
public final class BenchmarkRun {

    /** The peers every row is divided by, where the same workload has them. */
    static final List<String> BASELINES = List.of("ffmSendmsg", "nioGatheringWrite");

    private BenchmarkRun() {
    }

    public static void main(String[] args) throws IOException {
        boolean quick = false;
        boolean cost = false;
        Path out = null;
        List<String> include = new ArrayList<>();
        Map<String, String[]> params = new LinkedHashMap<>();
        List<String> jvmArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--cost" -> cost = true;
                case "--out" -> {
                    if (i + 1 == args.length) {
                        usage("--out needs a folder");
                    }
                    out = Path.of(args[++i]);
                }
                case "--param" -> {
                    if (i + 1 == args.length || !args[i + 1].contains("=")) {
                        usage("--param needs NAME=VALUE[,VALUE...]");
                    }
                    String[] kv = args[++i].split("=", 2);
                    params.put(kv[0], kv[1].split(","));
                }
                case "--jvm-arg" -> {
                    if (i + 1 == args.length) {
                        usage("--jvm-arg needs an argument");
                    }
                    jvmArgs.add(args[++i]);
                }
                case "-h", "--help" -> {
                    System.out.println(USAGE);
                    return;
                }
                default -> {
                    if (args[i].startsWith("-")) {
                        usage("unknown option " + args[i]);
                    }
                    include.add(args[i]);
                }
            }
        }
        if (out == null) {
            out = Path.of("jmh", "results", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        Files.createDirectories(out);
        System.exit(run(quick, cost, include, params, jvmArgs, out));
    }

    private static final String USAGE = "usage: bash jmh/run.sh [--quick] [--cost] [--out DIR] [--param NAME=V1,V2] [--jvm-arg ARG] [BENCHMARK-REGEX...]\n"
            + "  --quick  1 warm-up and 3 measured iterations of 1 s (under 10 minutes for everything)\n"
            + "  --cost   also count CPU, system calls by kind and context switches per send (perf stat)\n"
            + "  --out    the folder for results.json, report.md, chart.svg and receiver.csv\n"
            + "  --param  only these values of a benchmark parameter (e.g. --param shape=1x64 --param window=1,16)\n"
            + "  --jvm-arg  one more argument for every benchmark JVM (e.g. -Djwsp.jmh.skipLowerPort=false)";

    private static void usage(String why) {
        System.err.println("jmh/run.sh: " + why + "\n" + USAGE);
        System.exit(2);
    }

    static int run(boolean quick, boolean cost, List<String> include, Map<String, String[]> params, List<String> jvmArgs, Path out)
            throws IOException {
        Path receiver = out.resolve("receiver.csv").toAbsolutePath();
        String noCounters = cost ? CostCounters.unavailable() : null;
        ChainedOptionsBuilder options = new OptionsBuilder()
                .forks(1)
                .warmupIterations(quick ? 1 : 3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(quick ? 3 : 5).measurementTime(TimeValue.seconds(1))
                .addProfiler(GCProfiler.class)
                .jvmArgsAppend(forkArgs(receiver, jvmArgs));
        if (cost && noCounters == null) {
            options.addProfiler(org.openjdk.jmh.profile.LinuxPerfNormProfiler.class, CostCounters.profilerOptions());
        }
        params.forEach(options::param);
        for (String pattern : include.isEmpty() ? List.of("org\\.jwsp\\.jmh\\..*Benchmark") : include) {
            options.include(pattern);
        }
        List<BenchmarkResult> done = new CopyOnWriteArrayList<>();
        Path report = out.resolve("report.md");
        Thread interrupted = new Thread(() -> writeQuietly(report, done, receiver, "the run was stopped before it ended"));
        Runtime.getRuntime().addShutdownHook(interrupted);
        int exit = 0;
        String incomplete = null;
        boolean jmh = include.isEmpty() || include.stream().anyMatch(p -> !p.contains("NativeCaller") && !p.contains("PlainSendmsg"));
        try {
            if (!jmh) {
                throw new NoJmh();
            }
            Collection<RunResult> results = new Runner(options.build(), new RecordingOutput(
                    OutputFormatFactory.createFormatInstance(System.out, VerboseMode.NORMAL), done)).run();
            ResultFormatFactory.getInstance(ResultFormatType.JSON, out.resolve("results.json").toString()).writeOut(results);
        } catch (RunnerException e) {
            incomplete = "a benchmark failed: " + e.getMessage();
            exit = 1;
        } catch (NoJmh e) {
            // only the native caller was asked for
        }
        Runtime.getRuntime().removeShutdownHook(interrupted);
        write(report, done, receiver, incomplete);
        if (cost) {
            Files.writeString(report, CostCounters.markdown(CostCounters.of(done), noCounters),
                    java.nio.file.StandardOpenOption.APPEND);
        }
        if (incomplete == null && (include.isEmpty() || include.stream().anyMatch("NativeCaller"::contains))) {
            try {
                Files.writeString(report, NativeCaller.markdown(NativeCaller.measure(List.of("1x64", "8x1024", "16x65536"),
                        quick ? 301 : 1001, 1_000)), java.nio.file.StandardOpenOption.APPEND);
            } catch (RuntimeException | InterruptedException e) {
                Files.writeString(report, "\n**The native caller was not measured: " + e + "**\n",
                        java.nio.file.StandardOpenOption.APPEND);
                exit = 1;
            }
        }
        if (incomplete == null && (include.isEmpty() || include.stream().anyMatch(p -> p.contains("PlainSendmsg")
                || p.contains("ffmSendmsg") || p.contains("NativeCaller")))) {
            try {
                Files.writeString(report, PlainSendmsg.markdown(PlainSendmsg.measure(List.of("1x64", "8x1024", "16x65536"),
                        quick ? 7 : 15, quick ? 50_000 : 100_000), rows(done, receiver)), java.nio.file.StandardOpenOption.APPEND);
            } catch (RuntimeException | InterruptedException e) {
                Files.writeString(report, "\n**The plain C sender was not measured: " + e + "**\n",
                        java.nio.file.StandardOpenOption.APPEND);
                exit = 1;
            }
        }
        Files.writeString(out.resolve("chart.svg"), Chart.svg(rows(done, receiver), BASELINES.getFirst()));
        System.out.println();
        System.out.print(Files.readString(report));
        System.out.println("\nwritten: " + out.resolve("results.json") + ", " + report + ", " + out.resolve("chart.svg")
                + ", " + receiver);
        return exit;
    }

    /** The arguments every benchmark JVM gets, then {@code extra} (--jvm-arg). */
    private static String[] forkArgs(Path receiver, List<String> extra) {
        List<String> all = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Dio.netty.tryReflectionSetAccessible=true", "-Xss2m",
                "-D" + LoopbackSink.LOG_PROPERTY + "=" + receiver));
        all.addAll(extra);
        return all.toArray(String[]::new);
    }

    private static final class NoJmh extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    /** A measured trial: its workload, its name (with any variant parameter), its score and extras. */
    record Row(String workload, String benchmark, double score, double error, String unit, double bytesPerOp,
               double receiverCpu, double threadBytesPerOp) {
    }

    /** What a trial's drain and sender logged ({@link LoopbackSink#LOG_PROPERTY}). */
    record Logged(double receiverCpu, double threadBytesPerOp) {
    }

    static List<Row> rows(List<BenchmarkResult> results, Path receiverLog) {
        Map<String, Logged> logged = new LinkedHashMap<>();
        try {
            if (Files.exists(receiverLog)) {
                for (String line : Files.readAllLines(receiverLog, StandardCharsets.US_ASCII)) {
                    String[] f = line.split(",");
                    logged.put(f[0], new Logged(Double.parseDouble(f[2]), f.length > 4 ? Double.parseDouble(f[4]) : Double.NaN));
                }
            }
        } catch (IOException | RuntimeException e) {
            // a missing or torn log line: the report says "?" for that receiver
        }
        List<Row> rows = new ArrayList<>();
        for (BenchmarkResult r : results) {
            rows.add(row(r, logged));
        }
        return rows;
    }

    /** One trial as a row of the report; {@code logged} maps each trial's label to what its drain and sender logged. */
    static Row row(BenchmarkResult r, Map<String, Logged> logged) {
        var params = r.getParams();
        Map<String, String> workload = new LinkedHashMap<>();
        Map<String, String> variant = new LinkedHashMap<>();
        for (String key : params.getParamsKeys()) {
            (RatioTable.WORKLOAD_PARAMS.contains(key) ? workload : variant).put(key, params.getParam(key));
        }
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        String name = method + (variant.isEmpty() ? "" : variant.toString().replace('{', '(').replace('}', ')')
                .replace(", ", " "));
        Map<String, String> all = new LinkedHashMap<>(workload);
        all.putAll(variant);
        Result<?> primary = r.getPrimaryResult();
        Result<?> alloc = r.getSecondaryResults().get("·gc.alloc.rate.norm");
        if (alloc == null) {
            alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
        }
        Logged log = logged.getOrDefault(Workload.label(params.getBenchmark(), all), new Logged(Double.NaN, Double.NaN));
        return new Row(String.join(" ", workload.values()), name, primary.getScore(), primary.getScoreError(),
                primary.getScoreUnit(), alloc == null ? Double.NaN : alloc.getScore(), log.receiverCpu(), log.threadBytesPerOp());
    }

    static String markdown(List<Row> rows, String incomplete) {
        StringBuilder md = new StringBuilder("# jwsp send benchmarks\n\n");
        md.append("Throughput over loopback TCP to a drain process, one JMH fork per trial; ratios are against the\n")
                .append("peers of the same run and the same workload (higher is faster). B/op is JMH's GC profiler\n")
                .append("(gc.alloc.rate.norm: every thread of the JVM, JMH's and the host's included, over the sends);\n")
                .append("sender B/op is what the sending threads alone allocated per send in the last iteration (the\n")
                .append("benchmark thread, and jwsp's completion worker where jwsp serves the socket); receiver CPU is\n")
                .append("the drain process's CPU time over its wall time.\n\n");
        if (incomplete != null) {
            md.append("**Incomplete: ").append(incomplete).append(".** Only the trials below were measured.\n\n");
        }
        md.append("| workload | benchmark | ops/s | ± 99.9% |");
        BASELINES.forEach(b -> md.append(" × ").append(b).append(" |"));
        md.append(" B/op | sender B/op | receiver CPU % |\n|---|---|---:|---:|");
        BASELINES.forEach(b -> md.append("---:|"));
        md.append("---:|---:|---:|\n");
        Map<String, List<Row>> byWorkload = new LinkedHashMap<>();
        rows.forEach(r -> byWorkload.computeIfAbsent(r.workload(), k -> new ArrayList<>()).add(r));
        for (List<Row> group : byWorkload.values()) {
            for (Row r : group) {
                md.append(String.format("| %s | %s | %,.0f | %,.0f |", r.workload(), r.benchmark(), r.score(), r.error()));
                for (String b : BASELINES) {
                    Row base = group.stream().filter(x -> x.benchmark().equals(b)).findFirst().orElse(null);
                    md.append(base == null ? " n/a |" : String.format(" %.2f |", r.score() / base.score()));
                }
                md.append(Double.isNaN(r.bytesPerOp()) ? " ? |" : String.format(" %.1f |", r.bytesPerOp()));
                md.append(Double.isNaN(r.threadBytesPerOp()) ? " ? |" : String.format(" %.2f |", r.threadBytesPerOp()));
                md.append(Double.isNaN(r.receiverCpu()) ? " ? |\n" : String.format(" %.0f |%n", r.receiverCpu()));
            }
        }
        if (rows.isEmpty()) {
            md.append("\n(nothing was measured)\n");
        }
        return md.toString();
    }

    private static void write(Path report, List<BenchmarkResult> done, Path receiver, String incomplete) throws IOException {
        Files.writeString(report, markdown(rows(done, receiver), incomplete));
    }

    private static void writeQuietly(Path report, List<BenchmarkResult> done, Path receiver, String incomplete) {
        try {
            write(report, done, receiver, incomplete);
            System.err.println("jmh/run.sh: stopped; the report of the " + done.size() + " trials measured is " + report);
        } catch (IOException e) {
            System.err.println("jmh/run.sh: stopped, and the report could not be written: " + e);
        }
    }
}
