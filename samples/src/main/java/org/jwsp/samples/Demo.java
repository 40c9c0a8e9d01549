package org.jwsp.samples;

import static org.jwsp.bindings.windows.ws2spi_h.AF_INET;
import static org.jwsp.bindings.windows.ws2spi_h.AF_INET6;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.jwsp.provider.filter.SendFilters;
import org.jwsp.samples.filter.Pacer;
import org.jwsp.samples.filter.SocketMeter;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The README's demo ({@code bash samples/demo.sh}): jwsp doing its job over the Linux host. It
 * installs jwsp in the host's Winsock catalog over the base TCP and UDP providers (IPv4 and
 * IPv6), with a Java {@link SocketMeter} as jwsp's send filter; starts a loopback echo server;
 * then sends the ways Windows programs send (overlapped with an event, with a completion routine
 * in an alertable wait, through a completion port, gathering buffers from native memory,
 * blocking, and datagrams over IPv4 and IPv6) and checks that every byte arrives intact and in
 * order. One way is shaped (the filter DELAYs each send and a {@link Pacer} releases them on a
 * timer), one has a policy (sends over 4 KiB refused with WSAEACCES). While it runs, a
 * {@link LiveView} shows each way's progress; at the end a table of what the filter saw against
 * what the client saw ({@link DemoTable}); it uninstalls and exits 0, or 1 with one line saying
 * what failed, or 2 for a bad command line. Options are parsed by picocli; {@code --help} lists
 * them. The program's threads: main (set-up, the table), {@code --threads} senders, the live
 * view's, the echo server's and the pacer's.
 */
@Command(name = "bash samples/demo.sh", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = "A Windows-style program on the Linux host, every WSASend through jwsp's Java WSPSend.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every check passed", "1:a check failed (one line says which)", "2:bad command line"})
public final class Demo implements Callable<Integer> {

    /** WSAEACCES: what the policy answers for a send it refuses. */
    static final int WSAEACCES = SendFilters.WSAEACCES;
    /** The refusing policy's limit on one send. */
    static final int POLICY_LIMIT = 4096;
    /** Pacing of the shaped way. */
    static final int SHAPED_SENDS = 30, SHAPED_RATE = 150;
    /** Datagrams per UDP socket, and their size. */
    static final int DATAGRAMS = 200, DATAGRAM_SIZE = 1024;
    static final int STEPS = 8;
    static final int MAX_SIZE = 65536, MAX_SOCKETS = 8, MAX_SECONDS = 3600;

    @Option(names = {"-d", "--duration"}, paramLabel = "SECONDS",
            description = "keep every way sending for at least this long, in rounds of its sends (default: 0, one round)")
    int duration;
    @Option(names = {"-t", "--threads"}, paramLabel = "N",
            description = "ways sending at once, each socket's sends on one of N threads "
                    + "(default: ${DEFAULT-VALUE}, one way after another)")
    int threads = 1;
    @Option(names = {"-s", "--sockets"}, paramLabel = "N", description = "sockets per way, 1..8 (default: ${DEFAULT-VALUE})")
    int sockets = 1;
    @Option(names = "--size", paramLabel = "BYTES",
            description = "bytes per overlapped send (per buffer when gathered), 1..65536 (default: each way's own)")
    int size;
    @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "the echo server's port on 127.0.0.1 (default: any free one)")
    int port;
    @Option(names = "--plain", description = "plain progress lines even on a terminal")
    boolean plain;
    @Option(names = "--layouts", description = "print the bindings' layout table instead")
    boolean layouts;

    /** What one run does; {@link #DEFAULTS} is the README's demo. */
    record Options(int seconds, int threads, int sockets, int size, int port) {
        static final Options DEFAULTS = new Options(0, 1, 1, 0, 0);

        /** A size for a way whose own is {@code own}. */
        int size(int own) {
            return size == 0 ? own : size;
        }
    }

    private PrintStream out = System.out;
    private PrintStream err = System.err;

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    /** Parses {@code args} and runs the demo (or prints its help); returns the exit code. */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        Demo demo = new Demo();
        demo.out = out;
        demo.err = err;
        CommandLine cl = new CommandLine(demo);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((e, a) -> {
            err.println("jwsp demo: " + e.getMessage() + " (try --help)");
            return 2;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() {
        if (layouts) {
            return SampleExit.code(out, "jwsp demo --layouts", () -> BindingLayouts.print(out));
        }
        String bad = duration < 0 || duration > MAX_SECONDS ? "--duration must be 0.." + MAX_SECONDS + " seconds, not " + duration
                : threads < 1 || threads > 64 ? "--threads must be 1..64, not " + threads
                : sockets < 1 || sockets > MAX_SOCKETS ? "--sockets must be 1.." + MAX_SOCKETS + ", not " + sockets
                : size < 0 || size > MAX_SIZE ? "--size must be 1.." + MAX_SIZE + " bytes, not " + size
                : port < 0 || port > 65535 ? "--port must be 0..65535, not " + port : null;
        if (bad != null) {
            err.println("jwsp demo: " + bad + " (try --help)");
            return 2;
        }
        boolean terminal = !plain && System.console() != null && System.console().isTerminal()
                && !"dumb".equals(System.getenv("TERM"));
        return run(out, new Options(duration, threads, sockets, size, port), terminal);
    }

    /** Runs the README's demo, printing plain progress to {@code out}; returns the exit code. */
    public static int run(PrintStream out) {
        return run(out, Options.DEFAULTS, false);
    }

    /** Runs the demo, printing to {@code out}; returns the exit code (0 when everything checked out). */
    static int run(PrintStream out, Options o, boolean terminal) {
        long start = System.nanoTime();
        return SampleExit.code(out, "jwsp demo", () -> {
            new DemoRun(out, o, terminal).run();
            out.printf("jwsp demo: OK in %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        });
    }

    /** Opens one way's sockets: {@code sockets} echo connections, or for UDP one IPv4 and one IPv6 socket each. */
    static DemoWay open(String name, Winsock ws2, EchoServer echo, SocketMeter meter, Options o, boolean udp, List<AutoCloseable> owned)
            throws Exception {
        DemoWay w = new DemoWay(name);
        for (int k = 0; k < o.sockets(); k++) {
            List<Checked> made = new ArrayList<>();
            if (udp) {
                for (int af : new int[] {AF_INET(), AF_INET6()}) {
                    DatagramConnection d = new DatagramConnection(ws2, af);
                    owned.add(d);
                    made.add(d);
                }
            } else {
                EchoConnection c = new EchoConnection(ws2, echo.port());
                owned.add(c);
                made.add(c);
            }
            for (Checked c : made) {
                if (!ws2.throughJwsp(c.socket())) {
                    throw new SampleFailure(name + ": socket " + c.socket() + " bypassed jwsp");
                }
                meter.watch(c.socket());
                w.add(c);
            }
        }
        return w;
    }
}
