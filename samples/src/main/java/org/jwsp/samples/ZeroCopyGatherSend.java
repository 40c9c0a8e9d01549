package org.jwsp.samples;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.jwsp.bindings.windows.WSABUF;
import org.jwsp.provider.filter.SendFilter;

/**
 * A Java program's zero-copy send path: variable-length records lying in one region of native
 * memory go out as gathered WSASends — each WSABUF points straight at a record, nothing is
 * copied, not by the program and not by jwsp (which captures only the WSABUF descriptors) —
 * with {@value #IN_FLIGHT} sends in flight on an I/O completion port, completions reaped in
 * batches. While sends are in flight, jwsp's per-socket queue merges the ones waiting behind
 * them into one gathered lower send, so the system calls are fewer than the WSASends.
 *
 * <pre>bash samples/demo.sh ZeroCopyGatherSend</pre>
 */
public final class ZeroCopyGatherSend {

    static final int RECORDS_PER_SEND = 16, IN_FLIGHT = 32;
    /** The region: 128 periods of the stream pattern (16 MiB), so its bytes are the stream's. */
    static final long REGION = 128L * StreamPattern.PERIOD;

    private ZeroCopyGatherSend() {
    }

    public static void main(String[] args) {
        System.exit(SampleCommand.execute(
                "ZeroCopyGatherSend",
                "16 MiB of native records go out as gathered WSASends, 32 in flight on a completion port; the echo is checked.",
                args, System.out, System.err, ZeroCopyGatherSend::run));
    }

    /** Runs the sample through jwsp, printing to {@code out}; 0 when the whole region came back intact. */
    public static int run(PrintStream out) {
        return SampleExit.code(out, "zero-copy gather sample", () -> {
            try (EchoServer echo = EchoServer.start(); JwspOnHost jwsp = JwspOnHost.install(SendFilter.PASS_THROUGH)) {
                sendRegion(out, jwsp.winsock(), echo);
            }
        });
    }

    /** The sample's program over any Winsock (with jwsp or without) and echo server; 0 when the region came back intact. */
    public static int run(PrintStream out, Winsock ws2, EchoServer echo) {
        return SampleExit.code(out, "zero-copy gather sample", () -> sendRegion(out, ws2, echo));
    }

    private static void sendRegion(PrintStream out, Winsock ws2, EchoServer echo) throws InterruptedException {
        try (Arena arena = Arena.ofConfined(); EchoConnection c = new EchoConnection(ws2, echo.port())) {
            // The data: one native region, written once; records are slices of it.
            MemorySegment region = c.next(arena.allocate(REGION, 4096));
            long[] cuts = recordBoundaries(REGION);
            int records = cuts.length - 1;
            long t0 = System.nanoTime();
            int sends = send(ws2, c.socket(), region, cuts, arena);
            c.awaitEcho(WinsockSends.WAIT_MILLIS);
            long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0);
            out.printf("sent %,d B: %,d records in %,d gathered WSASends, %d in flight on a completion port%n", REGION, records,
                    sends, IN_FLIGHT);
            out.printf("echoed and verified %,d B in %d ms (%.0f MB/s through %s, the host and loopback TCP)%n",
                    c.received(), micros / 1000, REGION / Math.max(1.0, micros),
                    ws2.throughJwsp(c.socket()) ? "jwsp" : "the base provider");
        }
        out.println("zero-copy gather sample: OK");
    }

    /** Record boundaries: 64 B to 4 KiB records covering {@code [0, length)}. */
    private static long[] recordBoundaries(long length) {
        SplittableRandom r = new SplittableRandom(42);
        long[] cuts = new long[(int) (length / 64) + 2];
        int n = 0;
        for (long at = 0; at < length; at += 64 + r.nextInt(4096 - 64 + 1)) {
            cuts[n++] = at;
        }
        cuts[n++] = length;
        return java.util.Arrays.copyOf(cuts, n);
    }

    /** Sends every record, {@link #RECORDS_PER_SEND} per WSASend; returns the number of WSASends. */
    private static int send(Winsock ws2, long socket, MemorySegment region, long[] cuts, Arena arena) {
        MemorySegment sent = arena.allocate(4);
        SendWindow.Issue wsaSend = (buffers, count, ov) ->
                ws2.send(socket, buffers, count, sent, 0, ov, MemorySegment.NULL) == 0 ? 0 : ws2.lastError();
        int records = cuts.length - 1;
        int sends = 0;
        try (SendWindow w = new SendWindow(ws2.kernel(), socket, IN_FLIGHT, RECORDS_PER_SEND, arena)) {
            for (int next = 0; next < records; sends++) {
                int slot = w.slot();
                int count = Math.min(RECORDS_PER_SEND, records - next);
                long bytes = cuts[next + count] - cuts[next];
                for (int b = 0; b < count; b++, next++) {
                    MemorySegment buf = w.buffer(slot, b);
                    WSABUF.buf(buf, region.asSlice(cuts[next], cuts[next + 1] - cuts[next]));
                    WSABUF.len(buf, (int) (cuts[next + 1] - cuts[next]));
                }
                w.send(slot, count, bytes, wsaSend);
            }
            w.drain();
            if (w.completedBytes() != region.byteSize()) {
                throw new SampleFailure("completions reported " + w.completedBytes() + " B of " + region.byteSize());
            }
        }
        return sends;
    }
}
