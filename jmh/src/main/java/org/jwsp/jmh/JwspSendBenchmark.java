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
 * Blocking WSASends, against the peers of {@link PeerSendBenchmark} in the same run and with the
 * same shapes. One operation is one WSASend of the shape's buffers of native memory, over
 * loopback TCP to a drain process (TCP_NODELAY on every sender):
 * <ul>
 *   <li>{@code jwspBlockingSend}: through the host's ws2_32, jwsp's proc table (its Java
 *       WSPSend), then the base provider (one sendmsg);</li>
 *   <li>{@code baseBlockingSend}: the same without jwsp in the catalog: the layer's cost.</li>
 * </ul>
 * Overlapped sends are {@link OverlappedSendBenchmark}. Each trial checks, at its end, that the
 * drain received exactly the bytes the sends completed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class JwspSendBenchmark extends SenderBenchmark {

    @Param({"1x64", "8x1024", "16x65536"})
    public String shape;


    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws InterruptedException {
        boolean jwsp = Workload.label(params).startsWith("jwsp");
        Workload w = Workload.of(shape);
        sender = WinsockSender.open(Workload.label(params), jwsp, false, 1, w.buffers(), w.size());
    }

    @Benchmark
    public long jwspBlockingSend() {
        return sender.blockingSend();
    }

    @Benchmark
    public long baseBlockingSend() {
        return sender.blockingSend();
    }
}
