package org.jwsp.samples;

import static org.jwsp.bindings.windows.ws2spi_h.AF_INET;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;


import org.jwsp.samples.filter.TokenBucketShaper;

/**
 * Rate limiting per destination: jwsp with a {@link TokenBucketShaper} limits two echo servers to
 * different rates (the second gets a quarter of the first's); a thread per destination keeps
 * {@value #WINDOW} overlapped sends in flight on a completion port for about {@code --seconds}.
 * The program's threads never wait for the shaper: its sends return WSA_IO_PENDING and complete
 * at the rate. The sample checks each destination's measured rate (completions, from the
 * {@link TokenBucketShaper#WARMUP}th on to the last) is within {@value #TOLERANCE_PERCENT} % of its configured rate and that the echo
 * returned every byte intact.
 *
 * <pre>bash samples/demo.sh TokenBucketSample --rate 2m --seconds 5</pre>
 */
public final class TokenBucketSample {

    static final int WINDOW = 64;
    static final int TOLERANCE_PERCENT = 5;

    private TokenBucketSample() {
    }

    public static void main(String[] args) {
        System.exit(run(System.out, args));
    }

    /** Runs the sample with {@code args}, printing to {@code out}; 0 when both destinations kept to their rate. */
    public static int run(PrintStream out, String... args) {
        return SampleExit.code(out, "token bucket sample", () -> {
            SampleArgs a = new SampleArgs("TokenBucketSample",
                    "Shapes two destinations with a token bucket each, delaying completions (never the sending threads), and checks each measured rate is within 5 % of its configured rate.")
                    .option("rate", "1m", "bytes per second to the first echo server; the second gets a quarter (4k to 1024m)")
                    .option("seconds", "3", "how long the sends to each destination take at its rate (1 to 60)")
                    .option("size", "8k", "bytes per send (1 to 1m; at least 20 sends per destination must fit the run)")
                    .option("burst", "0", "bytes a destination may send at once beyond one send (0 to 1024m)")
                    .parse(args);
            if (a.help()) {
                out.print(a.usage());
                return;
            }
            long rate = a.number("rate", 4096, 1024L << 20);
            int seconds = a.integer("seconds", 1, 60);
            int size = a.integer("size", 1, 1 << 20);
            long burst = a.number("burst", 0, 1024L << 20);
            long[] rates = {rate, rate / 4};
            int[] sends = new int[2];
            for (int d = 0; d < 2; d++) {
                long n = rates[d] * seconds / size;
                if (n < 20) {
                    throw new SampleArgs.BadCommandLine("TokenBucketSample", "--size " + size + " is too large: " + rates[d] + " B/s for " + seconds + " s is only " + n
                            + " sends to a destination, 20 at least are needed to measure a rate");
                }
                sends[d] = (int) Math.min(n, 1_000_000);
            }
            shape(out, rates, sends, size, burst);
        });
    }

    private static void shape(PrintStream out, long[] rates, int[] sends, int size, long burst) throws Exception {
        long[] planned = new long[2];
        long[] echoed = new long[2];
        long[] millis = new long[2];
        double[] measured = new double[2];
        long[][] held = new long[2][];
        try (TokenBucketShaper shaper = new TokenBucketShaper(); EchoServer first = EchoServer.start(); EchoServer second = EchoServer.start();
             JwspOnHost jwsp = JwspOnHost.install(shaper); Arena arena = Arena.ofConfined()) {
            Winsock ws2 = jwsp.winsock();
            int[] ports = {first.port(), second.port()};
            MemorySegment[] addresses = new MemorySegment[2];
            for (int d = 0; d < 2; d++) {
                addresses[d] = Loopback.address(AF_INET(), ports[d], arena);
                shaper.limit(addresses[d], rates[d], burst);
            }
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread[] threads = new Thread[2];
            try {
                for (int d = 0; d < 2; d++) {
                    int dest = d;
                    threads[d] = Thread.ofPlatform().name("shaped-sender-" + (d + 1)).start(() -> {
                        try (EchoConnection c = new EchoConnection(ws2, ports[dest])) {
                            long t0 = System.nanoTime();
                            try {
                                WinsockSends.throughCompletionPort(ws2, c, sends[dest], 1, size, WINDOW, new SendTally());
                                millis[dest] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                                c.awaitEcho(WinsockSends.WAIT_MILLIS);
                            } finally {
                                planned[dest] = c.planned();
                                echoed[dest] = c.received();
                            }
                        } catch (Throwable t) {
                            failure.compareAndSet(null, t);
                        }
                    });
                }
                for (Thread t : threads) {
                    t.join();
                }
            } finally {
                for (int d = 0; d < 2; d++) {
                    measured[d] = shaper.measuredRate(addresses[d]);
                    held[d] = shaper.sendsHeldSpan(addresses[d]);
                    out.printf("127.0.0.1:%-5d rate %,13d B/s  measured %,13.0f B/s (%+.1f %%) over %,d ms  %,d sends, %,d held;"
                                    + " program %,d ms; sent %,d B, echoed %,d B%n", ports[d], rates[d], measured[d],
                            100 * (measured[d] / rates[d] - 1), TimeUnit.NANOSECONDS.toMillis(held[d][2]), held[d][0], held[d][1],
                            millis[d], planned[d], echoed[d]);
                }
            }
            if (failure.get() != null) {
                throw failure.get() instanceof SampleFailure f ? f : new SampleFailure(failure.get().toString());
            }
        }
        for (int d = 0; d < 2; d++) {
            if (Math.abs(measured[d] / rates[d] - 1) * 100 > TOLERANCE_PERCENT) {
                throw new SampleFailure(String.format("destination %d: measured %.0f B/s, configured %d B/s: more than %d %% apart",
                        d + 1, measured[d], rates[d], TOLERANCE_PERCENT));
            }
            if (planned[d] != (long) sends[d] * size || echoed[d] != planned[d]) {
                throw new SampleFailure("destination " + (d + 1) + ": " + planned[d] + " B sent, " + echoed[d] + " B echoed");
            }
        }
        out.printf("token bucket sample: OK, both destinations within %d %% of their rates; every byte echoed%n", TOLERANCE_PERCENT);
    }
}
