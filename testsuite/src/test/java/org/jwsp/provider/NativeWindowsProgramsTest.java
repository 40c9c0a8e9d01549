package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.host.ws2.NativeWs2;
import org.jwsp.windows.install.InstalledLayer;
import org.jwsp.windows.install.LayeredInstall;
import org.jwsp.windows.install.Ws2CatalogExports;

/**
 * A C program written the way Windows programs are written (src/test/c/win: an IOCP echo server,
 * an event-driven sending client, a completion-routine receiving client, then bad input) runs on a
 * pthread over the host's native ws2_32/kernel32 exports ({@link NativeWs2}), found by
 * {@code procAddress} and handed over as a table (jwsp_win.h): on the base provider alone, and
 * through jwsp installed in the catalog.
 */
class NativeWindowsProgramsTest {

    /** jwsp_win.h's JWSP_WIN, in order: module and name of each export. */
    static final List<String[]> EXPORTS = List.of(
            ws2("WSAStartup"), ws2("WSACleanup"), ws2("WSASocketW"), ws2("socket"), ws2("bind"), ws2("listen"),
            ws2("accept"), ws2("connect"), ws2("WSASend"), ws2("WSARecv"), ws2("setsockopt"), ws2("getsockopt"),
            ws2("getsockname"), ws2("shutdown"), ws2("closesocket"), ws2("WSAGetLastError"), ws2("WSASetLastError"),
            ws2("WSAGetOverlappedResult"), ws2("WSACreateEvent"), ws2("WSASetEvent"), ws2("WSAResetEvent"),
            ws2("WSACloseEvent"), ws2("WSAWaitForMultipleEvents"), k32("CreateIoCompletionPort"),
            k32("GetQueuedCompletionStatus"), k32("PostQueuedCompletionStatus"), k32("CloseHandle"),
            k32("SetFileCompletionNotificationModes"), k32("SleepEx"), k32("GetCurrentThreadId"), ws2("WSASendTo"),
            ws2("WSARecvFrom"), ws2("WSAIoctl"), ws2("ioctlsocket"), ws2("getpeername"), k32("GetQueuedCompletionStatusEx"),
            k32("WaitForSingleObject"), k32("CreateThread"), k32("CancelIoEx"));

    static final StructLayout RUN = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("api"), ValueLayout.JAVA_INT.withName("base_alone"),
            ValueLayout.JAVA_INT.withName("failed_step"), ValueLayout.JAVA_INT.withName("last_error"),
            ValueLayout.JAVA_INT.withName("routine_calls"), ValueLayout.JAVA_INT.withName("routine_bytes"),
            ValueLayout.JAVA_INT.withName("routine_tid"), ValueLayout.JAVA_INT.withName("tid"),
            ValueLayout.JAVA_INT.withName("worker_runs"), ValueLayout.JAVA_INT.withName("worker_tid"),
            MemoryLayout.paddingLayout(4));

    private static final String MODULE = "C:\\jwsp\\jwsp.dll";
    static Path library;

    private static String[] ws2(String name) {
        return new String[] {NativeWs2.WS2_32, name};
    }

    private static String[] k32(String name) {
        return new String[] {NativeWs2.KERNEL32, name};
    }

    @BeforeAll
    static void compile() throws Exception {
        Path source = Path.of("src/test/c/win/win_programs.c").toAbsolutePath();
        library = Path.of("target/libwin_programs.so").toAbsolutePath();
        Files.createDirectories(library.getParent());
        Process gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o", library.toString(),
                source.toString(), "-lpthread").redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes());
        assertTrue(gcc.waitFor(60, TimeUnit.SECONDS), "gcc timed out");
        assertEquals(0, gcc.exitValue(), "gcc: " + out);
        NativeWs2.install();
    }

    @Test
    void aWindowsStyleProgramRunsOnTheBaseProviderAlone() throws Throwable {
        assertRuns(true);
    }

    @Test
    void aWindowsStyleProgramRunsThroughJwsp() throws Throwable {
        LayeredProvider.configure(ProviderSettings.defaults());
        LinuxKernelPort.instance().registerExport(MODULE, "WSPStartup", LayeredProvider.startupStub());
        try (InstalledLayer installed = LayeredInstall.jwsp(Ws2CatalogExports.ofThisProcess(), MODULE, "jwsp")) {
            // jwsp's sockets are non-IFS: SetFileCompletionNotificationModes is not honoured on them
            // yet, and CancelIoEx finds nothing on their handles, as on Windows
            assertRuns(false);
        } finally {
            LinuxKernelPort.instance().unregisterModule(MODULE);
        }
    }

    private static void assertRuns(boolean baseAlone) throws Throwable {
        try (Arena arena = Arena.ofShared()) {
            SymbolLookup lib = SymbolLookup.libraryLookup(library, arena);
            Linker linker = Linker.nativeLinker();
            MethodHandle size = linker.downcallHandle(lib.findOrThrow("win_programs_run_size"), FunctionDescriptor.of(ValueLayout.JAVA_INT));
            assertEquals(RUN.byteSize(), (int) size.invokeExact());
            MethodHandle run = linker.downcallHandle(lib.findOrThrow("win_programs_run"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            MemorySegment table = arena.allocate(ValueLayout.ADDRESS, EXPORTS.size());
            for (int i = 0; i < EXPORTS.size(); i++) {
                MemorySegment f = LinuxKernelPort.instance().procAddress(EXPORTS.get(i)[0], EXPORTS.get(i)[1]);
                assertTrue(f != null && f.address() != 0, "export " + EXPORTS.get(i)[1]);
                table.setAtIndex(ValueLayout.ADDRESS, i, f);
            }
            int handles = LinuxKernelPort.instance().handles().openCount();
            MemorySegment r = arena.allocate(RUN);
            r.set(ValueLayout.ADDRESS, 0, table);
            set(r, "base_alone", baseAlone ? 1 : 0);
            assertEquals(0, (int) run.invokeExact(r));
            assertEquals(0, get(r, "failed_step"), () -> "failed at step " + get(r, "failed_step") + ", WSAGetLastError "
                    + get(r, "last_error"));
            assertTrue(get(r, "routine_calls") >= 1);
            assertEquals(get(r, "tid"), get(r, "routine_tid"), "the routine ran on the program's thread");
            assertEquals(1, get(r, "worker_runs"), "CreateThread's thread ran its routine once");
            assertEquals(handles, LinuxKernelPort.instance().handles().openCount(),
                    "every socket, port, event and thread handle the program made was closed");
            assertTrue(get(r, "worker_tid") != 0 && get(r, "worker_tid") != get(r, "tid"), "a thread of its own");
        }
    }

    private static int get(MemorySegment run, String field) {
        VarHandle h = RUN.varHandle(MemoryLayout.PathElement.groupElement(field));
        return (int) h.get(run, 0L);
    }

    private static void set(MemorySegment run, String field, int value) {
        VarHandle h = RUN.varHandle(MemoryLayout.PathElement.groupElement(field));
        h.set(run, 0L, value);
    }
}
