package org.jwsp.samples;

/**
 * What one client saw of its sends: how many, how many bytes, how each completed. Written by the
 * sending thread (and by its completion routines, which run on that same thread in its alertable
 * waits); the fields are volatile so that a live view may read them while the phase runs.
 */
public final class SendTally {

    /** WSASend calls made. */
    public volatile long sends;
    /** Bytes the completions reported sent. */
    public volatile long bytes;
    /** Sends that returned 0 at once (their completion was still indicated). */
    public volatile long immediate;
    /** Sends that returned SOCKET_ERROR with WSA_IO_PENDING. */
    public volatile long pending;
    /** Sends refused (SOCKET_ERROR with another WSAE code); nothing of them was sent. */
    public volatile long refused;
    /** Completions seen per kind. */
    public volatile long byEvent;
    public volatile long byRoutine;
    public volatile long byPort;
    /** Blocking (non-overlapped) sends that returned 0. */
    public volatile long blocking;

    /** Completions of every kind. */
    public long completions() {
        return byEvent + byRoutine + byPort + blocking;
    }

    /** A copy of this tally as it is now. */
    public SendTally copy() {
        SendTally c = new SendTally();
        c.add(this);
        return c;
    }

    /** Sends made and not completed yet (nor refused). */
    public long inFlight() {
        return sends - refused - completions();
    }

    /** Sets the completion-port counts to {@code before} plus what {@code w} counted. */
    void countWindow(SendTally before, SendWindow w) {
        immediate = before.immediate + w.immediate();
        pending = before.pending + w.pending();
        byPort = before.byPort + w.completed();
        bytes = before.bytes + w.completedBytes();
    }

    /** Adds another tally to this one. */
    public void add(SendTally t) {
        sends += t.sends;
        bytes += t.bytes;
        immediate += t.immediate;
        pending += t.pending;
        refused += t.refused;
        byEvent += t.byEvent;
        byRoutine += t.byRoutine;
        byPort += t.byPort;
        blocking += t.blocking;
    }
}
