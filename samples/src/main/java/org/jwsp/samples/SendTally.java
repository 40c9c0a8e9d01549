package org.jwsp.samples;

/**
 * What one client saw of its sends: how many, how many bytes, how each completed. Written by the
 * sending thread (and by its completion routines, which run on that same thread in its alertable
 * waits); read after the phase ends.
 */
public final class SendTally {

    /** WSASend calls made. */
    public long sends;
    /** Bytes the completions reported sent. */
    public long bytes;
    /** Sends that returned 0 at once (their completion was still indicated). */
    public long immediate;
    /** Sends that returned SOCKET_ERROR with WSA_IO_PENDING. */
    public long pending;
    /** Sends refused (SOCKET_ERROR with another WSAE code); nothing of them was sent. */
    public long refused;
    /** Completions seen per kind. */
    public long byEvent;
    public long byRoutine;
    public long byPort;
    /** Blocking (non-overlapped) sends that returned 0. */
    public long blocking;

    /** Completions of every kind. */
    public long completions() {
        return byEvent + byRoutine + byPort + blocking;
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
