package org.jwsp.provider;

/**
 * When a socket's queue holds an at-once lower send in flight. Where the lower socket skips the
 * port on success ({@link SocketContext#port}), a lower send the kernel takes at once leaves
 * nothing in flight, so nothing waits to be merged: each send is its own lower call, issued and
 * delivered by its caller, with no hand-off. That is the cheapest way while sends come one at a
 * time; when they come faster than one lower call each, merging is cheaper, and it needs something
 * for sends to wait behind. So the queue <em>holds</em> the socket after an at-once lower send: the
 * sends it carried are finished and delivered at once, later ones wait, and jwsp posts to its own
 * port a packet of its own ({@link CompletionPort#hold}); the worker, taking it, ends the hold and
 * issues what queued meanwhile as one merged send ({@link SubmissionQueue#holdEnded}).
 *
 * <p>It holds while the last merged send carried more than one send (merging paid), stops when
 * {@link #IDLE_HOLDS} held sends in a row merged nothing behind them (nothing queued, or a single
 * send: the hand-offs bought nothing), and, while not holding, holds one send in
 * {@link #PROBE_EVERY} to find out whether merging would pay again. Counts, no clock.
 * Message-oriented sockets never hold (the queue does not ask).
 *
 * <p>One per {@link SubmissionQueue}, used under the socket's monitor like the queue itself.
 */
final class HoldRule {

    /** While not holding, one at-once send in this many is held to learn whether sends would merge behind it. */
    static final int PROBE_EVERY = 64;
    /** Holding stops after this many held sends in a row merged nothing (nothing queued, or one send). */
    static final int IDLE_HOLDS = 16;

    /** Whether at-once sends are held: the last merged lower send carried more than one send. */
    private boolean holding;
    /** At-once sends not held since the last probe. */
    private int sinceProbe;
    /** Held sends in a row, since the last merge of two or more, that merged nothing behind them. */
    private int idleHolds;

    /** Whether at-once sends are held now. */
    boolean holding() {
        return holding;
    }

    /** Whether to hold the at-once send being issued now: while holding, or as the probe. */
    boolean holdsNext() {
        if (holding) {
            return true;
        }
        if (++sinceProbe < PROBE_EVERY) {
            return false;
        }
        sinceProbe = 0;
        return true;
    }

    /** A lower send carrying {@code members} sends was issued from the queue. */
    void issued(int members) {
        if (members > 1) {
            holding = true; // merging paid: hold at-once sends so later ones merge behind them
            idleHolds = 0;
        } else {
            mergedNothing(); // a "merge" of one send
        }
    }

    /** A held send merged nothing behind it: after {@link #IDLE_HOLDS} in a row, stop holding. */
    void mergedNothing() {
        if (holding && ++idleHolds >= IDLE_HOLDS) {
            holding = false;
            idleHolds = 0;
        }
    }

    /** The socket slot is reused. */
    void reset() {
        holding = false;
        sinceProbe = 0;
        idleHolds = 0;
    }
}
