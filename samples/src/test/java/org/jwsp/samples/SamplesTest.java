package org.jwsp.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Each focused sample runs to completion and its output says what it claims. */
class SamplesTest {

    @Test
    void meteringCountsEverySendAndByteTheEchoReturns() {
        SampleRun run = SampleRun.of(MeteringFilterSample::run);
        assertEquals(0, run.exitCode(), run.output());
        long[] small = SampleRun.numbers(run.line("small"));
        long[] bulk = SampleRun.numbers(run.line("bulk"));
        long[] mixed = SampleRun.numbers(run.line("mixed"));
        assertEquals(1000, small[1]);
        assertEquals(1000L * 100, small[2]);
        assertEquals(40, bulk[1]);
        assertEquals(40L * 65536, bulk[2]);
        assertEquals(300, mixed[1]);
        assertEquals(100L * (10 + 1000 + 10000), mixed[2]);
        for (long[] row : new long[][] {small, bulk, mixed}) {
            assertEquals(row[2], row[3], "metered = echoed");
        }
        assertTrue(run.output().contains("metering sample: OK"), run.output());
    }

    @Test
    void shapingHoldsEverySendAndReleasesThemAtThePacersRate() {
        SampleRun run = SampleRun.of(ShapingFilterSample::run);
        assertEquals(0, run.exitCode(), run.output());
        long[] shaped = SampleRun.numbers(run.line("shaped:"));
        // 40 sends x 8192 B in <ms> ms = <rate> sends/s (pacer: 200/s, 40 released)
        assertEquals(ShapingFilterSample.SENDS, shaped[0]);
        assertTrue(shaped[2] >= 1000L * (ShapingFilterSample.SENDS - 1) / ShapingFilterSample.RATE, run.output());
        assertTrue(shaped[3] <= ShapingFilterSample.RATE * 11 / 10, "no faster than the pacer: " + run.output());
        assertEquals(ShapingFilterSample.SENDS, shaped[5], "every held send released");
        assertTrue(run.output().contains("shaping sample: OK"), run.output());
    }

    @Test
    void zeroCopyGatherSendsTheWholeRegionAndItComesBackIntact() {
        SampleRun run = SampleRun.of(ZeroCopyGatherSend::run);
        assertEquals(0, run.exitCode(), run.output());
        long[] sent = SampleRun.numbers(run.line("sent "));
        long[] echoed = SampleRun.numbers(run.line("echoed and verified "));
        assertEquals(ZeroCopyGatherSend.REGION, sent[0]);
        assertEquals((sent[1] + ZeroCopyGatherSend.RECORDS_PER_SEND - 1) / ZeroCopyGatherSend.RECORDS_PER_SEND, sent[2],
                "16 records per WSASend");
        assertEquals(ZeroCopyGatherSend.REGION, echoed[0]);
        assertTrue(run.output().contains("zero-copy gather sample: OK"), run.output());
    }
}
