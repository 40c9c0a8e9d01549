package org.jwsp.samples;

import java.io.PrintStream;
import java.util.concurrent.TimeUnit;

import org.jwsp.provider.filter.SendFilter;
import org.jwsp.samples.filter.Pacer;
import org.jwsp.samples.filter.SocketMeter;

/**
 * Shaping in Java: jwsp's filter answers {@link SendFilter#DELAY} for every overlapped send of
 * one socket, and a {@link Pacer} releases them at a fixed rate; the program, which keeps
 * {@value #SENDS} sends in flight on a completion port, sees them complete at that rate. An
 * unshaped socket doing the same is shown first, for contrast.
 *
 * <pre>bash samples/demo.sh ShapingFilterSample</pre>
 */
public final class ShapingFilterSample {

    static final int SENDS = 40, SIZE = 8192, RATE = 200;

    private ShapingFilterSample() {
    }

    public static void main(String[] args) {
        System.exit(SampleCommand.execute(
                "ShapingFilterSample",
                "A SendFilter DELAYs one socket's sends and a pacer releases them at a fixed rate; the rate is checked.",
                args, System.out, System.err, ShapingFilterSample::run));
    }

    /** Runs the sample, printing to {@code out}; 0 when the shaped socket kept to its rate. */
    public static int run(PrintStream out) {
        return SampleExit.code(out, "shaping sample", () -> {
            SocketMeter meter = new SocketMeter();
            try (EchoServer echo = EchoServer.start(); JwspOnHost jwsp = JwspOnHost.install(meter); Pacer pacer = new Pacer(RATE, SENDS)) {
                Winsock ws2 = jwsp.winsock();
                try (EchoConnection free = new EchoConnection(ws2, echo.port());
                     EchoConnection shaped = new EchoConnection(ws2, echo.port())) {
                    long shapedSocket = shaped.socket();
                    meter.policy(send -> send.socket() == shapedSocket ? pacer.hold(send) : SendFilter.PASS);
                    long freeMillis = timed(ws2, free);
                    long shapedMillis = timed(ws2, shaped);
                    long floor = 1000L * (SENDS - 1) / RATE;
                    out.printf("unshaped: %d sends x %d B in %4d ms%n", SENDS, SIZE, freeMillis);
                    out.printf("shaped:   %d sends x %d B in %4d ms = %.0f sends/s (pacer: %d/s, %d released)%n", SENDS, SIZE,
                            shapedMillis, SENDS * 1000.0 / Math.max(1, shapedMillis), RATE, pacer.released());
                    if (shapedMillis < floor || pacer.released() != SENDS || meter.read(shapedSocket).delayed() != SENDS) {
                        throw new SampleFailure("the shaped socket took " + shapedMillis + " ms (at least " + floor + " expected), "
                                + pacer.released() + " released, " + meter.read(shapedSocket).delayed() + " delayed");
                    }
                }
                out.println("shaping sample: OK, every delayed send was released at the pacer's rate and echoed intact");
            }
        });
    }

    /** All sends in flight at once on a completion port; milliseconds until the last completed and was echoed. */
    private static long timed(Winsock ws2, EchoConnection c) throws InterruptedException {
        long t0 = System.nanoTime();
        WinsockSends.throughCompletionPort(ws2, c, SENDS, 1, SIZE, SENDS, new SendTally());
        c.awaitEcho(WinsockSends.WAIT_MILLIS);
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }
}
