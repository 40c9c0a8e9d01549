package org.jwsp.jmh;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;

/**
 * One C job of {@code native_caller.c}: its {@code <name>_run(JOB *)} (runs the job on a pthread
 * of its own and joins it) and {@code <name>_job_size()}, which must match the Java layout of the
 * job before anything runs. The library is built once ({@link NativeBuild}) and lives as long as
 * {@code arena}.
 */
final class NativeJob {

    private final String name;
    private final MethodHandle run;

    private NativeJob(String name, MethodHandle run) {
        this.name = name;
        this.run = run;
    }

    /** Loads job {@code name} and checks that C's job struct has {@code layout}'s size. */
    static NativeJob load(Arena arena, String name, StructLayout layout) throws IOException {
        SymbolLookup lib = SymbolLookup.libraryLookup(NativeBuild.sharedLibrary("native_caller.c"), arena);
        Linker linker = Linker.nativeLinker();
        MethodHandle size = linker.downcallHandle(lib.findOrThrow(name + "_job_size"), FunctionDescriptor.of(ValueLayout.JAVA_INT));
        NativeJob job = new NativeJob(name, linker.downcallHandle(lib.findOrThrow(name + "_run"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS)));
        int cSize;
        try {
            cSize = (int) size.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (cSize != layout.byteSize()) {
            throw new IllegalStateException("native_caller.c's job of " + name + " is " + cSize + " bytes, its Java layout "
                    + layout.byteSize());
        }
        return job;
    }

    /** The offset of {@code field} in a job's layout. */
    static long offset(StructLayout job, String field) {
        return job.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    /**
     * Calls per round for {@code w}: {@code iterations}, or a fiftieth of them (at least 10) for a
     * workload of a megabyte or more, whose calls take about fifty times longer.
     */
    static long callsPerRound(Workload w, long iterations) {
        return w.total() >= 1 << 20 ? Math.max(10, iterations / 50) : iterations;
    }

    static double median(double[] values) {
        return quantile(values, 0.5);
    }

    /** The {@code q} quantile of {@code values} (left in their order), interpolated between the two nearest ranks. */
    static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double at = q * (sorted.length - 1);
        int below = (int) Math.floor(at);
        int above = Math.min(below + 1, sorted.length - 1);
        return sorted[below] + (at - below) * (sorted[above] - sorted[below]);
    }

    /** Runs the job to its end on a new pthread; throws if the thread could not be made. */
    void run(MemorySegment job) {
        int e;
        try {
            e = (int) run.invokeExact(job);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (e != 0) {
            throw new IllegalStateException(name + ": pthread_create/join failed with " + e);
        }
    }
}
