package org.jwsp.jmh;

import java.io.IOException;
import java.util.Collection;
import java.util.List;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.format.OutputFormat;

/**
 * JMH's own console output, passed through, that also keeps each trial's result as it ends, so a
 * run stopped early can still report what it measured ({@link BenchmarkRun}). Called by JMH's
 * runner thread; the list is safe to read from a shutdown hook.
 */
final class RecordingOutput implements OutputFormat {

    private final OutputFormat out;
    private final List<BenchmarkResult> done;

    RecordingOutput(OutputFormat out, List<BenchmarkResult> done) {
        this.out = out;
        this.done = done;
    }

    @Override
    public void endBenchmark(BenchmarkResult result) {
        if (result != null) {
            done.add(result);
        }
        out.endBenchmark(result);
    }

    @Override
    public void iteration(BenchmarkParams benchmark, IterationParams params, int iteration) {
        out.iteration(benchmark, params, iteration);
    }

    @Override
    public void iterationResult(BenchmarkParams benchmark, IterationParams params, int iteration, IterationResult data) {
        out.iterationResult(benchmark, params, iteration, data);
    }

    @Override
    public void startBenchmark(BenchmarkParams benchmark) {
        out.startBenchmark(benchmark);
    }

    @Override
    public void startRun() {
        out.startRun();
    }

    @Override
    public void endRun(Collection<RunResult> results) {
        out.endRun(results);
    }

    @Override
    public void print(String s) {
        out.print(s);
    }

    @Override
    public void println(String s) {
        out.println(s);
    }

    @Override
    public void flush() {
        out.flush();
    }

    @Override
    public void close() {
        out.close();
    }

    @Override
    public void verbosePrintln(String s) {
        out.verbosePrintln(s);
    }

    @Override
    public void write(int b) {
        out.write(b);
    }

    @Override
    public void write(byte[] b) throws IOException {
        out.write(b);
    }
}
