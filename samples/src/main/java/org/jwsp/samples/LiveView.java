package org.jwsp.samples;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToLongFunction;

/**
 * The demo's live view: while the ways run, one line per way with the bytes its peers verified,
 * its sends per second, the sends in flight and the sends the filter holds. On a terminal the
 * lines are redrawn in place every {@value #TERMINAL_MILLIS} ms (ANSI cursor-up and erase); on
 * anything else (a file, a pipe, a test), a plain line per running way every
 * {@value #PLAIN_MILLIS} ms, indented so that nothing mistakes it for the final table.
 *
 * <p>Its own daemon thread draws; {@link #println} lets the demo's threads print their step
 * lines above the live block. Everything that writes to {@code out} holds this object's lock.
 */
final class LiveView implements AutoCloseable {

    static final int TERMINAL_MILLIS = 250, PLAIN_MILLIS = 1000;
    private static final String UP = "\u001b[%dA", CLEAR_DOWN = "\u001b[J";

    private final PrintStream out;
    private final boolean terminal;
    private final List<DemoWay> ways;
    private final ToLongFunction<DemoWay> delayedNow;
    private final long[] lastSends;
    private final Thread thread;
    private long lastTick = System.nanoTime();
    private int drawn;
    private volatile boolean running = true;

    /**
     * @param terminal   redraw in place (true only when {@code out} is a terminal)
     * @param delayedNow the sends the filter holds right now, per way
     */
    LiveView(PrintStream out, boolean terminal, List<DemoWay> ways, ToLongFunction<DemoWay> delayedNow) {
        this.out = out;
        this.terminal = terminal;
        this.ways = ways;
        this.delayedNow = delayedNow;
        this.lastSends = new long[ways.size()];
        thread = Thread.ofPlatform().daemon().name("jwsp-demo-live").start(this::run);
    }

    /** Prints a line above the live block. */
    synchronized void println(String line) {
        erase();
        out.println(line);
        draw(0);
    }

    private void run() {
        long period = (terminal ? TERMINAL_MILLIS : PLAIN_MILLIS) * 1_000_000L;
        long next = System.nanoTime() + period;
        while (running) {
            LockSupport.parkNanos(next - System.nanoTime());
            if (!running) {
                break;
            }
            if (System.nanoTime() - next >= 0) {
                next += period;
                tick();
            }
        }
    }

    private synchronized void tick() {
        long now = System.nanoTime();
        double seconds = Math.max(1e-3, (now - lastTick) / 1e9);
        lastTick = now;
        if (terminal) {
            erase();
            draw(seconds);
            return;
        }
        for (int i = 0; i < ways.size(); i++) {
            DemoWay w = ways.get(i);
            long sends = w.tally().sends;
            if (w.state == DemoWay.State.RUNNING) {
                out.println("  live: " + line(w, (sends - lastSends[i]) / seconds));
            }
            lastSends[i] = sends;
        }
    }

    /** Draws the block (terminal only); {@code seconds} since the last draw, 0 to keep the last rates. */
    private void draw(double seconds) {
        if (!terminal) {
            return;
        }
        for (int i = 0; i < ways.size(); i++) {
            DemoWay w = ways.get(i);
            long sends = w.tally().sends;
            double rate = seconds > 0 ? (sends - lastSends[i]) / seconds : Double.NaN;
            if (seconds > 0) {
                lastSends[i] = sends;
            }
            out.println(line(w, rate));
        }
        drawn = ways.size();
        out.flush();
    }

    private void erase() {
        if (terminal && drawn > 0) {
            out.print(String.format(UP, drawn) + "\r" + CLEAR_DOWN);
            drawn = 0;
        }
    }

    private String line(DemoWay w, double sendsPerSecond) {
        SendTally t = w.tally();
        String rate = Double.isNaN(sendsPerSecond) || w.state != DemoWay.State.RUNNING ? "" : String.format("%,.0f", sendsPerSecond);
        return String.format("%-18s %-7s %,13d B verified %9s sends/s %5d pending %5d delayed", w.name,
                w.state.name().toLowerCase(java.util.Locale.ROOT), w.received(), rate, t.inFlight(), delayedNow.applyAsLong(w));
    }

    /** Stops the view; on a terminal the block stays, showing the final state. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        LockSupport.unpark(thread);
        thread.join(5_000);
        synchronized (this) {
            if (terminal) {
                erase();
                draw(0);
            }
        }
    }
}
