package org.jwsp.jmh;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The benchmarks' C helpers (a drain process, a native caller library), shipped as sources in the
 * jmh jar and built with gcc on first use into the temp folder, once per source version. gcc is
 * what the tests need anyway; without it the benchmark says so in one line.
 */
final class NativeBuild {

    private NativeBuild() {
    }

    /** An executable built from the resource {@code source} (a {@code .c} beside this class). */
    static Path executable(String source) throws IOException {
        return build(source, false);
    }

    /** A shared library built from the resource {@code source}, to load with {@code SymbolLookup.libraryLookup}. */
    static Path sharedLibrary(String source) throws IOException {
        return build(source, true);
    }

    private static synchronized Path build(String source, boolean shared) throws IOException {
        byte[] code;
        try (InputStream in = NativeBuild.class.getResourceAsStream(source)) {
            if (in == null) {
                throw new IllegalStateException(source + " is missing from the jmh jar");
            }
            code = in.readAllBytes();
        }
        String name = source.substring(0, source.lastIndexOf('.')) + (shared ? ".so" : "");
        Path dir = Path.of(System.getProperty("java.io.tmpdir"),
                "jwsp-jmh-" + HexFormat.of().toHexDigits(Arrays.hashCode(code)));
        Path out = dir.resolve(name);
        if (Files.exists(out)) {
            return out;
        }
        Files.createDirectories(dir);
        Path c = dir.resolve(source);
        Files.write(c, code);
        Path tmp = dir.resolve(name + "." + ProcessHandle.current().pid());
        List<String> command = shared
                ? List.of("gcc", "-O2", "-Wall", "-Werror", "-shared", "-fPIC", "-o", tmp.toString(), c.toString(), "-lpthread")
                : List.of("gcc", "-O2", "-Wall", "-Werror", "-o", tmp.toString(), c.toString());
        Process gcc;
        try {
            gcc = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run gcc to build " + source + " (apt-get install gcc): " + e.getMessage(), e);
        }
        String said = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (gcc.waitFor() != 0) {
                throw new IllegalStateException("gcc could not build " + source + ": " + said.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building " + source, e);
        }
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return out;
    }
}
