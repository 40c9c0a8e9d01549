package org.jwsp.bindings;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Holds {@link LayoutFact}s against the C compiler of their target, on the same headers jextract
 * read. Linux: {@code gcc} compiles a program that prints every fact's C expression, and it runs.
 * Windows: {@code x86_64-w64-mingw32-gcc} compiles one {@code _Static_assert} per fact (no
 * Windows is needed to run anything), and each failed assertion names its fact.
 */
final class CompilerCheck {

    /** A fact the compiler disagrees with. */
    record Mismatch(LayoutFact fact, String cSays) {
        @Override
        public String toString() {
            return fact.subject() + ": " + fact.what() + ": Java " + fact.javaValue() + ", C " + cSays;
        }
    }

    static final String LINUX_CC = "gcc";
    static final String WINDOWS_CC = "x86_64-w64-mingw32-gcc";

    private static final List<String> LINUX_HEADERS = List.of("sys/socket.h", "sys/uio.h", "sys/eventfd.h",
            "sys/mman.h", "sys/syscall.h", "unistd.h", "fcntl.h", "poll.h", "errno.h", "netinet/in.h",
            "netinet/tcp.h", "linux/io_uring.h", "linux/time_types.h", "time.h", "pthread.h", "linux_gnu.h", "stddef.h",
            "stdint.h", "stdio.h");
    private static final List<String> WINDOWS_HEADERS = List.of("winsock2.h", "windows.h", "ws2spi.h",
            "ws2ipdef.h", "mswsock.h", "aclapi.h", "sddl.h", "stddef.h", "stdint.h");

    private CompilerCheck() {
    }

    static List<Mismatch> linux(List<LayoutFact> facts, Path work) throws IOException, InterruptedException {
        Files.createDirectories(work);
        copyResource("linux_gnu.h", work.resolve("linux_gnu.h"));
        StringBuilder c = new StringBuilder(includes(LINUX_HEADERS)).append("int main(void) {\n");
        for (LayoutFact f : facts) {
            c.append("    printf(\"%lld\\n\", (long long)(intptr_t)(").append(f.cExpr()).append("));\n");
        }
        c.append("    return 0;\n}\n");
        Path src = work.resolve("layout_check_linux.c");
        Path exe = work.resolve("layout_check_linux");
        Files.writeString(src, c);
        Result cc = run(work, LINUX_CC, "-std=gnu11", "-w", "-I", work.toString(), "-o", exe.toString(), src.toString());
        if (cc.status != 0) {
            throw new IllegalStateException(LINUX_CC + " could not compile the layout check:\n" + cc.output);
        }
        Result out = run(work, exe.toString());
        List<String> lines = out.output.lines().toList();
        if (out.status != 0 || lines.size() != facts.size()) {
            throw new IllegalStateException("layout check printed " + lines.size() + " of " + facts.size()
                    + " values:\n" + out.output);
        }
        List<Mismatch> mismatches = new ArrayList<>();
        for (int i = 0; i < facts.size(); i++) {
            long cValue = Long.parseLong(lines.get(i).strip());
            if (!facts.get(i).agreesWith(cValue)) {
                mismatches.add(new Mismatch(facts.get(i), Long.toString(cValue)));
            }
        }
        return mismatches;
    }

    static List<Mismatch> windows(List<LayoutFact> facts, Path work) throws IOException, InterruptedException {
        Files.createDirectories(work);
        StringBuilder c = new StringBuilder(includes(WINDOWS_HEADERS));
        for (int i = 0; i < facts.size(); i++) {
            c.append("_Static_assert(").append(facts.get(i).cCondition()).append(", \"fact#").append(i).append("\");\n");
        }
        Path src = work.resolve("layout_check_windows.c");
        Files.writeString(src, c);
        List<String> cmd = new ArrayList<>(List.of(WINDOWS_CC, "-std=gnu11", "-fsyntax-only", "-fmax-errors=0"));
        cmd.addAll(windowsDefines());
        cmd.add(src.toString());
        Result cc = run(work, cmd.toArray(String[]::new));
        List<Mismatch> mismatches = new ArrayList<>();
        Matcher m = Pattern.compile("static assertion failed: \"fact#(\\d+)\"").matcher(cc.output);
        while (m.find()) {
            mismatches.add(new Mismatch(facts.get(Integer.parseInt(m.group(1))), "differs (static assertion failed)"));
        }
        if (cc.status != 0 && mismatches.isEmpty()) {
            throw new IllegalStateException(WINDOWS_CC + " could not compile the layout check:\n" + cc.output);
        }
        return mismatches;
    }

    /**
     * What each of {@code macros} expands to under the Windows headers, as the mingw-w64
     * preprocessor says (for macros no {@code _Static_assert} can compare, like the
     * {@code WSAID_*} GUID initialisers). Spaces are removed.
     */
    static List<String> windowsExpansions(List<String> macros, Path work) throws IOException, InterruptedException {
        Files.createDirectories(work);
        StringBuilder c = new StringBuilder(includes(WINDOWS_HEADERS));
        for (String m : macros) {
            c.append("jwsp_expansion ").append(m).append('\n');
        }
        Path src = work.resolve("expansions_windows.c");
        Files.writeString(src, c);
        List<String> cmd = new ArrayList<>(List.of(WINDOWS_CC, "-E", "-P"));
        cmd.addAll(windowsDefines());
        cmd.add(src.toString());
        Result cc = run(work, cmd.toArray(String[]::new));
        if (cc.status != 0) {
            throw new IllegalStateException(WINDOWS_CC + " -E failed:\n" + cc.output);
        }
        List<String> out = cc.output.lines().filter(l -> l.startsWith("jwsp_expansion "))
                .map(l -> l.substring("jwsp_expansion ".length()).replace(" ", "")).toList();
        if (out.size() != macros.size()) {
            throw new IllegalStateException("expected " + macros.size() + " expansions:\n" + cc.output);
        }
        return out;
    }

    /** The -D/-I flags jextract gave clang for Windows, minus the clang-only ones. */
    private static List<String> windowsDefines() throws IOException {
        try (InputStream in = resource("windows.compile_flags.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::strip)
                    .filter(l -> l.startsWith("-D") || l.startsWith("-I"))
                    .toList();
        }
    }

    private static String includes(List<String> headers) {
        StringBuilder s = new StringBuilder("/* Generated by the jwsp layout proof. */\n");
        headers.forEach(h -> s.append("#include <").append(h).append(">\n"));
        return s.append('\n').toString();
    }

    private static void copyResource(String name, Path to) throws IOException {
        try (InputStream in = resource(name)) {
            Files.write(to, in.readAllBytes());
        }
    }

    private static InputStream resource(String name) {
        InputStream in = CompilerCheck.class.getResourceAsStream("/org/jwsp/bindings/jextract/" + name);
        if (in == null) {
            throw new IllegalStateException("missing resource " + name);
        }
        return in;
    }

    /** True if {@code command} can be started here (the compiler is installed). */
    static boolean installed(String command) {
        try {
            return run(Path.of("."), command, "--version").status == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private record Result(int status, String output) {
    }

    private static Result run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not finish in 120 s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
