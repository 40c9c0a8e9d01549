package org.jwsp.jmh;

import static org.jwsp.bindings.linux.linux_h.AF_INET;
import static org.jwsp.bindings.linux.linux_h.INADDR_LOOPBACK;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import org.jwsp.bindings.linux.in_addr;
import org.jwsp.bindings.linux.sockaddr_in;

/**
 * The receiving end of a benchmark's loopback TCP connection: a drain in a process of its own
 * ({@code drain.c}, compiled with gcc on first use), so that it never takes the senders' CPU
 * inside the benchmark JVM, reading in reads of up to 1 MiB. It listens on
 * 127.0.0.1 at a free port, accepts the one connection the sender makes, and reads it to end of
 * stream; {@link #close()} (after the sender closed its end) collects what it received and its
 * own CPU time, and appends them to the file named by the system property {@value #LOG_PROPERTY}
 * (jmh/run.sh sets it) so every result shows the receiver's headroom.
 *
 * <p>Owns the drain process and the address segment; not thread-safe (one benchmark thread).
 */
final class LoopbackSink implements AutoCloseable {

    /**
     * Where {@link #close()} appends "label,received bytes,receiver CPU %,wall ms,sender-thread B/op"
     * lines (the last field NaN when the benchmark did not measure it: {@link ThreadAllocation}).
     */
    static final String LOG_PROPERTY = "jwsp.jmh.receiverLog";
    private static final int WAIT_SECONDS = 30;

    private final Arena arena = Arena.ofShared();
    private final String label;
    private final Process drain;
    private final BufferedReader report;
    private final int port;
    private final MemorySegment address;
    private long received = -1;
    private double cpuPercent = Double.NaN;
    private double threadBytesPerOp = Double.NaN;

    /** Starts a drain; {@code label} names the benchmark in the receiver log. */
    LoopbackSink(String label) {
        this.label = label;
        try {
            drain = new ProcessBuilder(NativeBuild.executable("drain.c").toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            drain.getOutputStream().close();
            report = new BufferedReader(new InputStreamReader(drain.getInputStream(), StandardCharsets.US_ASCII));
            String first = report.readLine();
            if (first == null || !first.startsWith("port ")) {
                throw new IllegalStateException("the drain did not start (it said " + first + ")");
            }
            port = Integer.parseInt(first.substring(5).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the drain process", e);
        }
        address = sockaddr_in.allocate(arena);
        sockaddr_in.sin_family(address, (short) AF_INET());
        sockaddr_in.sin_port(address, Short.reverseBytes((short) port));
        in_addr.s_addr(sockaddr_in.sin_addr(address), Integer.reverseBytes(INADDR_LOOPBACK()));
    }

    /** The Linux {@code sockaddr_in} it listens on (127.0.0.1:port). */
    MemorySegment address() {
        return address;
    }

    /** The port it listens on. */
    int port() {
        return port;
    }

    /** Bytes the drain read, known once {@link #close()} returned (-1 before). */
    long received() {
        return received;
    }

    /** What the sender's threads allocated per send in its last measured iteration, for the log. */
    void threadBytesPerOp(double bytes) {
        threadBytesPerOp = bytes;
    }

    /** The drain's CPU time over its wall time, in percent of one core (NaN before {@link #close()}). */
    double cpuPercent() {
        return cpuPercent;
    }

    /**
     * Waits (bounded) for the drain to see the sender's end of stream (the sender must have closed
     * its socket), reads its report, logs it, and frees everything.
     */
    @Override
    public void close() throws InterruptedException {
        try {
            String last = report.readLine();
            if (!drain.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the drain did not see the end of stream within " + WAIT_SECONDS + " s");
            }
            if (last == null || !last.startsWith("received ")) {
                throw new IllegalStateException("the drain failed (exit " + drain.exitValue() + ", said " + last + ")");
            }
            String[] f = last.split(" ");
            received = Long.parseLong(f[1]);
            long cpu = Long.parseLong(f[3]) + Long.parseLong(f[5]);
            long wall = Math.max(1, Long.parseLong(f[7]));
            cpuPercent = 100.0 * cpu / wall;
            log(wall);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            drain.destroyForcibly();
            arena.close();
        }
    }

    /** The sender could not be set up: the drain is stopped without a report, and everything freed. */
    void abandon() {
        drain.destroyForcibly();
        arena.close();
    }

    private void log(long wallMicros) throws IOException {
        String file = System.getProperty(LOG_PROPERTY);
        if (file != null) {
            Files.writeString(Path.of(file), String.format(java.util.Locale.ROOT, "%s,%d,%.1f,%d,%.2f%n", label, received, cpuPercent,
                    wallMicros / 1000, threadBytesPerOp),
                    StandardCharsets.US_ASCII, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }
}
