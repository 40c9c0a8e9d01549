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

    /** Puts the chain {@code first} .. {@code last} (linked through {@code next}) back in front, in its order. */
    void pushFront(OverlappedRequest first, OverlappedRequest last) {
        last.next = head;
        head = first;
        if (tail == null) {
            tail = last;
        }
    }

    /** Takes every waiting send off at once: the chain, in order, linked through {@code next} (null when none). */
    OverlappedRequest takeAll() {
        OverlappedRequest all = head;
        head = tail = null;
        return all;
    }
}
