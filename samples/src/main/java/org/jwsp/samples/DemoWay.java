package org.jwsp.samples;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jwsp.samples.filter.SocketMeter;

/**
 * One way of sending in the demo: its name, its sockets (one or more, each checked by its peer),
 * one client {@link SendTally} per socket, and its state for the live view. The sockets and
 * tallies are added by the demo's thread before the way starts; the tallies are written by the
 * thread that runs the way and read by the live view and, at the end, by the table.
 */
final class DemoWay {

    enum State { WAITING, RUNNING, DONE }

    final String name;
    final List<Checked> sockets = new CopyOnWriteArrayList<>();
    final List<SendTally> tallies = new CopyOnWriteArrayList<>();
    volatile State state = State.WAITING;
    volatile String result = "";

    DemoWay(String name) {
        this.name = name;
    }

    /** Adds a socket and returns its tally. */
    SendTally add(Checked socket) {
        SendTally t = new SendTally();
        sockets.add(socket);
        tallies.add(t);
        return t;
    }

    /** The sum of the client tallies, now. */
    SendTally tally() {
        SendTally sum = new SendTally();
        for (SendTally t : tallies) {
            sum.add(t);
        }
        return sum;
    }

    /** Bytes the peers verified, now. */
    long received() {
        long n = 0;
        for (Checked c : sockets) {
            n += c.received();
        }
        return n;
    }

    /** What the filter counted for this way's sockets, now. */
    SocketMeter.Reading reading(SocketMeter meter) {
        long sends = 0, bytes = 0, passed = 0, delayed = 0, refused = 0;
        for (Checked c : sockets) {
            SocketMeter.Reading r = meter.read(c.socket());
            sends += r.sends();
            bytes += r.bytes();
            passed += r.passed();
            delayed += r.delayed();
            refused += r.refused();
        }
        return new SocketMeter.Reading(sends, bytes, passed, delayed, refused);
    }

    /** Waits for every socket's peer to have verified everything sent. */
    void awaitEcho() throws InterruptedException {
        for (Checked c : sockets) {
            c.awaitEcho(WinsockSends.WAIT_MILLIS);
        }
    }
}
