package org.jwsp.jmh;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The cost table: one row per trial, perf's milliseconds shown as microseconds, unknowns said as such. */
class CostCountersTest {

    @Test
    void eachTrialIsARowOfCountsPerSend() {
        var cost = new CostCounters.Cost("1x64", "jwspPortSend(window=16)", Map.of("task-clock", 0.0075,
                "context-switches", 0.5, "raw_syscalls:sys_enter", 1.57, "syscalls:sys_enter_io_uring_enter", 1.19,
                "syscalls:sys_enter_futex", 0.04, "syscalls:sys_enter_poll", 0.18, "syscalls:sys_enter_recvfrom", 0.16));
        String md = CostCounters.markdown(List.of(cost), null);
        assertTrue(md.contains("| 1x64 | jwspPortSend(window=16) | 7.50 | 0.50 | 1.57 | 1.19 | ? | 0.04 | 0.18 | 0.16 |"), md);
    }

    @Test
    void withoutPerfTheReportSaysWhy() {
        String md = CostCounters.markdown(List.of(), "no perf: Cannot run program \"perf\"");
        assertTrue(md.contains("Not counted: no perf: Cannot run program \"perf\"."), md);
        assertTrue(CostCounters.markdown(List.of(), null).contains("No trial ran with the counters."));
    }

    @Test
    void theProfilerIsAskedForEveryEventOfTheTable() {
        assertTrue(CostCounters.profilerOptions().startsWith("events=task-clock,context-switches,raw_syscalls:sys_enter,"));
    }
}
