package org.jwsp.windows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.kernel.KernelException;
import org.jwsp.kernel.KernelPort;

/**
 * The {@link KernelPort} of Windows x64: kernel32's completion ports, events, waits, APCs and
 * thread handles, called directly through FFM downcalls ({@link Kernel32}).
 *
 * <p>Who calls it: the provider, through {@link KernelPort#system()}, which loads this class by
 * name on Windows only. {@link #instance()} refuses on any other system with a
 * {@link KernelException} (code {@code ERROR_NOT_SUPPORTED}) before anything touches kernel32, so
 * loading or even calling this class on Linux is harmless and repeatable.
 *
 * <p>Threads: every method may be called from any thread. Completion packets are dequeued in
 * batches of up to {@code entries.byteSize() / sizeof(OVERLAPPED_ENTRY)} into the caller's
 * segment (read them with {@link CompletionBatch}). Memory: the only native memory this class
 * owns is one small {@link CallState} per calling thread (the captured {@code GetLastError} and
 * one out-parameter), so the hot methods allocate nothing; transient strings for
 * {@link #procAddress} live in a confined arena for the call.
 *
 * <p>Every path in this class past {@link #instance()} runs only on Windows: see docs/WINDOWS.md.
 */
public final class WindowsKernelPort implements KernelPort {

    private static final Logger LOG = LogManager.getLogger(WindowsKernelPort.class);

    /** {@code CreateIoCompletionPort}'s "no file" handle ({@code INVALID_HANDLE_VALUE}). */
    private static final long NO_FILE = ws2spi_h.INVALID_HANDLE_VALUE().address();

    private final Kernel32 k;
    private final ThreadLocal<CallState> state;

    private WindowsKernelPort(Kernel32 kernel32) {
        this.k = kernel32;
        this.state = CallState.perThread(kernel32.captureLayout);
    }

    /**
     * The one Windows kernel port of this process.
     *
     * @throws KernelException with {@code ERROR_NOT_SUPPORTED} when this JVM is not Windows x64, or
     *         with the loader's reason when kernel32/ws2_32 cannot be bound (every call, same answer)
     */
    public static WindowsKernelPort instance() {
        String refusal = refusal(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
        if (refusal != null) {
            throw new KernelException(refusal, ws2spi_h.ERROR_NOT_SUPPORTED());
        }
        return Loaded.get();
    }

    /** Why this JVM cannot use the Windows port, or null when it can (Windows on x64). */
    static String refusal(String osName, String osArch) {
        if (!osName.startsWith("Windows")) {
            return "WindowsKernelPort runs only on Windows x64, this JVM is os.name=" + osName
                    + " (use KernelPort.system(), which picks the Linux host's port here)";
        }
        if (!osArch.equals("amd64") && !osArch.equals("x86_64")) {
            return "WindowsKernelPort needs a 64-bit x64 JVM (the bindings are Windows x64), this JVM is os.arch="
                    + osArch;
        }
        return null;
    }

    /** Binds kernel32 once, on first use on Windows; a failure is kept and reported on every call. */
    private static final class Loaded {
        private static final Object OUTCOME = load();

        private static Object load() {
            try {
                // The generated bindings look symbols up in this class loader's libraries.
                System.loadLibrary("kernel32");
                System.loadLibrary("ws2_32");
                return new WindowsKernelPort(new Kernel32());
            } catch (Throwable t) {
                LOG.error("cannot bind kernel32/ws2_32: {}", t.toString());
                return new KernelException("cannot bind kernel32/ws2_32: " + t, 0, t);
            }
        }

        static WindowsKernelPort get() {
            if (OUTCOME instanceof WindowsKernelPort port) {
                return port;
            }
            throw new KernelException(((KernelException) OUTCOME).getMessage(), 0, (KernelException) OUTCOME);
        }
    }

    // ---- completion ports -------------------------------------------------------------------

    @Override
    public long createCompletionPort(int concurrentThreads) {
        CallState s = state.get();
        long port;
        try {
            port = (long) k.createIoCompletionPort.invokeExact(s.capture, NO_FILE, 0L, 0L, concurrentThreads);
        } catch (Throwable t) {
            throw jvmFailure("CreateIoCompletionPort", t);
        }
        if (port == 0) {
            throw refused("CreateIoCompletionPort", k.lastError(s.capture));
        }
        return port;
    }

    @Override
    public void associate(long port, long handle, long completionKey) {
        CallState s = state.get();
        long result;
        try {
            result = (long) k.createIoCompletionPort.invokeExact(s.capture, handle, port, completionKey, 0);
        } catch (Throwable t) {
            throw jvmFailure("CreateIoCompletionPort(associate)", t);
        }
        if (result == 0) {
            throw refused("CreateIoCompletionPort(associate)", k.lastError(s.capture));
        }
    }

    @Override
    public int dequeue(long port, MemorySegment entries, int timeoutMillis, boolean alertable) {
        int capacity = CompletionBatch.capacity(entries);
        if (capacity == 0) {
            return DEQUEUE_CLOSED; // nothing can ever be dequeued into it: the caller's bug, not a wait
        }
        CallState s = state.get();
        try {
            int ok = (int) k.getQueuedCompletionStatusEx.invokeExact(s.capture, port, entries, capacity, s.out,
                    timeoutMillis, alertable ? 1 : 0);
            return dequeueResult(ok, s.outInt(), ok != 0 ? 0 : k.lastError(s.capture));
        } catch (Throwable t) {
            LOG.debug("GetQueuedCompletionStatusEx could not be called: {}", t.toString());
            return DEQUEUE_CLOSED;
        }
    }

    /**
     * Maps {@code GetQueuedCompletionStatusEx}'s {@code BOOL}, entries removed and
     * {@code GetLastError} to {@link #dequeue}'s result: {@code WAIT_TIMEOUT} is a time-out,
     * {@code WAIT_IO_COMPLETION} means APCs ran, and every other failure
     * ({@code ERROR_ABANDONED_WAIT_0}: the port was closed while waiting; {@code ERROR_INVALID_HANDLE})
     * means the port is gone.
     */
    static int dequeueResult(int ok, int removed, int lastError) {
        if (ok != 0) {
            return removed > 0 ? removed : DEQUEUE_TIMEOUT;
        }
        if (lastError == ws2spi_h.WAIT_TIMEOUT()) {
            return DEQUEUE_TIMEOUT;
        }
        if (lastError == ws2spi_h.WAIT_IO_COMPLETION()) {
            return DEQUEUE_IO_COMPLETION;
        }
        return DEQUEUE_CLOSED;
    }

    @Override
    public boolean post(long port, int bytesTransferred, long completionKey, MemorySegment overlapped) {
        try {
            return (int) k.postQueuedCompletionStatus.invokeExact(port, bytesTransferred, completionKey,
                    overlapped) != 0;
        } catch (Throwable t) {
            LOG.debug("PostQueuedCompletionStatus could not be called: {}", t.toString());
            return false;
        }
    }

    @Override
    public boolean setFileCompletionNotificationModes(long handle, int flags) {
        try {
            return (int) k.setFileCompletionNotificationModes.invokeExact(handle, (byte) flags) != 0;
        } catch (Throwable t) {
            LOG.debug("SetFileCompletionNotificationModes could not be called: {}", t.toString());
            return false;
        }
    }

    // ---- events -----------------------------------------------------------------------------

    @Override
    public long createEvent(boolean manualReset, boolean initiallySignalled) {
        CallState s = state.get();
        long event;
        try {
            event = (long) k.createEventW.invokeExact(s.capture, MemorySegment.NULL, manualReset ? 1 : 0,
                    initiallySignalled ? 1 : 0, MemorySegment.NULL);
        } catch (Throwable t) {
            throw jvmFailure("CreateEventW", t);
        }
        if (event == 0) {
            throw refused("CreateEventW", k.lastError(s.capture));
        }
        return event;
    }

    @Override
    public boolean setEvent(long event) {
        try {
            return (int) k.setEvent.invokeExact(event) != 0;
        } catch (Throwable t) {
            return false;
        }
    }

    @Override
    public boolean resetEvent(long event) {
        try {
            return (int) k.resetEvent.invokeExact(event) != 0;
        } catch (Throwable t) {
            return false;
        }
    }

    @Override
    public int waitForSingleObject(long handle, int timeoutMillis, boolean alertable) {
        try {
            return waitResult((int) k.waitForSingleObjectEx.invokeExact(handle, timeoutMillis, alertable ? 1 : 0));
        } catch (Throwable t) {
            LOG.debug("WaitForSingleObjectEx could not be called: {}", t.toString());
            return WAIT_FAILED;
        }
    }

    /**
     * {@code WaitForSingleObjectEx}'s result as {@link KernelPort} names it: the four documented
     * values pass unchanged ({@code WAIT_ABANDONED} cannot happen on events and thread handles,
     * the only objects the provider waits on), anything else is {@link #WAIT_FAILED}.
     */
    static int waitResult(int result) {
        return result == WAIT_OBJECT_0 || result == WAIT_TIMEOUT || result == WAIT_IO_COMPLETION ? result : WAIT_FAILED;
    }

    @Override
    public int sleep(int timeoutMillis, boolean alertable) {
        try {
            return (int) k.sleepEx.invokeExact(timeoutMillis, alertable ? 1 : 0) == WAIT_IO_COMPLETION
                    ? WAIT_IO_COMPLETION : 0;
        } catch (Throwable t) {
            throw jvmFailure("SleepEx", t);
        }
    }

    // ---- threads and APCs -------------------------------------------------------------------

    @Override
    public int currentThreadId() {
        try {
            return (int) k.getCurrentThreadId.invokeExact();
        } catch (Throwable t) {
            return 0; // GetCurrentThreadId cannot fail; 0 is never a thread id
        }
    }

    @Override
    public long openCurrentThread() {
        CallState s = state.get();
        int ok;
        try {
            long process = (long) k.getCurrentProcess.invokeExact();
            long thread = (long) k.getCurrentThread.invokeExact();
            ok = (int) k.duplicateHandle.invokeExact(s.capture, process, thread, process, s.out, 0, 0,
                    ws2spi_h.DUPLICATE_SAME_ACCESS());
        } catch (Throwable t) {
            throw jvmFailure("DuplicateHandle(GetCurrentThread())", t);
        }
        if (ok == 0) {
            throw refused("DuplicateHandle(GetCurrentThread())", k.lastError(s.capture));
        }
        return s.outHandle();
    }

    @Override
    public boolean queueApc(long thread, MemorySegment routine, long context) {
        try {
            return (int) k.queueUserApc.invokeExact(routine, thread, context) != 0;
        } catch (Throwable t) {
            LOG.debug("QueueUserAPC could not be called: {}", t.toString());
            return false;
        }
    }

    // ---- modules and handles ----------------------------------------------------------------

    /** {@inheritDoc} The module stays loaded (its reference count is not dropped): exports stay valid. */
    @Override
    public MemorySegment procAddress(String module, String name) {
        CallState s = state.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment moduleHandle = (MemorySegment) k.loadLibraryW.invokeExact(s.capture,
                    arena.allocateFrom(module, StandardCharsets.UTF_16LE));
            if (moduleHandle.address() == 0) {
                LOG.debug("LoadLibraryW({}) failed: error {}", module, k.lastError(s.capture));
                return MemorySegment.NULL;
            }
            MemorySegment export = (MemorySegment) k.getProcAddress.invokeExact(moduleHandle,
                    arena.allocateFrom(name, StandardCharsets.US_ASCII));
            return export.address() == 0 ? MemorySegment.NULL : MemorySegment.ofAddress(export.address());
        } catch (Throwable t) {
            throw jvmFailure("LoadLibraryW/GetProcAddress(" + module + ", " + name + ")", t);
        }
    }

    @Override
    public boolean closeHandle(long handle) {
        try {
            return (int) k.closeHandle.invokeExact(handle) != 0;
        } catch (Throwable t) {
            return false;
        }
    }

    private static KernelException refused(String call, int lastError) {
        return new KernelException(call + " failed: GetLastError " + lastError, lastError);
    }

    private static KernelException jvmFailure(String call, Throwable t) {
        return new KernelException(call + " could not be called: " + t, 0, t);
    }
}
