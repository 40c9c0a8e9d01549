package org.jwsp.samples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;


import org.jwsp.samples.filter.MeterReport;
import org.jwsp.samples.filter.SendMeter;

/**
 * Metering per destination and per thread: jwsp with a {@link SendMeter} as its filter; several
 * threads each send to two echo servers (blocking WSASends of mixed sizes to one, overlapped
 * sends on a completion port to the other). The meter's counts, size and completion-latency
 * histograms are printed, written as CSV and logged as Log4j 2 lines while the run goes on
 * ({@link MeterReport}); every cell's counts are checked against what its connection's echo
 * returned.
 *
 * <pre>bash samples/demo.sh MeterSample --threads 4 --csv /tmp/jwsp-meter.csv</pre>
 */
public final class MeterSample {

    static final int[] MIXED = {100, 1000, 10000};
    static final int OVERLAPPED_SIZE = 4096;

    private MeterSample() {
    }

    public static void main(String[] args) {
        System.exit(run(System.out, args));
    }

    /** Runs the sample with {@code args}, printing to {@code out}; 0 when every cell agrees with its echo. */
    public static int run(PrintStream out, String... args) {
        return SampleExit.code(out, "meter sample", () -> {
            SampleArgs a = new SampleArgs("MeterSample",
                    "Meters sends per destination and per thread (counts, bytes, size and completion-latency histograms), logs them as Log4j 2 lines while it runs, writes CSV, and checks every count against the echo.")
                    .option("threads", "2", "sending threads, each with one connection to each of two echo servers (1 to 16)")
                    .option("sends", "500", "sends per connection (1 to 1000000)")
                    .option("csv", "samples/target/jwsp-meter.csv", "the CSV file to write")
                    .option("log-every", "500", "milliseconds between Log4j 2 reports (10 to 60000)")
                    .parse(args);
            if (a.help()) {
                out.print(a.usage());
                return;
            }
            int threads = a.integer("threads", 1, 16);
            int sends = a.integer("sends", 1, 1_000_000);
            long every = a.number("log-every", 10, 60_000);
            Path csv = Path.of(a.string("csv"));
            try {
                Files.writeString(csv, MeterReport.CSV_HEADER + "\n"); // now, so a bad path fails before anything is sent
            } catch (IOException e) {
                out.println("sent 0 B, confirmed 0 B: nothing was sent");
                throw new SampleFailure("cannot write the CSV file " + csv + ": " + SampleArgs.why(e));
            }
            meter(out, threads, sends, every, csv);
        });
    }

    /** One sending thread's two connections and what they sent and got back. */
    private record Sender(String name, long[] planned, long[] echoed) {
    }

    private static void meter(PrintStream out, int threads, int sends, long every, Path csv) throws Exception {
        SendMeter meter = new SendMeter();
        List<Sender> senders = new ArrayList<>();
        List<SendMeter.Cell> cells;
        int[] ports = new int[2];
        MeterReport report = null;
        try (EchoServer small = EchoServer.start(); EchoServer bulk = EchoServer.start(); JwspOnHost jwsp = JwspOnHost.install(meter)) {
            ports[0] = small.port();
            ports[1] = bulk.port();
            report = new MeterReport(meter, every);
            Winsock ws2 = jwsp.winsock();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> running = new ArrayList<>();
            for (int i = 1; i <= threads; i++) {
                Sender s = new Sender("meter-sender-" + i, new long[2], new long[2]);
                senders.add(s);
                running.add(Thread.ofPlatform().name(s.name()).start(() -> {
                    try {
                        send(ws2, ports, sends, s);
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }));
            }
            for (Thread t : running) {
                t.join();
            }
            report.close();
            cells = meter.snapshot();
            print(out, cells, senders, ports);
            if (failure.get() != null) {
                throw failure.get() instanceof SampleFailure f ? f : new SampleFailure(failure.get().toString());
            }
        } finally {
            if (report != null) {
                report.close();
            }
        }
        MeterReport.writeCsv(cells, csv);
        check(cells, senders, ports, sends);
        out.printf("meter sample: OK, %d cells agree with their echo; CSV in %s, %d Log4j lines on logger %s%n",
                senders.size() * 2, csv, report.lines(), MeterReport.LOGGER);
    }

    /** On the sender's own thread: blocking mixed sends to the first server, overlapped ones to the second. */
    private static void send(Winsock ws2, int[] ports, int sends, Sender s) throws InterruptedException {
        try (EchoConnection a = new EchoConnection(ws2, ports[0]); EchoConnection b = new EchoConnection(ws2, ports[1])) {
            try {
                WinsockSends.blocking(ws2, a, sends, MIXED, 0, new SendTally());
                WinsockSends.throughCompletionPort(ws2, b, sends, 1, OVERLAPPED_SIZE, 8, new SendTally());
                a.awaitEcho(WinsockSends.WAIT_MILLIS);
                b.awaitEcho(WinsockSends.WAIT_MILLIS);
            } finally {
                s.planned()[0] = a.planned();
                s.planned()[1] = b.planned();
                s.echoed()[0] = a.received();
                s.echoed()[1] = b.received();
            }
        }
    }

    private static void print(PrintStream out, List<SendMeter.Cell> cells, List<Sender> senders, int[] ports) {
        out.printf("%-16s %-15s %7s %11s %11s %8s %8s %10s %10s%n", "destination", "thread", "sends", "metered B", "echoed B",
                "size p50", "size max", "lat p50us", "lat p99us");
        for (SendMeter.Cell c : cells) {
            out.printf("%-16s %-15s %7d %,11d %,11d %8d %8d %10d %10d%n", c.destination(), c.thread(), c.sends(), c.bytes(),
                    echoed(senders, ports, c), c.sizes().getValueAtPercentile(50), c.sizes().getMaxValue(),
                    c.latencies().getValueAtPercentile(50) / 1000, c.latencies().getValueAtPercentile(99) / 1000);
        }
    }

    /** What the echo returned to the connection of {@code c}'s thread and destination (-1 for "other"). */
    private static long echoed(List<Sender> senders, int[] ports, SendMeter.Cell c) {
        for (Sender s : senders) {
            for (int d = 0; d < 2; d++) {
                if (s.name().equals(c.thread()) && c.destination().equals("127.0.0.1:" + ports[d])) {
                    return s.echoed()[d];
                }
            }
        }
        return -1;
    }

    private static void check(List<SendMeter.Cell> cells, List<Sender> senders, int[] ports, int sends) {
        if (cells.size() != senders.size() * 2) {
            throw new SampleFailure(cells.size() + " cells metered, " + senders.size() * 2 + " (thread, destination) pairs sent");
        }
        for (SendMeter.Cell c : cells) {
            long echoed = echoed(senders, ports, c);
            long counted = c.sizes().getTotalCount();
            if (c.sends() != sends || c.completed() != sends || c.failed() != 0 || c.bytes() != echoed || counted != sends
                    || c.latencies().getTotalCount() != sends) {
                throw new SampleFailure(c.destination() + " from " + c.thread() + ": metered " + c.sends() + " sends, " + c.completed()
                        + " completed, " + c.bytes() + " B, but " + sends + " sends made and " + echoed + " B echoed");
            }
        }
    }
}
