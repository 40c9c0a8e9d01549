package org.jwsp.windows;

import static org.jwsp.windows.HandleLayouts.returningHandle;
import static org.jwsp.windows.HandleLayouts.withHandleArgs;

import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import org.jwsp.bindings.windows.ws2spi_h;

/**
 * The kernel32 downcall handles {@link WindowsKernelPort} uses, built once from the generated
 * {@code ws2spi_h.X$address()} / {@code X$descriptor()}.
 *
 * <p>Windows only: constructing this class resolves kernel32 symbols, so nothing may reach it
 * on another system ({@link WindowsKernelPort#instance()} refuses first). The calls whose
 * failure code matters capture {@code GetLastError} with {@link Linker.Option#captureCallState},
 * since anything the JVM runs between the call and a separate {@code GetLastError()} downcall
 * may overwrite it. Their first argument is the capture segment (see {@link CallState}).
 *
 * <p>{@code HANDLE} arguments travel as {@code long} (see {@link HandleLayouts}) so the hot calls
 * allocate nothing. Immutable after construction; every handle is thread-safe.
 */
final class Kernel32 {

    /** {@code GetLastError}, captured right after the call into the capture segment. */
    static final String LAST_ERROR = "GetLastError";

    final StructLayout captureLayout = Linker.Option.captureStateLayout();
    private final VarHandle lastError = captureLayout.varHandle(PathElement.groupElement(LAST_ERROR));

    /** {@code (capture, long file, long existingPort, long key, int threads) -> long port}. */
    final MethodHandle createIoCompletionPort;
    /** {@code (capture, long port, entries, int count, ULONG* removed, int ms, int alertable) -> BOOL}. */
    final MethodHandle getQueuedCompletionStatusEx;
    /** {@code (long port, int bytes, long key, overlapped) -> BOOL}. */
    final MethodHandle postQueuedCompletionStatus;
    /** {@code (capture, attributes, int manualReset, int initialState, name) -> long event}. */
    final MethodHandle createEventW;
    /** {@code (long event) -> BOOL}. */
    final MethodHandle setEvent;
    /** {@code (long event) -> BOOL}. */
    final MethodHandle resetEvent;
    /** {@code (long handle, int ms, int alertable) -> DWORD}. */
    final MethodHandle waitForSingleObjectEx;
    /** {@code (int ms, int alertable) -> DWORD}. */
    final MethodHandle sleepEx;
    /** {@code (routine, long thread, long data) -> DWORD}. */
    final MethodHandle queueUserApc;
    /** {@code () -> DWORD}. */
    final MethodHandle getCurrentThreadId;
    /** {@code () -> long} pseudo-handle of the calling thread. */
    final MethodHandle getCurrentThread;
    /** {@code () -> long} pseudo-handle of this process. */
    final MethodHandle getCurrentProcess;
    /** {@code (capture, long srcProcess, long src, long dstProcess, HANDLE* dst, int access, int inherit, int options) -> BOOL}. */
    final MethodHandle duplicateHandle;
    /** {@code (capture, wide name) -> HMODULE}. */
    final MethodHandle loadLibraryW;
    /** {@code (module, name) -> FARPROC}. */
    final MethodHandle getProcAddress;
    /** {@code (long handle) -> BOOL}. */
    final MethodHandle closeHandle;
    /** {@code (long handle, byte flags) -> BOOL}. */
    final MethodHandle setFileCompletionNotificationModes;

    Kernel32() {
        Linker linker = Linker.nativeLinker();
        Linker.Option capture = Linker.Option.captureCallState(LAST_ERROR);
        createIoCompletionPort = linker.downcallHandle(ws2spi_h.CreateIoCompletionPort$address(),
                returningHandle(ws2spi_h.CreateIoCompletionPort$descriptor(), 0, 1), capture);
        getQueuedCompletionStatusEx = linker.downcallHandle(ws2spi_h.GetQueuedCompletionStatusEx$address(),
                withHandleArgs(ws2spi_h.GetQueuedCompletionStatusEx$descriptor(), 0), capture);
        postQueuedCompletionStatus = linker.downcallHandle(ws2spi_h.PostQueuedCompletionStatus$address(),
                withHandleArgs(ws2spi_h.PostQueuedCompletionStatus$descriptor(), 0));
        createEventW = linker.downcallHandle(ws2spi_h.CreateEventW$address(),
                returningHandle(ws2spi_h.CreateEventW$descriptor()), capture);
        setEvent = linker.downcallHandle(ws2spi_h.SetEvent$address(),
                withHandleArgs(ws2spi_h.SetEvent$descriptor(), 0));
        resetEvent = linker.downcallHandle(ws2spi_h.ResetEvent$address(),
                withHandleArgs(ws2spi_h.ResetEvent$descriptor(), 0));
        waitForSingleObjectEx = linker.downcallHandle(ws2spi_h.WaitForSingleObjectEx$address(),
                withHandleArgs(ws2spi_h.WaitForSingleObjectEx$descriptor(), 0));
        sleepEx = linker.downcallHandle(ws2spi_h.SleepEx$address(), ws2spi_h.SleepEx$descriptor());
        queueUserApc = linker.downcallHandle(ws2spi_h.QueueUserAPC$address(),
                withHandleArgs(ws2spi_h.QueueUserAPC$descriptor(), 1));
        getCurrentThreadId = linker.downcallHandle(ws2spi_h.GetCurrentThreadId$address(),
                ws2spi_h.GetCurrentThreadId$descriptor());
        getCurrentThread = linker.downcallHandle(ws2spi_h.GetCurrentThread$address(),
                returningHandle(ws2spi_h.GetCurrentThread$descriptor()));
        getCurrentProcess = linker.downcallHandle(ws2spi_h.GetCurrentProcess$address(),
                returningHandle(ws2spi_h.GetCurrentProcess$descriptor()));
        duplicateHandle = linker.downcallHandle(ws2spi_h.DuplicateHandle$address(),
                withHandleArgs(ws2spi_h.DuplicateHandle$descriptor(), 0, 1, 2), capture);
        loadLibraryW = linker.downcallHandle(ws2spi_h.LoadLibraryW$address(),
                ws2spi_h.LoadLibraryW$descriptor(), capture);
        getProcAddress = linker.downcallHandle(ws2spi_h.GetProcAddress$address(),
                ws2spi_h.GetProcAddress$descriptor());
        closeHandle = linker.downcallHandle(ws2spi_h.CloseHandle$address(),
                withHandleArgs(ws2spi_h.CloseHandle$descriptor(), 0));
        setFileCompletionNotificationModes = linker.downcallHandle(ws2spi_h.SetFileCompletionNotificationModes$address(),
                withHandleArgs(ws2spi_h.SetFileCompletionNotificationModes$descriptor(), 0));
    }

    /** The {@code GetLastError} value captured by the last capturing call into {@code state}. */
    int lastError(MemorySegment state) {
        return (int) lastError.get(state, 0L);
    }

}
