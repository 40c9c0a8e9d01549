package org.jwsp.samples;

import java.io.PrintStream;
import java.util.List;

import org.jwsp.samples.filter.SocketMeter;

/**
 * The demo's final table: per way, what jwsp's filter saw (sends, bytes let through, its
 * verdicts) next to what the client saw (completions by kind) and what the peers verified; and
 * the check that the three agree. Called once, on the demo's thread, after every way has ended.
 */
final class DemoTable {

    private DemoTable() {
    }

    static void print(PrintStream out, List<DemoWay> ways, SocketMeter meter) {
        String head = "%-19s | %6s %6s %6s %6s %11s | %6s %7s %5s %8s | %11s%n";
        String row = "%-19s | %6d %6d %6d %6d %,11d | %6d %7d %5d %8d | %,11d%n";
        out.printf("%-19s | %-39s | %-29s | %s%n", "", "      jwsp's SendFilter saw", "   client saw completions", "verified");
        out.printf(head, "way", "sends", "passed", "delay", "refuse", "bytes", "event", "routine", "port", "blocking", "arrived");
        out.println("-".repeat(19) + "-+-" + "-".repeat(39) + "-+-" + "-".repeat(29) + "-+-" + "-".repeat(11));
        SocketMeter.Reading sum = new SocketMeter.Reading(0, 0, 0, 0, 0);
        SendTally all = new SendTally();
        long arrived = 0;
        for (DemoWay w : ways) {
            SocketMeter.Reading r = w.reading(meter);
            SendTally t = w.tally();
            out.printf(row, w.name, r.sends(), r.passed(), r.delayed(), r.refused(), r.bytes(), t.byEvent, t.byRoutine, t.byPort,
                    t.blocking, w.received());
            sum = new SocketMeter.Reading(sum.sends() + r.sends(), sum.bytes() + r.bytes(), sum.passed() + r.passed(),
                    sum.delayed() + r.delayed(), sum.refused() + r.refused());
            all.add(t);
            arrived += w.received();
        }
        out.println("-".repeat(19) + "-+-" + "-".repeat(39) + "-+-" + "-".repeat(29) + "-+-" + "-".repeat(11));
        out.printf(row, "total", sum.sends(), sum.passed(), sum.delayed(), sum.refused(), sum.bytes(), all.byEvent, all.byRoutine,
                all.byPort, all.blocking, arrived);
        out.println();
    }

    /** Filter, client and peers must agree on every way, else {@link SampleFailure}. */
    static void check(List<DemoWay> ways, SocketMeter meter) {
        for (DemoWay w : ways) {
            SocketMeter.Reading r = w.reading(meter);
            SendTally t = w.tally();
            long arrived = w.received();
            if (r.sends() != t.sends || r.refused() != t.refused || r.bytes() != t.bytes || arrived != t.bytes
                    || t.completions() != t.sends - t.refused) {
                throw new SampleFailure(w.name + ": the filter saw " + r + ", the client " + t.sends + " sends, " + t.bytes
                        + " bytes, " + t.completions() + " completions, " + t.refused + " refused; " + arrived + " bytes arrived");
            }
        }
        if (meter.read(0).sends() != 0) {
            throw new SampleFailure("the filter saw " + meter.read(0).sends() + " sends on sockets the demo did not make");
        }
    }
}
