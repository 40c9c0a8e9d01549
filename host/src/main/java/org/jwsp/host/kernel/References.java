package org.jwsp.host.kernel;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The reference count of a host kernel object that a call may still be using while another
 * thread closes its handle (a completion thread inside {@code SetEvent} when the program, which
 * saw the completion, closes the event). The handle holds one reference and every call one while
 * it runs; once {@link #markClosed closed} no call can take one, and whoever drops the last
 * reference frees the object. One atomic each way, no allocation.
 */
final class References {

    private final AtomicInteger count = new AtomicInteger(1);
    private volatile boolean closed;

    /** Takes a reference for the duration of one call; false once closed. */
    boolean acquire() {
        for (;;) {
            int r = count.get();
            if (r == 0 || closed) {
                return false;
            }
            if (count.compareAndSet(r, r + 1)) {
                return true;
            }
        }
    }

    /** Drops a reference; true when it was the last, and the caller frees the object. */
    boolean release() {
        return count.decrementAndGet() == 0;
    }

    /** No call takes a reference from now on; the handle's own reference is still to be released. */
    void markClosed() {
        closed = true;
    }

    boolean closed() {
        return closed;
    }
}
