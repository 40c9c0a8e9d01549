package org.jwsp.host.kernel;

import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.kernel.KernelException;
import org.jwsp.kernel.KernelPort;

/**
 * kernel32's verbs on Linux: completion ports are io_uring instances ({@link CompletionPortObject}),
 * events are eventfds ({@link EventObject}), waits are {@code poll} loops ({@link Waits}), thread
 * identity is {@code gettid}, APCs are per-thread FIFO queues ({@link ApcQueue}) run only in that
 * thread's alertable waits, and {@code GetProcAddress} is a module registry ({@link HostModules}),
 * where {@code kernel32.dll} itself exports {@code SleepEx}, {@code WaitForSingleObjectEx} and
 * {@code GetCurrentThreadId} for native threads ({@link Kernel32Exports}).
 * Handles (ports, events, threads, and the Winsock {@code SOCKET}s the upcall table makes) live
 * in one {@link HandleTable}.
 *
 * <p>One instance per process ({@link #instance()}), thread-safe. Beyond {@link KernelPort} it
 * offers the host's other parts what Windows' kernel gives msafd and ws2_32: the handle table,
 * the port object behind a handle (to submit ring operations), module registration, and the hook
 * that finishes overlapped socket operations ({@link #setOverlappedCompletion}).
 */
public final class LinuxKernelPort implements KernelPort {

    private static final LinuxKernelPort INSTANCE = new LinuxKernelPort();

    static {
        Kernel32Exports.register(INSTANCE);
    }

    private final HandleTable handles = new HandleTable();
    /** The objects of the calling thread's wait on several handles. */
    private static final ThreadLocal<EventObject[]> WAITED = ThreadLocal.withInitial(() -> new EventObject[MultipleWaits.MAX]);
    private final HostModules modules = new HostModules();
    private final MessageWindows windows = new MessageWindows();

    private LinuxKernelPort() {
    }

    /** The process's kernel port (what {@link KernelPort#system()} finds through {@link org.jwsp.host.LinuxHost}). */
    public static LinuxKernelPort instance() {
        return INSTANCE;
    }

    /** win32k's message-only windows and message queues (an emulation for {@code WSAAsyncSelect}). */
    public MessageWindows windows() {
        return windows;
    }

    // ---- completion ports -------------------------------------------------------------------

    @Override
    public long createCompletionPort(int concurrentThreads) {
        return handles.open(CompletionPortObject.open());
    }

    @Override
    public void associate(long port, long handle, long completionKey) {
        CompletionPortObject p = port(port);
        if (p == null) {
            throw new KernelException("not a completion port: " + port, 9 /* EBADF */);
        }
        if (!(handles.get(handle) instanceof Associable target)) {
            throw new KernelException("handle cannot be associated with a port: " + handle, 9 /* EBADF */);
        }
        target.associate(p, completionKey);
    }

    @Override
    public int dequeue(long port, MemorySegment entries, int timeoutMillis, boolean alertable) {
        CompletionPortObject p = port(port);
        return p == null ? DEQUEUE_CLOSED : p.dequeue(entries, timeoutMillis, alertable);
    }

    @Override
    public boolean post(long port, int bytesTransferred, long completionKey, MemorySegment overlapped) {
        CompletionPortObject p = port(port);
        return p != null && p.post(bytesTransferred, completionKey, overlapped.address());
    }

    /**
     * {@code SetFileCompletionNotificationModes(handle, flags)} ({@link CompletionModes}): false
     * (Windows' {@code ERROR_INVALID_HANDLE}/{@code ERROR_INVALID_PARAMETER}) for a handle that is
     * not a socket or for unknown flags.
     */
    @Override
    public boolean setFileCompletionNotificationModes(long handle, int flags) {
        if ((flags & ~CompletionModes.KNOWN) != 0 || !(handles.get(handle) instanceof Associable target)) {
            return false;
        }
        target.notificationModes(flags);
        return true;
    }

    // ---- events -----------------------------------------------------------------------------

    @Override
    public long createEvent(boolean manualReset, boolean initiallySignalled) {
        return handles.open(EventObject.create(manualReset, initiallySignalled));
    }

    @Override
    public boolean setEvent(long event) {
        return handles.get(event) instanceof EventObject e && e.set();
    }

    @Override
    public boolean resetEvent(long event) {
        return handles.get(event) instanceof EventObject e && e.reset();
    }

    /**
     * {@code WaitForSingleObjectEx} on an event, or on a thread made by {@link #createThread}
     * (signalled once it has ended); any other handle is {@code WAIT_FAILED}. A thread handle from
     * {@link #openCurrentThread} answers a zero time-out only: {@code WAIT_OBJECT_0} once the
     * thread has ended, else {@code WAIT_TIMEOUT} (Java has no exit hook to wait on; a provider
     * polls it to learn that an APC it queued will never run).
     */
    @Override
    public int waitForSingleObject(long handle, int timeoutMillis, boolean alertable) {
        Object o = handles.get(handle);
        if (o instanceof ThreadHandle t) {
            if (t.thread.ended()) {
                return WAIT_OBJECT_0;
            }
            return timeoutMillis == 0 ? WAIT_TIMEOUT : WAIT_FAILED;
        }
        EventObject e = o instanceof EventObject event ? event : o instanceof CreatedThread t ? t.ended : null;
        if (e == null || !e.acquire()) {
            return WAIT_FAILED;
        }
        try {
            return Waits.waitEvent(e, timeoutMillis, alertable);
        } finally {
            e.release();
        }
    }

    /**
     * {@code WaitForMultipleObjectsEx} ({@code WSAWaitForMultipleEvents}) on the {@code count}
     * (1..{@link MultipleWaits#MAX}) handles at {@code handles} (the caller's array, valid for the
     * call): events, or threads made by {@link #createThread}. {@code WAIT_OBJECT_0 + i} (the
     * lowest signalled; with {@code all}, {@code WAIT_OBJECT_0} once every one is),
     * {@code WAIT_TIMEOUT}, {@code WAIT_IO_COMPLETION}; {@code WAIT_FAILED} for a handle that is
     * none of these (or, with {@code all}, an auto-reset event).
     */
    public int waitForMultiple(long handles, int count, boolean all, int timeoutMillis, boolean alertable) {
        if (count < 1 || count > MultipleWaits.MAX || handles == 0) {
            return WAIT_FAILED;
        }
        EventObject[] events = WAITED.get();
        int held = 0;
        try {
            for (; held < count; held++) {
                Object o = this.handles.get(org.jwsp.bindings.CallerMemory.getLong(handles + 8L * held));
                EventObject e = o instanceof EventObject event ? event : o instanceof CreatedThread t ? t.ended : null;
                if (e == null || (all && !e.manualReset) || !e.acquire()) {
                    return WAIT_FAILED;
                }
                events[held] = e;
            }
            return MultipleWaits.waitFor(events, count, all, timeoutMillis, alertable);
        } finally {
            for (int i = 0; i < held; i++) {
                events[i].release();
                events[i] = null;
            }
        }
    }

    @Override
    public int sleep(int timeoutMillis, boolean alertable) {
        return Waits.sleep(timeoutMillis, alertable);
    }

    // ---- threads and APCs -------------------------------------------------------------------

    @Override
    public int currentThreadId() {
        return HostThread.current().tid;
    }

    @Override
    public long openCurrentThread() {
        return handles.open(new ThreadHandle(HostThread.current()));
    }

    @Override
    public boolean queueApc(long thread, MemorySegment routine, long context) {
        if (routine.address() == 0) {
            return false;
        }
        Object o = handles.get(thread);
        return o instanceof ThreadHandle t ? t.thread.queueApc(routine.address(), context)
                : o instanceof CreatedThread c && c.queueApc(routine.address(), context);
    }

    /**
     * {@code CreateThread}: a native thread (a pthread the JVM did not start) running
     * {@code DWORD WINAPI start(parameter)}; its handle, waitable until the thread ends, or 0 when
     * Linux gave no thread. The thread's id is {@link #threadIdOf} the handle.
     */
    public long createThread(MemorySegment start, MemorySegment parameter) {
        CreatedThread t = CreatedThread.start(start, parameter);
        return t == null ? 0 : handles.open(t);
    }

    /**
     * {@code CancelIoEx(handle, overlapped)}: 0 when the overlapped operation of {@code overlapped}
     * on the socket {@code handle} (every one of them when it is 0) is being cancelled (it completes
     * with {@code WSA_OPERATION_ABORTED}); else Windows' {@code ERROR_NOT_FOUND} (nothing of it is
     * pending there) or {@code ERROR_INVALID_HANDLE} (not a socket).
     */
    public int cancelIo(long handle, long overlapped) {
        if (!(handles.get(handle) instanceof Associable socket)) {
            return ws2spi_h.ERROR_INVALID_HANDLE();
        }
        return socket.cancelIo(overlapped) ? 0 : ws2spi_h.ERROR_NOT_FOUND();
    }

    /**
     * Idle eventfds the host keeps to lend to alertable waits (at most {@code WakeFds.MAX_IDLE}):
     * a process-wide cache, counted apart from a thread's or a program's fds by leak checks.
     */
    public int idleWakeFds() {
        return WakeFds.idle();
    }

    /** The Linux thread id behind a thread handle, or 0 if it is not one. */
    public int threadIdOf(long threadHandle) {
        Object o = handles.get(threadHandle);
        return o instanceof ThreadHandle t ? t.thread.tid : o instanceof CreatedThread c ? c.tid() : 0;
    }

    // ---- modules and handles ----------------------------------------------------------------

    @Override
    public MemorySegment procAddress(String module, String name) {
        return modules.find(module, name);
    }

    /** Makes {@code function} findable as {@code procAddress(module, export)} (a "DLL export"). */
    public void registerExport(String module, String export, MemorySegment function) {
        modules.register(module, export, function);
    }

    /** Forgets a module and all its exports (a provider being uninstalled). */
    public void unregisterModule(String module) {
        modules.unregister(module);
    }

    @Override
    public boolean mapped(long address, long bytes) {
        return Libc.mapped(address, bytes);
    }

    /**
     * kernel32's {@code CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL)}:
     * a handle to the regular file {@code path}, for reading ({@link FileObject}); closed by
     * {@link #closeHandle}.
     *
     * @throws KernelException with {@code ERROR_FILE_NOT_FOUND} (no such regular file) or
     *         {@code ERROR_ACCESS_DENIED} (it cannot be read)
     */
    public long createFile(String path) {
        java.nio.file.Path p = java.nio.file.Path.of(path);
        if (!java.nio.file.Files.isRegularFile(p)) {
            throw new KernelException("CreateFileW " + path, org.jwsp.bindings.windows.ws2spi_h.ERROR_FILE_NOT_FOUND());
        }
        try {
            return handles.open(FileObject.openForReading(p));
        } catch (java.io.IOException | SecurityException e) {
            throw new KernelException("CreateFileW " + path + ": " + e.getMessage(), org.jwsp.bindings.windows.ws2spi_h.ERROR_ACCESS_DENIED());
        }
    }

    /** The file behind {@code handle} ({@link #createFile}), or null when it names none (closed, never opened, another object). */
    public FileObject file(long handle) {
        return handles.get(handle) instanceof FileObject f ? f : null;
    }

    @Override
    public boolean closeHandle(long handle) {
        if (!(handles.get(handle) instanceof KernelObject)) {
            return false;
        }
        Object o = handles.close(handle);
        if (o instanceof KernelObject k) {
            k.close();
            return true;
        }
        return false;
    }

    /** The handle space shared by kernel objects and Winsock sockets. */
    public HandleTable handles() {
        return handles;
    }

    /** The port behind {@code handle}, or null. <em>Hot</em>: an array index. */
    public CompletionPortObject port(long handle) {
        return handles.get(handle) instanceof CompletionPortObject p ? p : null;
    }

    /** Installs the hook that finishes overlapped socket operations reaped from any port (the base provider's). */
    public void setOverlappedCompletion(OverlappedCompletion completion) {
        CompletionPortObject.setOverlappedCompletion(completion);
    }
}
