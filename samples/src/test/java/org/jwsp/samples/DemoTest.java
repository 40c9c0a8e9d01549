package org.jwsp.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.jwsp.bindings.windows.ws2spi_h.AF_INET;
import static org.jwsp.bindings.windows.ws2spi_h.IPPROTO_TCP;
import static org.jwsp.bindings.windows.ws2spi_h.SOCK_STREAM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.jwsp.provider.LayeredProvider;
import org.jwsp.provider.filter.SendFilter;

/** The README's demo runs to completion, and its table says what was sent. */
class DemoTest {

    /** What the demo's phases send: sends made, sends refused, bytes that must come back. */
    static final long SENDS = 400 + 2000 + 4000 + 500 + Demo.SHAPED_SENDS + 40;
    static final long REFUSED = 20;
    static final long BYTES = 400L * 4096 + 2000L * 1024 + 4000L * 512 + 500L * 8 * 4096 + Demo.SHAPED_SENDS * 16384L + 20L * 1024;

    @Test
    void theDemoSendsEveryWayThroughJwspAndItsTableAddsUpToWhatWasSent() {
        SampleRun run = SampleRun.of(Demo::run);
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("jwsp demo: OK"), run.output());
        for (int step = 1; step <= 7; step++) {
            run.line("[" + step + "/7]");
        }
        List<String> rows = run.lines().stream().filter(l -> l.matches("^[a-z].*\\|.*\\d+ \\|.*")).toList();
        assertEquals(7, rows.size(), "six ways and the total:\n" + run.output());
        long[] sum = new long[10];
        for (String row : rows.subList(0, 6)) {
            long[] n = SampleRun.numbers(row.substring(row.indexOf('|')));
            assertEquals(10, n.length, row);
            assertEquals(n[4], n[9], "the bytes the filter let through came back from the echo: " + row);
            assertEquals(n[0], n[1] + n[2] + n[3], "every send has one verdict: " + row);
            assertEquals(n[1] + n[2], n[5] + n[6] + n[7] + n[8], "one completion per send not refused: " + row);
            for (int k = 0; k < n.length; k++) {
                sum[k] += n[k];
            }
        }
        String totalRow = rows.get(6);
        assertTrue(totalRow.startsWith("total"), totalRow);
        assertArrayEquals(sum, SampleRun.numbers(totalRow.substring(totalRow.indexOf('|'))), "total = sum of the rows");
        assertEquals(SENDS, sum[0], "sends the demo made");
        assertEquals(Demo.SHAPED_SENDS, sum[2], "sends the shaper held");
        assertEquals(REFUSED, sum[3], "sends the policy refused");
        assertEquals(BYTES, sum[4], "bytes the filter metered");
        assertEquals(BYTES, sum[9], "bytes echoed intact");
        assertFalse(LayeredProvider.started(), "WSACleanup ended jwsp");
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
            assertTrue(LayeredProvider.started());
            SampleRun run = SampleRun.of(Demo::run);
            assertEquals(1, run.exitCode(), run.output());
            assertTrue(run.line("jwsp demo FAILED: ").contains("jwsp is already running"), run.output());
            assertEquals(0, already.winsock().closesocket(s));
        }
    }
}
