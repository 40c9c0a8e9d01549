package org.jwsp.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class NativeCallerTest {

    @Test
    void quantilesInterpolateBetweenTheNearestRanks_whateverTheOrderOfTheRounds() {
        double[] rounds = {40, 10, 30, 20};
        assertEquals(10, NativeCaller.quantile(rounds, 0));
        assertEquals(17.5, NativeCaller.quantile(rounds, 0.25));
        assertEquals(25, NativeCaller.quantile(rounds, 0.5));
        assertEquals(32.5, NativeCaller.quantile(rounds, 0.75));
        assertEquals(40, NativeCaller.quantile(rounds, 1));
        assertEquals(7, NativeCaller.quantile(new double[] {7}, 0.25));
        assertEquals(40, rounds[0], "the rounds are left in their order");
    }
}
