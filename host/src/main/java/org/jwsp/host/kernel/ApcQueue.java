package org.jwsp.host.kernel;

/**
 * One thread's queue of user-mode APCs: {@code (routine, context)} pairs in FIFO order, where
 * {@code routine} is the address of a native {@code void CALLBACK f(ULONG_PTR)}. Any thread
 * adds ({@link HostThread#queueApc}); only the owning thread takes, inside its alertable waits.
 *
 * <p>A growable ring of two {@code long} arrays under the queue's monitor: adding allocates
 * nothing unless the ring must grow. Holds no native memory.
 */
final class ApcQueue {

    private long[] routines = new long[16];
    private long[] contexts = new long[16];
    private int head;
    private int size;

    synchronized void add(long routine, long context) {
        if (size == routines.length) {
            grow();
        }
        int tail = (head + size) & (routines.length - 1);
        routines[tail] = routine;
        contexts[tail] = context;
        size++;
    }

    private void grow() {
        int n = routines.length;
        long[] r = new long[n * 2];
        long[] c = new long[n * 2];
        for (int i = 0; i < n; i++) {
            r[i] = routines[(head + i) & (n - 1)];
            c[i] = contexts[(head + i) & (n - 1)];
        }
        routines = r;
        contexts = c;
        head = 0;
    }

    /** Drops every queued APC (its thread has ended: none will run). */
    synchronized void clear() {
        head = 0;
        size = 0;
    }

    synchronized boolean isEmpty() {
        return size == 0;
    }

    /**
     * Takes the oldest APC into {@code out} ({@code out[0]} routine, {@code out[1]} context);
     * false if the queue is empty.
     */
    synchronized boolean take(long[] out) {
        if (size == 0) {
            return false;
        }
        out[0] = routines[head];
        out[1] = contexts[head];
        head = (head + 1) & (routines.length - 1);
        size--;
        return true;
    }
}
