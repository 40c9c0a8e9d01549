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
 * {@link OverlappedSendBenchmark#jwspPortSend} with the program's thread polling its completion
 * port (GetQueuedCompletionStatusEx with a zero timeout) instead of sleeping on it when its window
 * is full: the way Netty's benchmark thread spins on its own window ({@link NettySendBenchmark}),
 * so the two are compared with neither program thread ever asleep. A Winsock program that waits in
 * GetQueuedCompletionStatus is {@code jwspPortSend}; this one takes a core's worth of CPU to never
 * pay a wake-up.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SpinningReapBenchmark extends SenderBenchmark {

    @Param({"1x64", "8x1024"})
    public String shape;

    @Param({"16", "64"})
    public int window;


    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws InterruptedException {
        Workload w = Workload.of(shape);
        sender = WinsockSender.open(Workload.label(params), true, true, window, w.buffers(), w.size()).spinning();
    }

    @Benchmark
    public long jwspSpinningPortSend() {
        return sender.overlappedSend();
    }
}
