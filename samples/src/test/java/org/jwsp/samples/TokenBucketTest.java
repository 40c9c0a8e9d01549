package org.jwsp.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.jwsp.samples.filter.TokenBucket;

/**
 * The token bucket's schedule on a clock of the test's own (no waiting at all), and the sample
 * over the real host: both destinations' measured rates within 5 % of their configured rates over
 * three seconds.
 */
class TokenBucketTest {

    @Test
    void aBacklogIsAdmittedAtExactlyTheRate() {
        TokenBucket b = new TokenBucket(1_000_000, 0); // 1 MB/s: 1000 B take 1 ms
        long t = 5_000_000_000L;
        for (int i = 0; i < 3000; i++) {
            assertEquals(t + i * 1_000_000L, b.admit(t, 1000), "send " + i + " of a backlog that arrived at once");
        }
    }

    @Test
    void anIdleBucketRefillsUpToItsBurstAndNoMore() {
        TokenBucket b = new TokenBucket(1_000_000, 3000);
        long t = 0;
        b.admit(t, 1000);
        t += 10_000_000; // idle for 10 ms: full again, but only to the burst
        for (int i = 0; i < 4; i++) {
            assertEquals(t, b.admit(t, 1000), "within burst + one send: at once");
        }
        assertEquals(t + 1_000_000, b.admit(t, 1000), "beyond the burst: waits one send's time");
        assertEquals(t + 2_000_000, b.admit(t + 1_500_000, 1000), "and keeps the rate, whenever it is asked");
    }

    @Test
    void lateQuestionsDoNotSlowTheRateDown() {
        TokenBucket b = new TokenBucket(2_000_000, 0);
        long first = b.admit(0, 2000);
        long last = first;
        for (int i = 1; i <= 1000; i++) {
            last = b.admit(last + 1, 2000); // asked just after the previous release, as the shaper does
        }
        assertEquals(1000 * 2000L * 1e9 / (last - first), 2_000_000, 2_000_000 * 0.001);
    }

    @Test
    void theSampleKeepsBothDestinationsWithinFivePercentOfTheirRates() {
        SampleRun run = SampleRun.of(out -> TokenBucketSample.run(out, "--rate", "1m", "--seconds", "3", "--size", "8k"));
        assertEquals(0, run.exitCode(), run.output());
        for (String line : run.lines().stream().filter(l -> l.startsWith("127.0.0.1:")).toList()) {
            double change = Double.parseDouble(line.replaceAll(".*\\(([-+][\\d.]+) %\\).*", "$1"));
            assertTrue(Math.abs(change) <= 5, line);
            long[] n = SampleRun.numbers(line.substring(line.indexOf("rate")));
            assertTrue(n[0] == 1_048_576 || n[0] == 262_144, line);
        }
        assertTrue(run.output().contains("token bucket sample: OK"), run.output());
    }

    @Test
    void impossibleSizesAndUnknownFlagsAreOneLineAndExitOne() {
        SampleRun big = SampleRun.of(out -> TokenBucketSample.run(out, "--rate", "64k", "--seconds", "1", "--size", "64k"));
        assertEquals(2, big.exitCode());
        assertTrue(big.output().strip().startsWith("TokenBucketSample: --size 65536 is too large"), big.output());
        assertEquals(1, big.lines().size(), big.output());
        SampleRun unknown = SampleRun.of(out -> TokenBucketSample.run(out, "--rte", "1m"));
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.output().startsWith("TokenBucketSample: Unknown option") && unknown.output().contains("'--rte'"), unknown.output());
        assertEquals(1, unknown.lines().size(), unknown.output());
    }
}
