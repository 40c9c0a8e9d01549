package org.jwsp.jmh;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report's chart: for each workload, one horizontal bar per benchmark, its throughput as a ratio
 * of the baseline's in the same workload (a dashed line marks 1.0). Plain SVG written here: a few
 * dozen lines, and no charting library that needs AWT and fonts on a headless build machine.
 */
final class Chart {

    private static final int BAR = 16;
    private static final int GAP = 4;
    private static final int LABEL = 320;
    private static final int PLOT = 480;

    private Chart() {
    }

    static String svg(List<BenchmarkRun.Row> rows, String baseline) {
        Map<String, List<BenchmarkRun.Row>> byWorkload = new LinkedHashMap<>();
        rows.forEach(r -> byWorkload.computeIfAbsent(r.workload(), k -> new ArrayList<>()).add(r));
        double max = 1.0;
        for (List<BenchmarkRun.Row> group : byWorkload.values()) {
            double base = baseScore(group, baseline);
            for (BenchmarkRun.Row r : group) {
                if (base > 0) {
                    max = Math.max(max, r.score() / base);
                }
            }
        }
        StringBuilder bars = new StringBuilder();
        int y = 30;
        for (var e : byWorkload.entrySet()) {
            bars.append(text(8, y + 12, "workload " + e.getKey() + " (× " + baseline + ")", "bold"));
            y += BAR + GAP;
            double base = baseScore(e.getValue(), baseline);
            for (BenchmarkRun.Row r : e.getValue()) {
                double ratio = base > 0 ? r.score() / base : 0;
                int width = (int) Math.round(PLOT * ratio / max);
                bars.append(text(LABEL - 6, y + 12, r.benchmark(), "end"));
                bars.append(String.format("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n", LABEL, y,
                        Math.max(width, 1), BAR, r.benchmark().startsWith("jwsp") ? "#c0392b" : "#7f8c8d"));
                bars.append(text(LABEL + width + 4, y + 12, base > 0 ? String.format("%.2f", ratio) : "n/a", null));
                y += BAR + GAP;
            }
            y += BAR;
        }
        int one = LABEL + (int) Math.round(PLOT / max);
        int height = y + 10;
        return String.format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\""
                + " font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n%s"
                + "<line x1=\"%d\" y1=\"20\" x2=\"%d\" y2=\"%d\" stroke=\"black\" stroke-dasharray=\"4 3\"/>%n</svg>%n",
                LABEL + PLOT + 80, height, bars, one, one, height - 10);
    }

    private static double baseScore(List<BenchmarkRun.Row> group, String baseline) {
        return group.stream().filter(r -> r.benchmark().equals(baseline)).mapToDouble(BenchmarkRun.Row::score)
                .findFirst().orElse(0);
    }

    private static String text(int x, int y, String s, String style) {
        String anchor = "end".equals(style) ? " text-anchor=\"end\"" : "";
        String weight = "bold".equals(style) ? " font-weight=\"bold\"" : "";
        return String.format("<text x=\"%d\" y=\"%d\"%s%s>%s</text>%n", x, y, anchor, weight,
                s.replace("&", "&amp;").replace("<", "&lt;"));
    }
}
