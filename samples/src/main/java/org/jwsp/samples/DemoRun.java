package org.jwsp.samples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.jwsp.provider.filter.SendFilters;
import org.jwsp.samples.Demo.Options;
import org.jwsp.samples.filter.Pacer;
import org.jwsp.samples.filter.SocketMeter;

/**
 * One run of the {@link Demo}: sets up (echo server, jwsp with the meter, the pacer, every way's
 * sockets), runs each socket's sends as a task on {@code threads} platform threads (in order, one
 * after another, by default), prints a step line as each way ends, then the table and the checks,
 * and undoes everything. Made and run on the demo's main thread.
 */
final class DemoRun {

    /** One way's work on one socket, one round. */
    @FunctionalInterface
    private interface Round {
        void run(Checked socket, SendTally t) throws Exception;
    }

    private final PrintStream out;
    private final Options o;
    private final boolean terminal;
    private final SocketMeter meter = new SocketMeter();

    DemoRun(PrintStream out, Options o, boolean terminal) {
        this.out = out;
        this.o = o;
        this.terminal = terminal;
    }

    void run() throws Exception {
        out.println("jwsp demo: a Windows-style program on the Linux host, every WSASend through jwsp's Java WSPSend");
        List<AutoCloseable> owned = new ArrayList<>();
        try (EchoServer echo = EchoServer.start(o.port()); JwspOnHost jwsp = JwspOnHost.install(meter);
             Pacer pacer = new Pacer(Demo.SHAPED_RATE, 256)) {
            Winsock ws2 = jwsp.winsock();
            out.printf("[1/%d] installed %s; echo server on 127.0.0.1:%d%n", Demo.STEPS, jwsp.chains(), echo.port());
            try {
                ways(ws2, echo, pacer, owned);
            } finally {
                for (int i = owned.size() - 1; i >= 0; i--) {
                    owned.get(i).close();
                }
            }
            if (JwspOnHost.jwspSockets() != 0 || JwspOnHost.jwspRequests() != 0) {
                throw new SampleFailure("after closesocket jwsp still holds " + JwspOnHost.jwspSockets() + " sockets and "
                        + JwspOnHost.jwspRequests() + " requests");
            }
        }
        if (JwspOnHost.jwspRunning()) {
            throw new SampleFailure("jwsp is still running after WSACleanup");
        }
        out.println("closed every socket (jwsp holds 0 sockets, 0 requests), WSACleanup, jwsp uninstalled");
    }

    private void ways(Winsock ws2, EchoServer echo, Pacer pacer, List<AutoCloseable> owned) throws Exception {
        int event = o.size(4096), routine = o.size(1024), port = o.size(512), gather = o.size(4096), shaped = o.size(16384);
        List<DemoWay> ways = new ArrayList<>();
        List<Round> rounds = new ArrayList<>();
        List<String> whats = new ArrayList<>();
        way(ways, rounds, whats, Demo.open("overlapped + event", ws2, echo, meter, o, false, owned),
                400 + " x " + bytes(event) + ", event wait + WSAGetOverlappedResult",
                (c, t) -> WinsockSends.withEvent(ws2, (EchoConnection) c, 400, event, t));
        way(ways, rounds, whats, Demo.open("completion routine", ws2, echo, meter, o, false, owned),
                2000 + " x " + bytes(routine) + ", 32 in flight, routines run in SleepEx",
                (c, t) -> WinsockSends.withCompletionRoutine(ws2, (EchoConnection) c, 2000, routine, 32, t));
        way(ways, rounds, whats, Demo.open("completion port", ws2, echo, meter, o, false, owned),
                4000 + " x " + bytes(port) + ", 128 in flight on a completion port",
                (c, t) -> WinsockSends.throughCompletionPort(ws2, (EchoConnection) c, 4000, 1, port, 128, t));
        way(ways, rounds, whats, Demo.open("gathered, IOCP", ws2, echo, meter, o, false, owned),
                500 + " x 8 buffers x " + bytes(gather) + " native memory, 16 in flight",
                (c, t) -> WinsockSends.throughCompletionPort(ws2, (EchoConnection) c, 500, 8, gather, 16, t));
        DemoWay shapedWay = Demo.open("shaped (DELAY)", ws2, echo, meter, o, false, owned);
        way(ways, rounds, whats, shapedWay, Demo.SHAPED_SENDS + " x " + bytes(shaped) + " held, released " + Demo.SHAPED_RATE + "/s",
                (c, t) -> WinsockSends.throughCompletionPort(ws2, (EchoConnection) c, Demo.SHAPED_SENDS, 1, shaped, Demo.SHAPED_SENDS, t));
        DemoWay policyWay = Demo.open("policy (refuse)", ws2, echo, meter, o, false, owned);
        way(ways, rounds, whats, policyWay, "40 blocking, 1 KiB / 8 KiB; 8 KiB ones: WSAEACCES",
                (c, t) -> WinsockSends.blocking(ws2, (EchoConnection) c, 40, new int[] {1024, 8192}, Demo.WSAEACCES, t));
        way(ways, rounds, whats, Demo.open("datagrams (UDP)", ws2, echo, meter, o, true, owned),
                Demo.DATAGRAMS + " x " + bytes(Demo.DATAGRAM_SIZE) + " per socket, IPv4 + IPv6, connected",
                (c, t) -> ((DatagramConnection) c).send(Demo.DATAGRAMS, Demo.DATAGRAM_SIZE, t));

        // The filter's logic: meter everything (SocketMeter), pace one way's sockets, refuse big sends on another's.
        long[] shapedSockets = sockets(shapedWay);
        long[] policySockets = sockets(policyWay);
        meter.policy(send -> contains(shapedSockets, send.socket()) ? pacer.hold(send)
                : contains(policySockets, send.socket()) && send.totalBytes() > Demo.POLICY_LIMIT ? SendFilters.refuse(Demo.WSAEACCES)
                : SendFilters.PASS);

        AtomicLong shapedNanos = new AtomicLong();
        try (LiveView live = new LiveView(out, terminal, ways, w -> w == shapedWay ? pacer.held() : 0)) {
            ExecutorService senders = Executors.newFixedThreadPool(o.threads(),
                    Thread.ofPlatform().daemon().name("jwsp-demo-sender-", 0).factory());
            try {
                List<Future<?>> tasks = new ArrayList<>();
                for (int i = 0; i < ways.size(); i++) {
                    DemoWay w = ways.get(i);
                    Round r = rounds.get(i);
                    String what = whats.get(i);
                    int step = i + 2;
                    AtomicInteger left = new AtomicInteger(w.sockets.size());
                    AtomicLong started = new AtomicLong();
                    for (int k = 0; k < w.sockets.size(); k++) {
                        Checked c = w.sockets.get(k);
                        SendTally t = w.tallies.get(k);
                        tasks.add(senders.submit(() -> {
                            long t0 = System.nanoTime();
                            started.compareAndSet(0, t0);
                            w.state = DemoWay.State.RUNNING;
                            int n = 0;
                            do {
                                r.run(c, t);
                                n++;
                            } while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(o.seconds()));
                            c.awaitEcho(WinsockSends.WAIT_MILLIS);
                            if (left.decrementAndGet() == 0) {
                                long nanos = System.nanoTime() - started.get();
                                if (w == shapedWay) {
                                    shapedNanos.set(nanos);
                                }
                                w.state = DemoWay.State.DONE;
                                live.println(stepLine(step, w, what, n, o.sockets(), nanos, w == shapedWay));
                            }
                            return null;
                        }));
                    }
                }
                for (Future<?> f : tasks) {
                    try {
                        f.get();
                    } catch (ExecutionException e) {
                        throw e.getCause() instanceof Exception x ? x : e;
                    }
                }
            } finally {
                senders.shutdownNow();
                senders.awaitTermination(WinsockSends.WAIT_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
        long shapedSends = shapedWay.tally().sends;
        long floor = 1000L * (shapedSends - 1) / Demo.SHAPED_RATE;
        if (TimeUnit.NANOSECONDS.toMillis(shapedNanos.get()) < floor) {
            throw new SampleFailure("the shaped sends took " + TimeUnit.NANOSECONDS.toMillis(shapedNanos.get())
                    + " ms, less than the pacing allows (" + floor + " ms)");
        }
        SendTally policy = policyWay.tally();
        if (policy.refused * 2 != policy.sends) {
            throw new SampleFailure("the policy refused " + policy.refused + " of " + policy.sends + " sends, not half");
        }
        out.println();
        DemoTable.print(out, ways, meter);
        DemoTable.check(ways, meter);
    }

    private static void way(List<DemoWay> ways, List<Round> rounds, List<String> whats, DemoWay w, String what, Round r) {
        ways.add(w);
        rounds.add(r);
        whats.add(what);
    }

    /** The line printed when a way has ended and its peers verified everything. */
    private static String stepLine(int step, DemoWay w, String what, int rounds, int sockets, long nanos, boolean shaped) {
        SendTally t = w.tally();
        if (shaped) {
            long floor = 1000L * (t.sends - 1) / Demo.SHAPED_RATE;
            what += ": " + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms (>= " + floor + ")";
        }
        if (rounds > 1) {
            what += ", " + rounds + " rounds";
        }
        if (sockets > 1) {
            what += ", " + sockets + " sockets";
        }
        String how = t.blocking + t.refused > 0 ? t.blocking + " sent, " + t.refused + " refused"
                : t.immediate + " at once, " + t.pending + " pending";
        return String.format("[%d/%d] %-18s %-51s %,11d B %s intact (%s)", step, Demo.STEPS, w.name, what, w.received(),
                w.sockets.get(0) instanceof DatagramConnection ? "arrived" : "echoed", how);
    }

    private static String bytes(int n) {
        return n % 1024 == 0 ? n / 1024 + " KiB" : n + " B";
    }

    private static long[] sockets(DemoWay w) {
        return w.sockets.stream().mapToLong(Checked::socket).toArray();
    }

    private static boolean contains(long[] sockets, long s) {
        for (long x : sockets) {
            if (x == s) {
                return true;
            }
        }
        return false;
    }
}
