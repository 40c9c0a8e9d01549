package org.jwsp.jmh;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Overlapped WSASends on an I/O completion port with {@code window} sends in flight (1, 16, 64),
 * the way an overlapped Winsock program sends: one operation posts one WSASend of the shape's
 * buffers, after reaping completions when the window is full.
 * <ul>
 *   <li>{@code jwspPortSend}: through jwsp, whose per-socket queue merges the sends waiting behind
 *       the one in flight into one gathered lower send;</li>
 *   <li>{@code basePortSend}: straight on the base provider (one io_uring sendmsg per send).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class OverlappedSendBenchmark extends SenderBenchmark {

    @Param({"1x64", "8x1024", "16x65536"})
    public String shape;

    @Param({"1", "16", "64"})
    public int window;


    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws InterruptedException {
        boolean jwsp = Workload.label(params).startsWith("jwsp");
        Workload w = Workload.of(shape);
        sender = WinsockSender.open(Workload.label(params), jwsp, true, window, w.buffers(), w.size());
    }

    @Benchmark
    public long jwspPortSend() {
        return sender.overlappedSend();
    }

    @Benchmark
    public long basePortSend() {
        return sender.overlappedSend();
    }
}
