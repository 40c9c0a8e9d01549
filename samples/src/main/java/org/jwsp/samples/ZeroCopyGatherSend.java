package org.jwsp.samples;

import static org.jwsp.bindings.windows.ws2spi_h.WSA_IO_PENDING;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.bindings.windows.WSABUF;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;
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
        System.exit(run(System.out));
    }

    /** Runs the sample, printing to {@code out}; 0 when the whole region came back intact. */
    public static int run(PrintStream out) {
        return SampleExit.code(out, "zero-copy gather sample", () -> {
            try (EchoServer echo = EchoServer.start(); JwspOnHost jwsp = JwspOnHost.install(SendFilter.PASS_THROUGH);
                 Arena arena = Arena.ofConfined()) {
                Ws2 ws2 = jwsp.ws2();
                try (EchoConnection c = new EchoConnection(ws2, echo.port())) {
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
                    out.printf("echoed and verified %,d B in %d ms (%.0f MB/s through jwsp, the host and loopback TCP)%n",
                            c.received(), micros / 1000, REGION / Math.max(1.0, micros));
                }
                out.println("zero-copy gather sample: OK");
            }
        });
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
    private static int send(Ws2 ws2, long socket, MemorySegment region, long[] cuts, Arena arena) {
        KernelPort kernel = ws2.kernel();
        long port = kernel.createCompletionPort(0);
        try {
            kernel.associate(port, socket, 1);
            MemorySegment ovs = OVERLAPPED.allocateArray(IN_FLIGHT, arena);
            // One WSABUF array is enough: jwsp captures the descriptors before WSASend returns.
            MemorySegment bufs = WSABUF.allocateArray(RECORDS_PER_SEND, arena);
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(IN_FLIGHT, arena);
            MemorySegment sent = arena.allocate(4);
            int records = cuts.length - 1;
            int next = 0;
            int sends = 0;
            int inFlight = 0;
            long bytesDone = 0;
            int slot = 0;
            while (next < records || inFlight > 0) {
                while (next < records && inFlight < IN_FLIGHT) {
                    int count = Math.min(RECORDS_PER_SEND, records - next);
                    for (int b = 0; b < count; b++, next++) {
                        MemorySegment buf = WSABUF.asSlice(bufs, b);
                        WSABUF.buf(buf, region.asSlice(cuts[next], cuts[next + 1] - cuts[next]));
                        WSABUF.len(buf, (int) (cuts[next + 1] - cuts[next]));
                    }
                    // Completions come back in order, so the slot IN_FLIGHT sends ago is free again.
                    MemorySegment ov = OVERLAPPED.asSlice(ovs, slot);
                    slot = (slot + 1) % IN_FLIGHT;
                    ov.fill((byte) 0);
                    if (ws2.send(socket, bufs, count, sent, 0, ov, MemorySegment.NULL) != 0 && ws2.lastError() != WSA_IO_PENDING()) {
                        throw new SampleFailure("WSASend failed: WSA error " + ws2.lastError());
                    }
                    sends++;
                    inFlight++;
                }
                int n = kernel.dequeue(port, entries, WinsockSends.WAIT_MILLIS, false);
                if (n <= 0) {
                    throw new SampleFailure("no completion within " + WinsockSends.WAIT_MILLIS + " ms");
                }
                for (int e = 0; e < n; e++) {
                    bytesDone += OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(OVERLAPPED_ENTRY.asSlice(entries, e));
                }
                inFlight -= n;
            }
            if (bytesDone != region.byteSize()) {
                throw new SampleFailure("completions reported " + bytesDone + " B of " + region.byteSize());
            }
            return sends;
        } finally {
            kernel.closeHandle(port);
        }
    }
}
