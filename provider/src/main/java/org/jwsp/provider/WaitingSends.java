package org.jwsp.provider;

/**
 * The sends waiting in one socket's {@link SubmissionQueue}, in call order: a FIFO linked through
 * {@link OverlappedRequest#next}, so queuing allocates nothing. Touched only under the owning
 * socket's lock.
 */
final class WaitingSends {

    private OverlappedRequest head;
    private OverlappedRequest tail;

    /** The first waiting send, or null. */
    OverlappedRequest first() {
        return head;
    }

    boolean isEmpty() {
        return head == null;
    }

    void append(OverlappedRequest r) {
        r.next = null;
        if (tail == null) {
            head = tail = r;
        } else {
            tail.next = r;
            tail = r;
        }
    }

    /** Takes the first waiting send off; there must be one. */
    OverlappedRequest pop() {
        OverlappedRequest r = head;
        head = r.next;
        if (head == null) {
            tail = null;
        }
        r.next = null;
        return r;
    }

    /** Moves every send of {@code front} before the sends waiting here, in its order, and leaves {@code front} empty. */
    void pushFront(WaitingSends front) {
        if (front.head == null) {
            return;
        }
        front.tail.next = head;
        head = front.head;
        if (tail == null) {
            tail = front.tail;
        }
        front.head = front.tail = null;
    }

    /** Takes every waiting send off at once: the chain, in order, linked through {@code next} (null when none). */
    OverlappedRequest takeAll() {
        OverlappedRequest all = head;
        head = tail = null;
        return all;
    }
}
