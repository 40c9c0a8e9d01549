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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * jwsp's send against the peers of {@link PeerSendBenchmark}, in the same run and with the same
 * parameters, so {@code jmh/run.sh} prints each as a ratio of {@code ffmSendmsg} (one sendmsg
 * per send, the C floor) and of {@code nioGatheringWrite}. One operation is one WSASend of
 * {@code buffers} buffers of {@code size} bytes of native memory, over loopback TCP to a sink
 * that drains it (TCP_NODELAY on every sender):
 * <ul>
 *   <li>{@code jwspBlockingSend}: blocking WSASend through the host's ws2_32, jwsp's proc table
 *       (its Java WSPSend), then the base provider (one sendmsg);</li>
 *   <li>{@code baseBlockingSend}: the same without jwsp in the catalog: the layer's cost;</li>
 *   <li>{@code jwspPortSend}: overlapped WSASends with {@value WinsockSender#WINDOW} in flight on
 *       an I/O completion port; jwsp's per-socket queue merges the sends waiting behind the one
 *       in flight into one gathered lower send;</li>
 *   <li>{@code basePortSend}: the same straight on the base provider (one io_uring sendmsg per send).</li>
 * </ul>
 * Each trial sets up only what its benchmark uses and, at the end, checks that the sink received
 * exactly the bytes the sends completed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class JwspSendBenchmark {

    @Param({"1", "16"})
    public int buffers;

    @Param({"64", "65536"})
    public int size;

    private WinsockSender sender;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        String name = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        boolean jwsp = name.startsWith("jwsp");
        sender = new WinsockSender(jwsp, name.endsWith("PortSend"), buffers, size);
        if (sender.throughJwsp() != jwsp) {
            throw new IllegalStateException(name + ": the socket is not served by the provider the benchmark names");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        sender.close();
    }

    @Benchmark
    public long jwspBlockingSend() {
        return sender.blockingSend();
    }

    @Benchmark
    public long baseBlockingSend() {
        return sender.blockingSend();
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
