package org.jwsp.samples.filter;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Exports a {@link SendMeter}: as CSV (one row per destination and thread, with p50/p99/max of
 * the send sizes and of the completion latencies in microseconds), and as Log4j 2 lines on the
 * logger {@value #LOGGER}, one per cell, every period on its own daemon thread and once more on
 * {@link #close()}. Lines look like
 * {@code dest=127.0.0.1:40000 thread=meter-sender-1 sends=500 bytes=556000 completed=500 failed=0 size_p50=1000 size_max=10000 lat_p50_us=41 lat_p99_us=320 lat_max_us=900}.
 * Owns its scheduler thread.
 */
public final class MeterReport implements AutoCloseable {

    /** The logger the periodic lines go to (samples' log4j2.xml routes it to the console at INFO). */
    public static final String LOGGER = "jwsp.meter";
    public static final String CSV_HEADER = "destination,thread,sends,bytes,completed,failed,"
            + "size_p50,size_p99,size_max,latency_p50_us,latency_p99_us,latency_max_us,latency_mean_us";

    private static final Logger LOG = LogManager.getLogger(LOGGER);
    private final SendMeter meter;
    private final ScheduledExecutorService scheduler;
    private final AtomicLong lines = new AtomicLong();

    /** Logs the meter's cells every {@code periodMillis} from now on, until {@link #close()}. */
    public MeterReport(SendMeter meter, long periodMillis) {
        this.meter = meter;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("jwsp-meter-report").unstarted(r));
        scheduler.scheduleAtFixedRate(this::log, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** Log4j lines written so far. */
    public long lines() {
        return lines.get();
    }

    private void log() {
        for (SendMeter.Cell c : meter.snapshot()) {
            LOG.info("dest={} thread={} sends={} bytes={} completed={} failed={} size_p50={} size_max={} lat_p50_us={} lat_p99_us={} lat_max_us={}",
                    c.destination(), c.thread(), c.sends(), c.bytes(), c.completed(), c.failed(),
                    c.sizes().getValueAtPercentile(50), c.sizes().getMaxValue(), micros(c.latencies(), 50), micros(c.latencies(), 99),
                    c.latencies().getMaxValue() / 1000);
            lines.incrementAndGet();
        }
    }

    /** Writes the CSV file: a header and one row per cell. */
    public static void writeCsv(List<SendMeter.Cell> cells, Path path) throws IOException {
        try (Writer w = Files.newBufferedWriter(path, StandardCharsets.UTF_8)) {
            w.write(CSV_HEADER);
            w.write('\n');
            for (SendMeter.Cell c : cells) {
                w.write(String.format(Locale.ROOT, "%s,%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%.1f%n", c.destination(), c.thread().replace(',', ' '),
                        c.sends(), c.bytes(), c.completed(), c.failed(), c.sizes().getValueAtPercentile(50),
                        c.sizes().getValueAtPercentile(99), c.sizes().getMaxValue(), micros(c.latencies(), 50),
                        micros(c.latencies(), 99), c.latencies().getMaxValue() / 1000, c.latencies().getMean() / 1000));
            }
        }
    }

    private static long micros(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1000;
    }

    /** Stops the periodic lines and logs the cells one last time. */
    @Override
    public void close() throws InterruptedException {
        if (scheduler.isShutdown()) {
            return;
        }
        scheduler.shutdown();
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
        log();
    }
}
