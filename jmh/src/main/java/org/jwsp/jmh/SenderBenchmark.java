package org.jwsp.jmh;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What every benchmark that sends through one {@link WinsockSender} shares: the subclass opens the
 * trial's sender in its own {@code @Setup(Level.Trial)}; each iteration is counted for the
 * "sender B/op" column ({@link ThreadAllocation}); the sender is closed, and its bytes checked
 * against the drain's, after the trial.
 */
public abstract class SenderBenchmark {

    /** The trial's sender, opened by the subclass. */
    protected WinsockSender sender;

    @Setup(Level.Iteration)
    public void beginIteration() {
        sender.beginIteration();
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
        sender.endIteration();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        sender.close();
    }
}
