package org.jwsp.samples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** One run of a sample's {@code run(PrintStream)}: its exit code and what it printed, and the fds open around it. */
record SampleRun(int exitCode, String output, long fdsBefore, long fdsAfter) {

    static SampleRun of(ToIntFunction<PrintStream> sample) {
        long before = openFds();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            code = sample.applyAsInt(out);
        }
        return new SampleRun(code, bytes.toString(StandardCharsets.UTF_8), before, openFds());
    }

    List<String> lines() {
        return output.lines().toList();
    }

    /** The first line that starts with {@code prefix}, or an assertion failure naming the output. */
    String line(String prefix) {
        return lines().stream().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting with '" + prefix + "' in:\n" + output));
    }

    /** The numbers of a line ("1,024" counts as 1024), in order. */
    static long[] numbers(String line) {
        Matcher m = Pattern.compile("\\d[\\d,]*").matcher(line);
        return m.results().map(r -> r.group().replace(",", "")).mapToLong(Long::parseLong).toArray();
    }

    static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
