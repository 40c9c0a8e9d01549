package org.jwsp.jmh;

import java.util.Map;
import java.util.TreeMap;

import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * What one send carries, as the benchmarks' {@code shape} parameter says it: {@code "8x1024"} is
 * 8 buffers of 1024 bytes of native memory per send. The three shapes of every run are a small
 * send ({@code 1x64}), a typical gather ({@code 8x1024}) and a bulk gather ({@code 16x65536}).
 */
record Workload(int buffers, int size) {

    static Workload of(String shape) {
        int x = shape.indexOf('x');
        if (x <= 0) {
            throw new IllegalArgumentException("shape is BUFFERSxSIZE, e.g. 8x1024: " + shape);
        }
        Workload w = new Workload(Integer.parseInt(shape.substring(0, x)), Integer.parseInt(shape.substring(x + 1)));
        if (w.buffers < 1 || w.size < 1 || (long) w.buffers * w.size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("impossible shape: " + shape);
        }
        return w;
    }

    long total() {
        return (long) buffers * size;
    }

    /**
     * The name a trial goes by in the receiver log and the report: the benchmark method and its
     * parameters in name order, e.g. {@code "jwspPortSend shape=1x64 window=16"}.
     */
    static String label(BenchmarkParams params) {
        Map<String, String> sorted = new TreeMap<>();
        for (String key : params.getParamsKeys()) {
            sorted.put(key, params.getParam(key));
        }
        return label(params.getBenchmark(), sorted);
    }

    static String label(String benchmark, Map<String, String> params) {
        StringBuilder s = new StringBuilder(benchmark.substring(benchmark.lastIndexOf('.') + 1));
        new TreeMap<>(params).forEach((k, v) -> s.append(' ').append(k).append('=').append(v));
        return s.toString();
    }
}
