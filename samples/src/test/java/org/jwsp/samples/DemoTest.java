package org.jwsp.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.jwsp.bindings.windows.ws2spi_h.AF_INET;
import static org.jwsp.bindings.windows.ws2spi_h.IPPROTO_TCP;
import static org.jwsp.bindings.windows.ws2spi_h.SOCK_STREAM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.jwsp.provider.filter.SendFilter;

/** The README's demo runs to completion, and its table says what was sent. */
class DemoTest {

    /** What the demo's phases send: sends made, sends refused, bytes that must come back. */
    static final long SENDS = 400 + 2000 + 4000 + 500 + Demo.SHAPED_SENDS + 40 + 2 * Demo.DATAGRAMS;
    static final long REFUSED = 20;
    static final long BYTES = 400L * 4096 + 2000L * 1024 + 4000L * 512 + 500L * 8 * 4096 + Demo.SHAPED_SENDS * 16384L + 20L * 1024
            + 2L * Demo.DATAGRAMS * Demo.DATAGRAM_SIZE;

    @Test
    void theDemoSendsEveryWayThroughJwspAndItsTableAddsUpToWhatWasSent() {
        SampleRun run = SampleRun.of(Demo::run);
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("jwsp demo: OK"), run.output());
        for (int step = 1; step <= Demo.STEPS; step++) {
            run.line("[" + step + "/" + Demo.STEPS + "]");
        }
        assertTrue(run.line("[1/8] installed ").contains("jwsp over [MSAFD Tcpip [UDP/IPv6]]"), "jwsp over TCP and UDP, v4 and v6");
        assertTrue(run.line("[8/8] datagrams (UDP)").contains("409,600 B arrived intact"), run.output());
        List<String> rows = run.lines().stream().filter(l -> l.matches("^[a-z].*\\|.*\\d+ \\|.*")).toList();
        assertEquals(8, rows.size(), "seven ways and the total:\n" + run.output());
        long[] sum = new long[10];
        for (String row : rows.subList(0, 7)) {
            long[] n = SampleRun.numbers(row.substring(row.indexOf('|')));
            assertEquals(10, n.length, row);
            assertEquals(n[4], n[9], "the bytes the filter let through came back from the echo: " + row);
            assertEquals(n[0], n[1] + n[2] + n[3], "every send has one verdict: " + row);
            assertEquals(n[1] + n[2], n[5] + n[6] + n[7] + n[8], "one completion per send not refused: " + row);
            for (int k = 0; k < n.length; k++) {
                sum[k] += n[k];
            }
        }
        String udpRow = rows.get(6);
        assertTrue(udpRow.startsWith("datagrams (UDP)"), udpRow);
        assertEquals(2 * Demo.DATAGRAMS, SampleRun.numbers(udpRow.substring(udpRow.indexOf('|')))[0],
                "jwsp's filter saw every datagram, IPv4 and IPv6: " + udpRow);
        String totalRow = rows.get(7);
        assertTrue(totalRow.startsWith("total"), totalRow);
        assertArrayEquals(sum, SampleRun.numbers(totalRow.substring(totalRow.indexOf('|'))), "total = sum of the rows");
        assertEquals(SENDS, sum[0], "sends the demo made");
        assertEquals(Demo.SHAPED_SENDS, sum[2], "sends the shaper held");
        assertEquals(REFUSED, sum[3], "sends the policy refused");
        assertEquals(BYTES, sum[4], "bytes the filter metered");
        assertEquals(BYTES, sum[9], "bytes echoed intact");
        assertFalse(JwspOnHost.jwspRunning(), "WSACleanup ended jwsp");
    }

    @Test
    void aSecondRunLeavesNoDescriptorBehind() {
        SampleRun first = SampleRun.of(Demo::run); // the host's own port and threads start once per process
        assertEquals(0, first.exitCode(), first.output());
        SampleRun second = SampleRun.of(Demo::run);
        assertEquals(0, second.exitCode(), second.output());
        assertEquals(second.fdsBefore(), second.fdsAfter(), "open fds before and after a whole demo");
    }

    @Test
    void aFailureIsOneClearLineAndExitCodeOne() {
        try (JwspOnHost already = JwspOnHost.install(SendFilter.PASS_THROUGH)) {
            // A socket starts jwsp in this process, so the demo cannot configure it.
            long s = already.winsock().socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), 0);
            assertTrue(JwspOnHost.jwspRunning());
            SampleRun run = SampleRun.of(Demo::run);
            assertEquals(1, run.exitCode(), run.output());
            assertTrue(run.line("jwsp demo FAILED: ").contains("jwsp is already running"), run.output());
            assertEquals(0, already.winsock().closesocket(s));
        }
    }

    @Test
    void optionsChangeTheRunAndTheTableStillAddsUp() {
        SampleRun run = SampleRun.of(out -> Demo.run(out, new Demo.Options(0, 3, 2, 256, 0), false));
        assertEquals(0, run.exitCode(), run.output());
        String total = run.lines().stream().filter(l -> l.startsWith("total")).findFirst().orElseThrow();
        long[] n = SampleRun.numbers(total.substring(total.indexOf('|')));
        assertEquals(2 * SENDS, n[0], "two sockets per way (four for UDP): " + run.output());
        assertEquals(n[4], n[9], "every byte the filter let through arrived");
        assertTrue(run.output().contains("  live: ") || run.output().contains("jwsp demo: OK"), run.output());
    }

    @Test
    void helpListsEveryOption() {
        CommandRun run = CommandRun.of((out, err) -> Demo.execute(new String[] {"--help"}, out, err));
        assertEquals(0, run.exitCode(), run.err());
        for (String option : List.of("--duration", "--threads", "--sockets", "--size", "--port", "--plain", "--layouts", "--help")) {
            assertTrue(run.out().contains(option), option + " in:\n" + run.out());
        }
    }

    @Test
    void badCommandLinesAreOneLineAndExitCodeTwo() {
        for (String[] args : List.of(new String[] {"--bogus"}, new String[] {"--size", "1000000"}, new String[] {"--sockets", "0"},
                new String[] {"--threads", "many"}, new String[] {"--duration", "-1"}, new String[] {"stray"})) {
            CommandRun run = CommandRun.of((out, err) -> Demo.execute(args, out, err));
            assertEquals(2, run.exitCode(), String.join(" ", args) + ": " + run.err());
            assertEquals("", run.out(), String.join(" ", args));
            assertEquals(1, run.err().lines().count(), "one line: " + run.err());
            assertTrue(run.err().startsWith("jwsp demo: ") && run.err().contains("--help"), run.err());
        }
    }

    @Test
    void aPortInUseIsOneClearLineAndExitCodeOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            SampleRun run = SampleRun.of(out -> Demo.run(out, new Demo.Options(0, 1, 1, 0, taken.getLocalPort()), false));
            assertEquals(1, run.exitCode(), run.output());
            assertEquals("jwsp demo FAILED: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": the port is in use",
                    run.lines().get(run.lines().size() - 1));
            assertFalse(run.output().contains("\tat "), "no stack trace: " + run.output());
        }
        assertFalse(JwspOnHost.jwspRunning());
    }
}
