package org.jwsp.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;

/** The run's report and chart: ratios within a workload, unknowns said as such, a stopped run said as such. */
class BenchmarkReportTest {

    private static final List<BenchmarkRun.Row> ROWS = List.of(
            new BenchmarkRun.Row("1x64", "ffmSendmsg", 400_000, 1_000, "ops/s", 0.0, 20.0, 0.0),
            new BenchmarkRun.Row("1x64", "jwspPortSend(window=16)", 600_000, 2_000, "ops/s", 0.0, Double.NaN, 0.25),
            new BenchmarkRun.Row("16x65536", "jwspPortSend(window=16)", 3_000, 10, "ops/s", Double.NaN, 30.0, Double.NaN));

    @Test
    void eachRowIsARatioOfTheBaselineOfItsOwnWorkload() {
        String md = BenchmarkRun.markdown(ROWS, null);
        assertTrue(md.contains("| 1x64 | jwspPortSend(window=16) | 600,000 | 2,000 | 1.50 | n/a | 0.0 | 0.25 | ? |"), md);
        assertTrue(md.contains("| 16x65536 | jwspPortSend(window=16) | 3,000 | 10 | n/a | n/a | ? | ? | 30 |"), md);
        assertTrue(!md.contains("Incomplete"), md);
    }

    @Test
    void aStoppedRunSaysSoAboveWhatItMeasured() {
        String md = BenchmarkRun.markdown(ROWS.subList(0, 1), "the run was stopped before it ended");
        assertTrue(md.contains("**Incomplete: the run was stopped before it ended.**"), md);
        assertEquals(1, md.lines().filter(l -> l.startsWith("| 1x64 |")).count(), md);
        assertTrue(BenchmarkRun.markdown(List.of(), "a benchmark failed").contains("(nothing was measured)"));
    }

    @Test
    void theChartIsWellFormedSvgWithABarPerRow() throws Exception {
        String svg = Chart.svg(ROWS, "ffmSendmsg");
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertEquals(1 + ROWS.size(), doc.getElementsByTagName("rect").getLength()); // background + bars
        assertTrue(svg.contains(">1.50<"), svg);
        assertTrue(svg.contains(">n/a<"), "a workload without the baseline has no ratio: " + svg);
    }
}
