package org.jwsp.samples;

import java.io.PrintStream;
import org.jwsp.samples.filter.SocketMeter;


/**
 * Metering in Java: jwsp with a {@link SocketMeter} as its send filter counts every WSASend of
 * three connections of a Windows-style program (small requests, bulk transfer, a mix), and the
 * counts are checked against what the echo server sent back.
 *
 * <pre>bash samples/demo.sh MeteringFilterSample</pre>
 *
 * <p>Read {@link SocketMeter} for the filter: a fixed table of sockets and atomic counters,
 * nothing allocated per send.
 */
public final class MeteringFilterSample {

    private MeteringFilterSample() {
    }

    public static void main(String[] args) {
        System.exit(SampleCommand.execute(
                "MeteringFilterSample",
                "A SendFilter meters every WSASend of three connections; the counts are checked against the echo.",
                args, System.out, System.err, MeteringFilterSample::run));
    }

    /** Runs the sample, printing to {@code out}; 0 when the meter agrees with the echo. */
    public static int run(PrintStream out) {
        return SampleExit.code(out, "metering sample", () -> {
            SocketMeter meter = new SocketMeter();
            try (EchoServer echo = EchoServer.start(); JwspOnHost jwsp = JwspOnHost.install(meter)) {
                Winsock ws2 = jwsp.winsock();
                out.printf("%-8s %8s %7s %12s %12s%n", "traffic", "socket", "sends", "metered B", "echoed B");
                meter(out, ws2, echo, meter, "small", 1000, new int[] {100});
                meter(out, ws2, echo, meter, "bulk", 40, new int[] {65536});
                meter(out, ws2, echo, meter, "mixed", 300, new int[] {10, 1000, 10000});
                if (meter.read(0).sends() != 0) {
                    throw new SampleFailure("sends on a socket nobody watched: " + meter.read(0));
                }
                out.println("metering sample: OK, every byte the filter counted came back from the echo server");
            }
        });
    }

    /** One connection: blocking WSASends of the given sizes (in turn), metered, echoed, compared. */
    private static void meter(PrintStream out, Winsock ws2, EchoServer echo, SocketMeter meter, String traffic, int sends,
                              int[] sizes) throws InterruptedException {
        try (EchoConnection c = new EchoConnection(ws2, echo.port())) {
            meter.watch(c.socket());
            SendTally t = new SendTally();
            WinsockSends.blocking(ws2, c, sends, sizes, 0, t);
            c.awaitEcho(WinsockSends.WAIT_MILLIS);
            SocketMeter.Reading r = meter.read(c.socket());
            out.printf("%-8s %8d %7d %,12d %,12d%n", traffic, c.socket(), r.sends(), r.bytes(), c.received());
            if (r.sends() != sends || r.bytes() != c.received() || r.passed() != sends) {
                throw new SampleFailure(traffic + ": metered " + r + " but " + sends + " sends made, " + c.received() + " B echoed");
            }
        }
    }
}
