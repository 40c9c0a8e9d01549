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
 * jwsp's overlapped send on a completion port ({@link OverlappedSendBenchmark#jwspPortSend}) in its
 * two ways with a lower send the kernel takes at once, side by side in one run
 * (docs/PERFORMANCE.md, "No hand-off for a send the caller can issue"):
 * <ul>
 *   <li>{@code lowerPort=skip} (the default): jwsp sets FILE_SKIP_COMPLETION_PORT_ON_SUCCESS on
 *       the lower socket, the caller finishes and delivers the send itself, nothing waits to merge;</li>
 *   <li>{@code lowerPort=post}: the lower provider's packet keeps the send in flight until jwsp's
 *       worker reaps it, so later sends wait and go down merged, at the price of two hand-offs per
 *       batch.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LowerPortModeBenchmark extends SenderBenchmark {

    @Param({"1x64"})
    public String shape;

    @Param({"1", "16", "64"})
    public int window;

    @Param({"skip", "post"})
    public String lowerPort;


    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws InterruptedException {
        System.setProperty("jwsp.jmh.skipLowerPort", Boolean.toString(lowerPort.equals("skip")));
        Workload w = Workload.of(shape);
        sender = WinsockSender.open(Workload.label(params), true, true, window, w.buffers(), w.size());
    }

    @Benchmark
    public long jwspPortSend() {
        return sender.overlappedSend();
    }
}
