package org.jwsp.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class NativeJobTest {

    @Test
    void quantilesInterpolateBetweenTheNearestRanks_whateverTheOrderOfTheRounds() {
        double[] rounds = {40, 10, 30, 20};
        assertEquals(10, NativeJob.quantile(rounds, 0));
        assertEquals(17.5, NativeJob.quantile(rounds, 0.25));
        assertEquals(25, NativeJob.quantile(rounds, 0.5));
        assertEquals(32.5, NativeJob.quantile(rounds, 0.75));
        assertEquals(40, NativeJob.quantile(rounds, 1));
        assertEquals(7, NativeJob.quantile(new double[] {7}, 0.25));
        assertEquals(40, rounds[0], "the rounds are left in their order");
        assertEquals(25, NativeJob.median(rounds));
    }

    @Test
    void aMegabyteWorkloadRunsAFiftiethOfTheCallsPerRound_atLeastTen() {
        assertEquals(1_000, NativeJob.callsPerRound(Workload.of("8x1024"), 1_000));
        assertEquals(20, NativeJob.callsPerRound(Workload.of("16x65536"), 1_000));
        assertEquals(10, NativeJob.callsPerRound(Workload.of("16x65536"), 100));
    }
}
