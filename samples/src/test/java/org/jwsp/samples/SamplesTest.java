package org.jwsp.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.jwsp.provider.filter.SendFilter;

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

    @Test
    void everySampleAnswersHelpAndRefusesUnknownFlagsInOneLine() {
        record Sample(String name, java.util.function.ToIntFunction<PrintStream> run) {
        }
        for (Sample s : List.of(new Sample("MeteringFilterSample", MeteringFilterSample::run),
                new Sample("ShapingFilterSample", ShapingFilterSample::run), new Sample("ZeroCopyGatherSend", ZeroCopyGatherSend::run))) {
            CommandRun help = CommandRun.of((out, err) -> SampleCommand.execute(s.name(), "what it does", new String[] {"--help"},
                    out, err, p -> { throw new AssertionError("--help must not run the sample"); }));
            assertEquals(0, help.exitCode(), help.err());
            assertTrue(help.out().contains("bash samples/demo.sh " + s.name()) && help.out().contains("--help"), help.out());
            CommandRun bad = CommandRun.of((out, err) -> SampleCommand.execute(s.name(), "what it does", new String[] {"--fast"},
                    out, err, p -> { throw new AssertionError("a bad command line must not run the sample"); }));
            assertEquals(2, bad.exitCode());
            assertEquals(1, bad.err().lines().count(), bad.err());
            assertTrue(bad.err().startsWith(s.name() + ": ") && bad.err().contains("--fast"), bad.err());
        }
    }

    /** The echo server dies mid-run: the sample says so in one line and exits 1, whatever the sends saw first. */
    @Test
    void aReceiverDyingMidRunIsOneLineAndExitCodeOne() throws Exception {
        EchoServer echo = EchoServer.start();
        try (JwspOnHost jwsp = JwspOnHost.install(SendFilter.PASS_THROUGH);
             EchoConnection c = new EchoConnection(jwsp.winsock(), echo.port())) {
            SendTally t = new SendTally();
            WinsockSends.blocking(jwsp.winsock(), c, 10, new int[] {1024}, 0, t);
            c.awaitEcho(WinsockSends.WAIT_MILLIS);
            echo.close(); // the receiver dies
            SampleRun run = SampleRun.of(out -> SampleExit.code(out, "sample", () -> {
                WinsockSends.blocking(jwsp.winsock(), c, 1000, new int[] {65536}, 0, t);
                c.awaitEcho(WinsockSends.WAIT_MILLIS);
            }));
            assertEquals(1, run.exitCode(), run.output());
            assertEquals(1, run.lines().size(), run.output());
            assertTrue(run.output().startsWith("sample FAILED: "), run.output());
        }
    }

    @Test
    void theLiveViewRedrawsInPlaceOnATerminal() throws Exception {
        DemoWay way = new DemoWay("overlapped + event");
        way.state = DemoWay.State.RUNNING;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8)) {
            LiveView live = new LiveView(out, true, List.of(way), w -> 7);
            live.println("[2/8] a step");
            way.state = DemoWay.State.DONE;
            live.close();
        }
        String s = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(s.contains("[2/8] a step"), s);
        assertTrue(s.contains("\u001b[1A\r\u001b[J"), "cursor up one line, erase down: " + s);
        String last = s.lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.endsWith("\u001b[Joverlapped + event done                0 B verified           sends/s     0 pending     7 delayed"),
                "the final state stays: " + s);
    }
}
