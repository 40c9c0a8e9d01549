package org.jwsp.samples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jwsp.host.ws2.Ws2;
import org.jwsp.provider.LayeredProvider;
import org.jwsp.provider.filter.SendFilter;

/**
 * The README's demo ({@code bash samples/demo.sh}): jwsp doing its job over the Linux host in a
 * few seconds. It installs jwsp in the host's Winsock catalog over the base TCP providers, with a
 * Java {@link SocketMeter} as jwsp's send filter; starts a loopback echo server; then sends the
 * ways Windows programs send — overlapped with an event, with a completion routine in an
 * alertable wait, through a completion port, gathering buffers from native memory, blocking —
 * on one connection per way, and checks that every byte comes back intact and in order. One
 * connection is shaped (the filter DELAYs each send and a {@link Pacer} releases them on a
 * timer), one has a policy (sends over 4 KiB refused with WSAEACCES). It prints a line per phase
 * and a table of what the filter saw against what the client saw, uninstalls, and exits 0; on any
 * failure it prints what went wrong and exits 1.
 *
 * <p>{@code --layouts} prints the bindings' layout table instead.
 */
public final class Demo {

    /** WSAEACCES: what the policy answers for a send it refuses. */
    static final int WSAEACCES = 10013;
    /** The refusing policy's limit on one send. */
    static final int POLICY_LIMIT = 4096;
    /** Pacing of the shaped connection. */
    static final int SHAPED_SENDS = 30, SHAPED_RATE = 150;

    private Demo() {
    }

    /** One way of sending, its connection and what its client counted. */
    record Phase(String way, EchoConnection connection, SendTally tally) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--layouts")) {
            BindingLayouts.print(System.out);
            return;
        }
        if (args.length != 0) {
            System.err.println("usage: bash samples/demo.sh [--layouts]");
            System.exit(2);
        }
        System.exit(run(System.out));
    }

    /** Runs the demo, printing to {@code out}; returns the exit code (0 when everything checked out). */
    public static int run(PrintStream out) {
        long start = System.nanoTime();
        return SampleExit.code(out, "jwsp demo", () -> {
            demo(out);
            out.printf("jwsp demo: OK in %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        });
    }

    private static void demo(PrintStream out) throws Exception {
        SocketMeter meter = new SocketMeter();
        List<Phase> phases = new ArrayList<>();
        out.println("jwsp demo: a Windows-style program on the Linux host, every WSASend through jwsp's Java WSPSend");
        try (EchoServer echo = EchoServer.start(); JwspOnHost jwsp = JwspOnHost.install(meter); Pacer pacer = new Pacer(SHAPED_RATE, 256)) {
            Ws2 ws2 = jwsp.ws2();
            out.printf("[1/7] installed %s; echo server on 127.0.0.1:%d%n", jwsp.chains(), echo.port());
            try {
                Phase event = open(phases, meter, "overlapped + event", ws2, echo);
                Phase routine = open(phases, meter, "completion routine", ws2, echo);
                Phase port = open(phases, meter, "completion port", ws2, echo);
                Phase gather = open(phases, meter, "gathered, IOCP", ws2, echo);
                Phase shaped = open(phases, meter, "shaped (DELAY)", ws2, echo);
                Phase policy = open(phases, meter, "policy (refuse)", ws2, echo);
                // The filter's logic: meter everything (SocketMeter), pace one socket, refuse big sends on another.
                long shapedSocket = shaped.connection().socket();
                long policySocket = policy.connection().socket();
                meter.policy(send -> send.socket() == shapedSocket ? pacer.hold(send)
                        : send.socket() == policySocket && send.totalBytes() > POLICY_LIMIT ? WSAEACCES
                        : SendFilter.PASS);

                WinsockSends.withEvent(ws2, event.connection(), 400, 4096, event.tally());
                report(out, 2, event, "400 x 4 KiB, event wait + WSAGetOverlappedResult");
                WinsockSends.withCompletionRoutine(ws2, routine.connection(), 2000, 1024, 32, routine.tally());
                report(out, 3, routine, "2000 x 1 KiB, 32 in flight, routines run in SleepEx");
                WinsockSends.throughCompletionPort(ws2, port.connection(), 4000, 1, 512, 128, port.tally());
                report(out, 4, port, "4000 x 512 B, 128 in flight on a completion port");
                WinsockSends.throughCompletionPort(ws2, gather.connection(), 500, 8, 4096, 16, gather.tally());
                report(out, 5, gather, "500 x 8 buffers x 4 KiB native memory, 16 in flight");
                long t0 = System.nanoTime();
                WinsockSends.throughCompletionPort(ws2, shaped.connection(), SHAPED_SENDS, 1, 16384, SHAPED_SENDS, shaped.tally());
                long shapedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                long floor = 1000L * (SHAPED_SENDS - 1) / SHAPED_RATE;
                if (shapedMillis < floor) {
                    throw new SampleFailure("the shaped sends took " + shapedMillis + " ms, less than the pacing allows (" + floor + " ms)");
                }
                report(out, 6, shaped, SHAPED_SENDS + " x 16 KiB held, released " + SHAPED_RATE + "/s: "
                        + shapedMillis + " ms (>= " + floor + ")");
                WinsockSends.blocking(ws2, policy.connection(), 40, new int[] {1024, 8192}, WSAEACCES, policy.tally());
                if (policy.tally().refused != 20) {
                    throw new SampleFailure("the policy refused " + policy.tally().refused + " sends, not 20");
                }
                report(out, 7, policy, "40 blocking, 1 KiB / 8 KiB; 8 KiB ones: WSAEACCES");
                out.println();
                DemoTable.print(out, phases, meter);
                DemoTable.check(phases, meter);
            } finally {
                for (Phase p : phases) {
                    p.connection().close();
                }
            }
            if (LayeredProvider.openSockets() != 0 || LayeredProvider.outstandingRequests() != 0) {
                throw new SampleFailure("after closesocket jwsp still holds " + LayeredProvider.openSockets() + " sockets and "
                        + LayeredProvider.outstandingRequests() + " requests");
            }
        }
        if (LayeredProvider.started()) {
            throw new SampleFailure("jwsp is still running after WSACleanup");
        }
        out.println("closed every socket (jwsp holds 0 sockets, 0 requests), WSACleanup, jwsp uninstalled");
    }

    /** Connects a new socket for one way of sending; the meter counts it on its own row. */
    private static Phase open(List<Phase> phases, SocketMeter meter, String way, Ws2 ws2, EchoServer echo) {
        EchoConnection c = new EchoConnection(ws2, echo.port());
        meter.watch(c.socket());
        Phase p = new Phase(way, c, new SendTally());
        phases.add(p);
        return p;
    }

    /** Waits for the phase's echo and prints its line. */
    private static void report(PrintStream out, int step, Phase p, String what) throws InterruptedException {
        p.connection().awaitEcho(WinsockSends.WAIT_MILLIS);
        SendTally t = p.tally();
        String how = t.blocking + t.refused > 0 ? t.blocking + " sent, " + t.refused + " refused"
                : t.immediate + " at once, " + t.pending + " pending";
        out.printf("[%d/7] %-18s %-51s %,11d B echoed intact (%s)%n", step, p.way(), what, p.connection().received(), how);
    }
}
