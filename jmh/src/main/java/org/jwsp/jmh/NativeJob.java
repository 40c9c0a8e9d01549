package org.jwsp.jmh;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

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
