package org.jwsp.jmh;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Bytes allocated per send on the threads a send runs on: the benchmark thread (the program's
 * thread: the host's ws2_32 and jwsp's WSPSend run on it) and jwsp's completion worker
 * ({@code jwsp-completion}), measured per iteration with
 * {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}. JMH's GC profiler divides the
 * allocation of every thread of the JVM (JMH's own, the host's threads that stand in for Windows'
 * kernel) by the operations, so even a peer that allocates nothing shows a few bytes per send;
 * this says what the sending path itself allocated. The last iteration measured is kept.
 *
 * <p>One benchmark thread; not thread-safe.
 */
final class ThreadAllocation {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    /** Threads of jwsp that carry a send besides the caller's. */
    private static final String WORKER = "jwsp-completion";

    private long[] ids = new long[0];
    private long[] start = new long[0];
    private long startOps;
    private double last = Double.NaN;

    /** An iteration begins; {@code ops} is the caller's count of sends so far. */
    void begin(long ops) {
        long self = Thread.currentThread().threadId();
        ids = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.threadId() == self || t.getName().equals(WORKER))
                .mapToLong(Thread::threadId).toArray();
        start = THREADS.getThreadAllocatedBytes(ids);
        startOps = ops;
    }

    /** The iteration ended with {@code ops} sends in all. */
    void end(long ops) {
        long[] now = THREADS.getThreadAllocatedBytes(ids);
        long bytes = 0;
        for (int i = 0; i < ids.length; i++) {
            if (now[i] >= 0 && start[i] >= 0) {
                bytes += now[i] - start[i];
            }
        }
        long n = ops - startOps;
        last = n > 0 ? (double) bytes / n : Double.NaN;
    }

    /** Bytes per send of the last iteration measured (NaN before one ended). */
    double bytesPerOp() {
        return last;
    }

    @Override
    public String toString() {
        return "ThreadAllocation" + Arrays.toString(ids) + " " + last + " B/op";
    }
}
