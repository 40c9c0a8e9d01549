package org.jwsp.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The third of the provider's three doors: the few kernel services a Winsock provider uses
 * besides the upcall table and the lower provider's proc table.
 *
 * <p>The verbs and their results are kernel32's, so the provider reads the same on both
 * systems: on Windows they are {@code CreateIoCompletionPort}, {@code GetQueuedCompletionStatusEx},
 * {@code PostQueuedCompletionStatus}, {@code CreateEventW}/{@code SetEvent}/{@code ResetEvent},
 * {@code WaitForSingleObjectEx}, {@code SleepEx}, {@code QueueUserAPC}, {@code LoadLibraryW}/
 * {@code GetProcAddress}, {@code CloseHandle}; on Linux the host implements them over io_uring,
 * eventfd and per-thread APC queues.
 *
 * <p>Handles are Windows {@code HANDLE} values carried as {@code long}; {@code 0} is never a
 * valid handle. Every method is thread-safe. The methods marked <em>hot</em> allocate nothing
 * and never throw; the others throw {@link KernelException} when the kernel refuses.
 */
public interface KernelPort {

    /** {@code INFINITE}: a wait with no time-out. */
    int INFINITE = -1;
    /** {@code WAIT_OBJECT_0}: the object was signalled. */
    int WAIT_OBJECT_0 = 0;
    /** {@code WAIT_IO_COMPLETION}: an alertable wait ended because APCs ran on this thread. */
    int WAIT_IO_COMPLETION = 0xC0;
    /** {@code WAIT_TIMEOUT}: the time-out elapsed. */
    int WAIT_TIMEOUT = 258;
    /** {@code WAIT_FAILED}: the handle is not one this port knows. */
    int WAIT_FAILED = -1;

    /** {@link #dequeue} result: the time-out elapsed and nothing was dequeued. */
    int DEQUEUE_TIMEOUT = 0;
    /** {@link #dequeue} result: an alertable dequeue ran APCs and dequeued nothing. */
    int DEQUEUE_IO_COMPLETION = -1;
    /** {@link #dequeue} result: the port was closed (or is not a port). */
    int DEQUEUE_CLOSED = -2;

    // ---- completion ports -------------------------------------------------------------------

    /** Creates a completion port ({@code CreateIoCompletionPort(INVALID_HANDLE_VALUE, 0, 0, n)}). */
    long createCompletionPort(int concurrentThreads);

    /**
     * Associates a file or socket handle with a port: every overlapped operation issued on
     * {@code handle} afterwards completes as a packet on {@code port} carrying {@code key}.
     */
    void associate(long port, long handle, long completionKey);

    /**
     * <em>Hot.</em> Dequeues up to {@code entries.byteSize() / sizeof(OVERLAPPED_ENTRY)} packets
     * into {@code entries} ({@code GetQueuedCompletionStatusEx}).
     *
     * @return the number dequeued (at least 1), or {@link #DEQUEUE_TIMEOUT},
     *         {@link #DEQUEUE_IO_COMPLETION}, {@link #DEQUEUE_CLOSED}
     */
    int dequeue(long port, MemorySegment entries, int timeoutMillis, boolean alertable);

    /** <em>Hot.</em> Queues a packet ({@code PostQueuedCompletionStatus}); false if the port is gone. */
    boolean post(long port, int bytesTransferred, long completionKey, MemorySegment overlapped);

    /**
     * {@code SetFileCompletionNotificationModes(handle, flags)}: with
     * {@code FILE_SKIP_COMPLETION_PORT_ON_SUCCESS}, an overlapped operation on {@code handle} that
     * succeeds at once (its call returns 0) queues no packet on the associated port; a mode once set
     * stays. False when the handle refuses it (not a file or IFS socket handle, unknown flags) or the
     * port has no such call; the handle then posts as before.
     */
    default boolean setFileCompletionNotificationModes(long handle, int flags) {
        return false;
    }

    // ---- events -----------------------------------------------------------------------------

    /** Creates an event object ({@code CreateEventW(NULL, manualReset, initialState, NULL)}). */
    long createEvent(boolean manualReset, boolean initiallySignalled);

    /** <em>Hot.</em> {@code SetEvent}; false if {@code event} is not an event. */
    boolean setEvent(long event);

    /** <em>Hot.</em> {@code ResetEvent}; false if {@code event} is not an event. */
    boolean resetEvent(long event);

    /**
     * {@code WaitForSingleObjectEx} on an event (or a thread handle, where supported).
     *
     * @return {@link #WAIT_OBJECT_0}, {@link #WAIT_TIMEOUT}, {@link #WAIT_IO_COMPLETION} or {@link #WAIT_FAILED}
     */
    int waitForSingleObject(long handle, int timeoutMillis, boolean alertable);

    /** {@code SleepEx}: 0 when the time elapsed, {@link #WAIT_IO_COMPLETION} when APCs ran. */
    int sleep(int timeoutMillis, boolean alertable);

    // ---- threads and APCs -------------------------------------------------------------------

    /** <em>Hot.</em> {@code GetCurrentThreadId}. */
    int currentThreadId();

    /**
     * Opens a real handle to the calling thread that other threads may use to queue APCs to it
     * (on Windows: {@code DuplicateHandle(GetCurrentThread())}). Close it with {@link #closeHandle}.
     */
    long openCurrentThread();

    /**
     * <em>Hot.</em> {@code QueueUserAPC}: {@code routine} ({@code void CALLBACK f(ULONG_PTR)}) runs with
     * {@code context} on that thread, in FIFO order, the next time it waits alertably.
     */
    boolean queueApc(long thread, MemorySegment routine, long context);

    // ---- modules and handles ----------------------------------------------------------------

    /**
     * {@code GetProcAddress(LoadLibraryW(module), name)}: the address of an export, or
     * {@link MemorySegment#NULL} if the module or the export is not there.
     */
    MemorySegment procAddress(String module, String name);

    /** {@code CloseHandle} for ports, events and thread handles; false if it was not open. */
    boolean closeHandle(long handle);

    // ---- caller memory ----------------------------------------------------------------------

    /**
     * Whether every page of {@code [address, address + bytes)} is mapped in this process: the
     * optional probe of {@code ProviderSettings.probeCallerMemory} for pointers that pass the
     * address-range check but may still point nowhere. One system call (Linux: {@code msync}
     * with {@code MS_ASYNC}, which checks the range against the process's mappings and does
     * nothing else); it cannot tell a read-only or guard page from a writable one.
     *
     * @throws UnsupportedOperationException where the port has no probe (Windows, for now:
     *                                       {@code VirtualQuery} would be its probe)
     */
    default boolean mapped(long address, long bytes) {
        throw new UnsupportedOperationException("no caller-memory probe on this kernel port");
    }

    /**
     * The kernel port of the system this JVM runs on: the first {@link KernelPortProvider} registered
     * with {@link java.util.ServiceLoader} that runs here ({@code org.jwsp.windows.WindowsKernelPort} from
     * this jar on Windows, the Linux host's port from {@code jwsp-host.jar} elsewhere).
     *
     * @throws KernelException naming what is missing when no registered port runs here
     */
    static KernelPort system() {
        return SystemKernelPort.get();
    }
}
