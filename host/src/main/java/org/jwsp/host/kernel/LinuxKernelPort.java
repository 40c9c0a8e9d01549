package org.jwsp.host.kernel;

import java.lang.foreign.MemorySegment;

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
    private final HostModules modules = new HostModules();

    private LinuxKernelPort() {
    }

    /** The process's kernel port (what {@link KernelPort#system()} finds through {@link org.jwsp.host.LinuxHost}). */
    public static LinuxKernelPort instance() {
        return INSTANCE;
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

    @Override
    public int waitForSingleObject(long handle, int timeoutMillis, boolean alertable) {
        if (!(handles.get(handle) instanceof EventObject e) || !e.acquire()) {
            return WAIT_FAILED;
        }
        try {
            return Waits.waitEvent(e, timeoutMillis, alertable);
        } finally {
            e.release();
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
        return routine.address() != 0 && handles.get(thread) instanceof ThreadHandle t
                && t.thread.queueApc(routine.address(), context);
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
        return handles.get(threadHandle) instanceof ThreadHandle t ? t.thread.tid : 0;
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
