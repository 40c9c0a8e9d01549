package org.jwsp.host.kernel;

/**
 * Finishes an overlapped socket operation whose CQE a port just reaped: the CQE's
 * {@code user_data} is the operation's {@code OVERLAPPED} address and {@code res} is bytes
 * transferred or {@code -errno}. Implemented by the base provider (it owns what the operation
 * needs: its captured buffers, its socket's send queue, its event or completion routine) and
 * installed once with {@link LinuxKernelPort#setOverlappedCompletion}.
 *
 * <p>Runs on whichever thread reaps the port (an application thread in {@code dequeue}, or the
 * host completion thread), under the port's reap lock: it must not block and must not throw.
 */
public interface OverlappedCompletion {

    /** {@link #complete} result: the operation was finished here; the port surfaces no entry. */
    long NO_ENTRY = Long.MIN_VALUE;

    /**
     * Writes the {@code OVERLAPPED}'s {@code Internal}/{@code InternalHigh}, signals what must be
     * signalled, and returns the completion key the port must surface the operation with (the
     * socket's association) or {@link #NO_ENTRY}.
     */
    long complete(CompletionPortObject port, long overlapped, int result);
}
