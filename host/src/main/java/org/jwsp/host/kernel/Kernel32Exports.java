package org.jwsp.host.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.kernel.KernelPort;

/**
 * The few kernel32 exports native code running over the host needs, as upcall stubs found by
 * {@code procAddress("kernel32.dll", name)}: {@code DWORD SleepEx(DWORD, BOOL)},
 * {@code DWORD WaitForSingleObjectEx(HANDLE, DWORD, BOOL)}, {@code DWORD GetCurrentThreadId(void)}.
 * They let a thread the JVM did not start (a pthread of a test's C program, or of a real client)
 * wait alertably, so the APCs queued to it (completion routines) run on it.
 *
 * <p>Registered once by {@link LinuxKernelPort}; the stubs live for the process (global arena).
 * Each body catches {@link Throwable} and answers {@code WAIT_FAILED}.
 */
final class Kernel32Exports {

    static final String MODULE = "kernel32.dll";
    private static final Logger LOG = LogManager.getLogger(Kernel32Exports.class);

    private Kernel32Exports() {
    }

    static void register(LinuxKernelPort kernel) {
        Linker linker = Linker.nativeLinker();
        var lookup = MethodHandles.lookup();
        try {
            kernel.registerExport(MODULE, "SleepEx", linker.upcallStub(
                    lookup.findStatic(Kernel32Exports.class, "sleepEx", MethodType.methodType(int.class, int.class, int.class)),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), Arena.global()));
            kernel.registerExport(MODULE, "WaitForSingleObjectEx", linker.upcallStub(
                    lookup.findStatic(Kernel32Exports.class, "waitForSingleObjectEx",
                            MethodType.methodType(int.class, MemorySegment.class, int.class, int.class)),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                    Arena.global()));
            kernel.registerExport(MODULE, "GetCurrentThreadId", linker.upcallStub(
                    lookup.findStatic(Kernel32Exports.class, "getCurrentThreadId", MethodType.methodType(int.class)),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT), Arena.global()));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int sleepEx(int millis, int alertable) {
        try {
            return LinuxKernelPort.instance().sleep(millis, alertable != 0);
        } catch (Throwable t) {
            LOG.error("SleepEx failed inside the host", t);
            return KernelPort.WAIT_FAILED;
        }
    }

    private static int waitForSingleObjectEx(MemorySegment handle, int millis, int alertable) {
        try {
            return LinuxKernelPort.instance().waitForSingleObject(handle.address(), millis, alertable != 0);
        } catch (Throwable t) {
            LOG.error("WaitForSingleObjectEx failed inside the host", t);
            return KernelPort.WAIT_FAILED;
        }
    }

    private static int getCurrentThreadId() {
        try {
            return LinuxKernelPort.instance().currentThreadId();
        } catch (Throwable t) {
            LOG.error("GetCurrentThreadId failed inside the host", t);
            return 0;
        }
    }
}
