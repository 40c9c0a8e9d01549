package org.jwsp.samples;

/**
 * A socket of the samples whose peer checks every byte it gets: an {@link EchoConnection} (TCP,
 * the echo comes back) or a {@link DatagramConnection} (UDP, the receiver checks each datagram).
 */
public interface Checked {

    /** The socket handle, as the program (and jwsp's filter) sees it. */
    long socket();

    /** Bytes that arrived at the peer and were verified, so far. Any thread. */
    long received();

    /** Waits until everything sent has arrived, verified; else {@link SampleFailure}. */
    void awaitEcho(long timeoutMillis) throws InterruptedException;
}
