package org.jwsp.jmh;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import org.jwsp.host.kernel.Libc;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What jwsp's optional caller-memory probe ({@code ProviderSettings.withProbeCallerMemory}) costs
 * per pointer: {@code msync(MS_ASYNC)} over a mapped INT, over an unmapped one, and the
 * address-range check every send always makes, for scale. A WSPSend with the probe on makes one
 * probe per pointer it touches (lpBuffers, lpOverlapped, lpNumberOfBytesSent, lpThreadId,
 * lpErrno: two to five). README, "Bad pointers".
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CallerMemoryProbeBenchmark {

    private static final long LOWEST = 0x1_0000L;
    private static final long USER_END = 0x7FFF_FFFF_F000L;

    private Arena arena;
    private long mapped;
    private long unmapped;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        MemorySegment m = arena.allocate(64);
        mapped = m.address();
        unmapped = USER_END + 64; // the last page below 2^47 is never mapped
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public boolean rangeCheck() {
        long a = mapped;
        return a >= LOWEST && (a & 3) == 0 && 4 <= USER_END - a;
    }

    @Benchmark
    public boolean msyncProbeMapped() {
        return Libc.mapped(mapped, 4);
    }

    @Benchmark
    public boolean msyncProbeUnmapped() {
        return Libc.mapped(unmapped, 4);
    }
}
