package org.jwsp.testkit;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.jwsp.bindings.windows.LPWSAUSERAPC;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.kernel.KernelPort;

/**
 * TEST-ONLY STAND-IN for the Linux host's {@code LinuxKernelPort}. The real host is on main and
 * {@code HostIntegrationTest} runs over it; this stand-in stays for the tests that need what the
 * real host cannot give deterministically (a lower send held pending until the test completes
 * it, faked lower answers) and for the allocation test. Plain Java: completion
 * ports are bounded rings under a monitor, events are monitors, APCs run in alertable waits of
 * the thread they were queued to. Allocation-free on post/dequeue/setEvent/queueApc so that the
 * provider's hot-path allocation test measures the provider, not the harness.
 *
 * <p>{@link #associate} records (port, key) per handle so that {@link FakeLowerProvider} can
 * post the completion of an overlapped lower operation where the kernel would
 * ({@link #completeOnAssociatedPort}).
 */
public final class TestKernelPort implements KernelPort {

    private static final long ENTRY = OVERLAPPED_ENTRY.layout().byteSize();
    private static final int RING = 1 << 16;

    /** A completion port: a ring of (bytes, key, overlapped). */
    private static final class Port {
        final long[] keys = new long[RING];
        final long[] overlapped = new long[RING];
        final int[] bytes = new int[RING];
        long head;
        long tail;
        boolean closed;
    }

    private static final class Event {
        final boolean manual;
        boolean signalled;

        Event(boolean manual, boolean signalled) {
            this.manual = manual;
            this.signalled = signalled;
        }
    }

    /** One thread's APC queue. */
    static final class ApcQueue {
        final long[] routines = new long[4096];
        final long[] contexts = new long[4096];
        int head;
        int tail;
        /** The last APC function run by the owning thread, as a call target (made when it changes: allocation-free). */
        long lastRoutine;
        MemorySegment lastTarget = MemorySegment.NULL;

        MemorySegment target(long routine) {
            if (routine != lastRoutine) {
                lastTarget = MemorySegment.ofAddress(routine);
                lastRoutine = routine;
            }
            return lastTarget;
        }
    }

    private static final long FIRST_HANDLE = 0x7000;
    private static final int MAX_OBJECTS = 1 << 16;
    private final AtomicLong nextHandle = new AtomicLong(FIRST_HANDLE);
    /** Handle → object by index, so hot verbs look up without boxing a Long. */
    private final AtomicReferenceArray<Object> objects = new AtomicReferenceArray<>(MAX_OBJECTS);
    /** Associated handle (a lower socket: a small fd) → {port, key}. */
    private final AtomicReferenceArray<long[]> associations = new AtomicReferenceArray<>(MAX_OBJECTS);
    private final Map<String, MemorySegment> exports = new ConcurrentHashMap<>();
    private final ThreadLocal<ApcQueue> myApcs = ThreadLocal.withInitial(ApcQueue::new);

    /** Makes {@code module!name} resolvable through {@link #procAddress}. */
    public void export(String module, String name, MemorySegment fn) {
        exports.put(module.toLowerCase() + "!" + name, fn);
    }

    @Override
    public long createCompletionPort(int concurrentThreads) {
        return register(new Port());
    }

    @Override
    public void associate(long port, long handle, long completionKey) {
        associations.set(slot(handle), new long[] {port, completionKey});
    }

    /** What the kernel does when an overlapped operation on {@code handle} ends: a packet on its port. */
    public boolean completeOnAssociatedPort(long handle, int bytes, MemorySegment overlapped) {
        return completeOnAssociatedPort(handle, bytes, overlapped.address());
    }

    public boolean completeOnAssociatedPort(long handle, int bytes, long overlapped) {
        long[] a = handle >= 0 && handle < MAX_OBJECTS ? associations.get((int) handle) : null;
        return a != null && postAddress(a[0], bytes, a[1], overlapped);
    }

    public void dissociate(long handle) {
        associations.set(slot(handle), null);
    }

    @Override
    public int dequeue(long port, MemorySegment entries, int timeoutMillis, boolean alertable) {
        Port p = (Port) object(port);
        if (p == null) {
            return DEQUEUE_CLOSED;
        }
        int max = (int) (entries.byteSize() / ENTRY);
        long deadline = timeoutMillis == INFINITE ? Long.MAX_VALUE : System.nanoTime() + timeoutMillis * 1_000_000L;
        synchronized (p) {
            while (p.head == p.tail && !p.closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return DEQUEUE_TIMEOUT;
                }
                try {
                    p.wait(timeoutMillis == INFINITE ? 0 : Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return DEQUEUE_CLOSED;
                }
            }
            if (p.closed) {
                return DEQUEUE_CLOSED;
            }
            int n = 0;
            while (n < max && p.head != p.tail) {
                int i = (int) (p.head++ & (RING - 1));
                long at = n * ENTRY;
                entries.set(ValueLayout.JAVA_LONG, at + OVERLAPPED_ENTRY.lpCompletionKey$offset(), p.keys[i]);
                entries.set(ValueLayout.JAVA_LONG, at + OVERLAPPED_ENTRY.lpOverlapped$offset(), p.overlapped[i]);
                entries.set(ValueLayout.JAVA_LONG, at + OVERLAPPED_ENTRY.Internal$offset(), 0L);
                entries.set(ValueLayout.JAVA_INT, at + OVERLAPPED_ENTRY.dwNumberOfBytesTransferred$offset(), p.bytes[i]);
                n++;
            }
            return n;
        }
    }

    @Override
    public boolean post(long port, int bytesTransferred, long completionKey, MemorySegment overlapped) {
        return postAddress(port, bytesTransferred, completionKey, overlapped.address());
    }

    /** {@link #post} with the OVERLAPPED as an address (the harness's allocation-free path). */
    public boolean postAddress(long port, int bytesTransferred, long completionKey, long overlapped) {
        Object o = object(port);
        if (!(o instanceof Port p)) {
            return false;
        }
        synchronized (p) {
            if (p.closed || p.tail - p.head == RING) {
                return false;
            }
            int i = (int) (p.tail++ & (RING - 1));
            p.keys[i] = completionKey;
            p.overlapped[i] = overlapped;
            p.bytes[i] = bytesTransferred;
            p.notifyAll();
        }
        return true;
    }

    @Override
    public long createEvent(boolean manualReset, boolean initiallySignalled) {
        return register(new Event(manualReset, initiallySignalled));
    }

    @Override
    public boolean setEvent(long event) {
        if (!(object(event) instanceof Event e)) {
            return false;
        }
        synchronized (e) {
            e.signalled = true;
            e.notifyAll();
        }
        return true;
    }

    @Override
    public boolean resetEvent(long event) {
        if (!(object(event) instanceof Event e)) {
            return false;
        }
        synchronized (e) {
            e.signalled = false;
        }
        return true;
    }

    @Override
    public int waitForSingleObject(long handle, int timeoutMillis, boolean alertable) {
        if (!(object(handle) instanceof Event e)) {
            return WAIT_FAILED;
        }
        long deadline = timeoutMillis == INFINITE ? Long.MAX_VALUE : System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            if (alertable && runApcs() > 0) {
                return WAIT_IO_COMPLETION;
            }
            synchronized (e) {
                if (e.signalled) {
                    if (!e.manual) {
                        e.signalled = false;
                    }
                    return WAIT_OBJECT_0;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return WAIT_TIMEOUT;
                }
                try {
                    // Alertable waits re-check their APC queue every few ms; plain waits are woken by setEvent.
                    e.wait(alertable ? Math.min(5, Math.max(1, left / 1_000_000)) : Math.max(1, Math.min(left / 1_000_000, Integer.MAX_VALUE)));
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return WAIT_FAILED;
                }
            }
        }
    }

    @Override
    public int sleep(int timeoutMillis, boolean alertable) {
        ApcQueue q = myApcs.get();
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            if (alertable && runApcs() > 0) {
                return WAIT_IO_COMPLETION;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return 0;
            }
            synchronized (q) {
                if (q.head == q.tail) {
                    try {
                        q.wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return 0;
                    }
                }
            }
        }
    }

    /** Runs the APCs queued to the calling thread, in FIFO order; returns how many ran. */
    public int runApcs() {
        ApcQueue q = myApcs.get();
        int ran = 0;
        while (true) {
            long routine;
            long context;
            synchronized (q) {
                if (q.head == q.tail) {
                    return ran;
                }
                int i = q.head++ & (q.routines.length - 1);
                routine = q.routines[i];
                context = q.contexts[i];
            }
            LPWSAUSERAPC.invoke(q.target(routine), context);
            ran++;
        }
    }

    @Override
    public int currentThreadId() {
        return (int) Thread.currentThread().threadId();
    }

    @Override
    public long openCurrentThread() {
        return register(myApcs.get());
    }

    @Override
    public boolean queueApc(long thread, MemorySegment routine, long context) {
        return queueApc(thread, routine.address(), context);
    }

    /** {@link #queueApc(long, MemorySegment, long)} with the routine as an address (allocation-free). */
    public boolean queueApc(long thread, long routine, long context) {
        if (!(object(thread) instanceof ApcQueue q)) {
            return false;
        }
        synchronized (q) {
            if (q.tail - q.head == q.routines.length) {
                return false;
            }
            int i = q.tail++ & (q.routines.length - 1);
            q.routines[i] = routine;
            q.contexts[i] = context;
            q.notifyAll();
        }
        return true;
    }

    @Override
    public MemorySegment procAddress(String module, String name) {
        MemorySegment fn = exports.get(module.toLowerCase() + "!" + name);
        return fn != null ? fn : MemorySegment.NULL;
    }

    @Override
    public boolean closeHandle(long handle) {
        Object o = object(handle);
        if (o != null) {
            objects.set(index(handle), null);
        }
        if (o instanceof Port p) {
            synchronized (p) {
                p.closed = true;
                p.notifyAll();
            }
        }
        return o != null;
    }

    /** Open ports, events and thread handles (a leak check). */
    public int openHandles() {
        int n = 0;
        for (int i = 0; i < MAX_OBJECTS; i++) {
            n += objects.get(i) != null ? 1 : 0;
        }
        return n;
    }

    private long register(Object o) {
        long h = nextHandle.addAndGet(4);
        objects.set(index(h), o);
        return h;
    }

    private static int index(long handle) {
        return (int) ((handle - FIRST_HANDLE) >>> 2) & (MAX_OBJECTS - 1);
    }

    private Object object(long handle) {
        return handle > FIRST_HANDLE && ((handle - FIRST_HANDLE) & 3) == 0 ? objects.get(index(handle)) : null;
    }

    private static int slot(long handle) {
        if (handle < 0 || handle >= MAX_OBJECTS) {
            throw new IllegalArgumentException("handle out of the harness's range: " + handle);
        }
        return (int) handle;
    }
}
