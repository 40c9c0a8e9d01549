package org.jwsp.jmh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a JMH CSV result file ({@code -rf csv}) into a table of ratios against one peer of the
 * same run: for every parameter combination, each benchmark's score divided by each baseline's.
 * Speed is reported this way only, never as an absolute time in a test.
 *
 * <pre>java -cp ... org.jwsp.jmh.RatioTable results.csv ffmSendmsg nioGatheringWrite</pre>
 */
public final class RatioTable {

    private RatioTable() {
    }

    record Row(String benchmark, String params, double score, double error, String unit) {
    }

    /**
     * The parameters that say what is sent (rows are compared within one such workload); any other
     * parameter (such as the number of sends in flight) names a variant of the benchmark:
     * {@code jwspPortSend(window=16)}.
     */
    static final java.util.Set<String> WORKLOAD_PARAMS = java.util.Set.of("shape", "buffers", "size");

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: RatioTable <jmh-results.csv> <baseline benchmark method>...");
            System.exit(2);
        }
        System.out.print(render(parse(Files.readAllLines(Path.of(args[0]))), Arrays.copyOfRange(args, 1, args.length)));
    }

    static List<Row> parse(List<String> csv) {
        List<String> header = split(csv.getFirst());
        int bench = header.indexOf("Benchmark");
        int score = header.indexOf("Score");
        int error = header.indexOf("Score Error (99.9%)");
        int unit = header.indexOf("Unit");
        List<Row> rows = new ArrayList<>();
        for (String line : csv.subList(1, csv.size())) {
            if (line.isBlank()) {
                continue;
            }
            List<String> cells = split(line);
            StringBuilder params = new StringBuilder();
            StringBuilder variant = new StringBuilder();
            for (int i = 0; i < header.size(); i++) {
                if (header.get(i).startsWith("Param: ")) {
                    String param = header.get(i).substring(7);
                    StringBuilder into = WORKLOAD_PARAMS.contains(param) ? params : variant;
                    into.append(into.isEmpty() ? "" : " ").append(param).append('=').append(cells.get(i));
                }
            }
            String name = cells.get(bench);
            name = name.substring(name.lastIndexOf('.') + 1) + (variant.isEmpty() ? "" : "(" + variant + ")");
            rows.add(new Row(name, params.toString(),
                    Double.parseDouble(cells.get(score)), parseOrNaN(cells.get(error)), cells.get(unit)));
        }
        return rows;
    }

    /** One line per row: its score, error and its ratio to each baseline of the same parameters ("n/a" if absent). */
    static String render(List<Row> rows, String... baselines) {
        Map<String, List<Row>> byParams = new LinkedHashMap<>();
        rows.forEach(r -> byParams.computeIfAbsent(r.params(), k -> new ArrayList<>()).add(r));
        StringBuilder out = new StringBuilder();
        out.append(String.format("%-28s %-34s %14s %10s", "params", "benchmark", "score", "± 99.9%"));
        for (String b : baselines) {
            out.append(String.format(" %" + Math.max(9, b.length() + 2) + "s", "× " + b));
        }
        out.append(String.format("%n"));
        for (var e : byParams.entrySet()) {
            for (Row r : e.getValue()) {
                out.append(String.format("%-28s %-34s %14.1f %10.1f", e.getKey(), r.benchmark(), r.score(), r.error()));
                for (String b : baselines) {
                    Row base = e.getValue().stream().filter(x -> x.benchmark().equals(b)).findFirst().orElse(null);
                    String ratio = base == null ? "n/a" : String.format("%.2f", r.score() / base.score());
                    out.append(String.format(" %" + Math.max(9, b.length() + 2) + "s", ratio));
                }
                out.append(String.format("  %s%n", r.unit()));
            }
        }
        return out.toString();
    }

    private static double parseOrNaN(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** JMH's CSV: comma-separated, every cell in double quotes or a bare number. */
    private static List<String> split(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (char c : line.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                cells.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString());
        return cells;
    }
}
