package org.jwsp.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.jwsp.samples.filter.MeterReport;
import org.junit.jupiter.api.io.TempDir;

/** The meter sample: every (destination, thread) cell's counts equal what its connection's echo returned, in the table and in the CSV. */
class MeterSampleTest {

    @TempDir
    Path dir;

    @Test
    void everyCellCountsWhatItsConnectionSentAndTheEchoReturned() throws Exception {
        Path csv = dir.resolve("meter.csv");
        int sends = 300;
        SampleRun run = SampleRun.of(out -> MeterSample.run(out, "--threads", "3", "--sends", String.valueOf(sends), "--csv",
                csv.toString(), "--log-every", "50"));
        assertEquals(0, run.exitCode(), run.output());
        List<String> rows = run.lines().stream().filter(l -> l.startsWith("127.0.0.1:")).toList();
        assertEquals(6, rows.size(), run.output());
        long mixedBytes = 0;
        for (int i = 0; i < sends; i++) {
            mixedBytes += MeterSample.MIXED[i % MeterSample.MIXED.length];
        }
        int mixed = 0;
        for (String row : rows) {
            long[] n = SampleRun.numbers(row.substring(row.indexOf(' ')));
            // thread number, sends, metered B, echoed B, ...
            assertEquals(sends, n[1], row);
            assertEquals(n[2], n[3], "metered = echoed: " + row);
            if (n[2] == mixedBytes) {
                mixed++;
            } else {
                assertEquals((long) sends * MeterSample.OVERLAPPED_SIZE, n[2], row);
            }
        }
        assertEquals(3, mixed, "one mixed-size connection per thread");
        List<String> lines = Files.readAllLines(csv);
        assertEquals(MeterReport.CSV_HEADER, lines.getFirst());
        assertEquals(7, lines.size(), lines.toString());
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            assertEquals(String.valueOf(sends), f[2], line);
            assertEquals(String.valueOf(sends), f[4], "completed: " + line);
            assertEquals("0", f[5], "failed: " + line);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) Log4j lines").matcher(run.line("meter sample: OK"));
        assertTrue(m.find(), run.output());
        long logged = Long.parseLong(m.group(1));
        assertTrue(logged >= 6, "at least the final report was logged: " + run.output());
    }

    @Test
    void anUnwritableCsvPathIsOneLineAndExitOne() {
        Path nowhere = dir.resolve("missing").resolve("m.csv");
        SampleRun run = SampleRun.of(out -> MeterSample.run(out, "--csv", nowhere.toString()));
        assertEquals(1, run.exitCode());
        assertEquals("meter sample FAILED: cannot write the CSV file " + nowhere + ": its directory does not exist", run.lines().getLast());
        SampleRun threads = SampleRun.of(out -> MeterSample.run(out, "--threads", "0"));
        assertEquals(2, threads.exitCode());
        assertEquals("MeterSample: --threads 0: must be between 1 and 16 (try --help)", threads.output().strip());
    }
}
