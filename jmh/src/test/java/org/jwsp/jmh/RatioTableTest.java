package org.jwsp.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The ratio table divides each score by the baseline of the same parameters, from JMH's CSV. */
class RatioTableTest {

    private static final List<String> CSV = List.of(
            "\"Benchmark\",\"Mode\",\"Threads\",\"Samples\",\"Score\",\"Score Error (99.9%)\",\"Unit\",\"Param: buffers\",\"Param: size\"",
            "\"org.jwsp.jmh.PeerSendBenchmark.ffmSendmsg\",\"thrpt\",1,5,400000.0,1000.0,\"ops/s\",1,64",
            "\"org.jwsp.jmh.PeerSendBenchmark.nioGatheringWrite\",\"thrpt\",1,5,300000.0,NaN,\"ops/s\",1,64",
            "\"org.jwsp.jmh.PeerSendBenchmark.ffmSendmsg\",\"thrpt\",1,5,2000.0,10.0,\"ops/s\",16,65536",
            "\"org.jwsp.jmh.PeerSendBenchmark.nioGatheringWrite\",\"thrpt\",1,5,5000.0,10.0,\"ops/s\",16,65536");

    @Test
    void eachScoreIsDividedByTheBaselineOfItsOwnParameters() {
        List<RatioTable.Row> rows = RatioTable.parse(CSV);
        assertEquals(4, rows.size());
        assertEquals("buffers=1 size=64", rows.getFirst().params());
        String table = RatioTable.render(rows, "ffmSendmsg");
        assertTrue(table.lines().anyMatch(l -> l.startsWith("buffers=1 size=64") && l.contains("nioGatheringWrite")
                && l.contains(" 0.75 ")), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("buffers=16 size=65536") && l.contains("nioGatheringWrite")
                && l.contains(" 2.50 ")), table);
    }

    @Test
    void everyBaselineGetsItsOwnRatioColumn() {
        String table = RatioTable.render(RatioTable.parse(CSV), "ffmSendmsg", "nioGatheringWrite");
        assertTrue(table.lines().findFirst().orElseThrow().contains("× nioGatheringWrite"), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("buffers=16 size=65536") && l.contains("ffmSendmsg")
                && l.matches(".* 1\\.00 +0\\.40 .*")), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("buffers=1 size=64") && l.contains("nioGatheringWrite")
                && l.matches(".* 0\\.75 +1\\.00 .*")), table);
    }

    @Test
    void aMissingBaselineSaysSoInsteadOfInventingARatio() {
        String table = RatioTable.render(RatioTable.parse(CSV), "noSuchBenchmark");
        assertTrue(table.lines().skip(1).allMatch(l -> l.contains(" n/a ")), table);
    }
}
