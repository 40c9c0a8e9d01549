package org.jwsp.provider;

/**
 * Requests of one socket that finished under its lock, in the order they finished, linked through
 * {@link OverlappedRequest#nextDone}: the thread that takes the list delivers it after leaving the
 * lock ({@link CompletionDelivery#deliverAll}), so no upcall runs under the lock. Touched only
 * under the owning socket's lock; allocates nothing.
 */
final class DoneList {

    private OverlappedRequest head;
    private OverlappedRequest tail;

    boolean isEmpty() {
        return head == null;
    }

    /** {@code r} ends with {@code error} and {@code transferred} bytes: its result is set and it joins the list. */
    void finish(OverlappedRequest r, int error, int transferred) {
        r.result(error, transferred, 0);
        add(r);
    }

    private void add(OverlappedRequest r) {
        r.nextDone = null;
        if (tail == null) {
            head = tail = r;
        } else {
            tail.nextDone = r;
            tail = r;
        }
    }

    /** The finished requests, in order (null when none), and an empty list. */
    OverlappedRequest take() {
        OverlappedRequest d = head;
        head = tail = null;
        return d;
    }

    /** Appends what finished here to {@code delivering} (a list a thread is delivering already) and empties this list. */
    void appendTo(OverlappedRequest delivering) {
        if (head == null) {
            return;
        }
        OverlappedRequest last = delivering;
        while (last.nextDone != null) {
            last = last.nextDone;
        }
        last.nextDone = head;
        head = tail = null;
    }
}
