package org.jwsp.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The generated packages are jextract's output, never edited by hand: {@code regenerate.sh} writes
 * {@code jextract/generated.sha256} beside them, and this test fails naming every file that was
 * edited, added or removed since. (To change a binding, change {@code jextract/*.args} and
 * regenerate; hand-written helpers live in {@code org.jwsp.bindings} itself.)
 */
class GeneratedFilesTest {

    private static final Path SOURCES = Path.of("src/main/java");
    private static final Path MANIFEST = Path.of("jextract/generated.sha256");

    @Test
    void everyGeneratedFileIsExactlyWhatRegenerateWrote() throws IOException {
        Map<String, String> recorded = new TreeMap<>();
        for (String line : Files.readAllLines(MANIFEST)) {
            String[] hashAndPath = line.split(" +", 2); // sha256sum: "<hex>  <path>"
            recorded.put(hashAndPath[1].strip(), hashAndPath[0]);
        }
        assertFalse(recorded.isEmpty(), MANIFEST + " lists no file");
        Map<String, String> actual = new TreeMap<>();
        for (String pkg : new String[] {"org/jwsp/bindings/windows", "org/jwsp/bindings/linux"}) {
            try (Stream<Path> files = Files.walk(SOURCES.resolve(pkg))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    actual.put(SOURCES.relativize(f).toString().replace('\\', '/'), sha256(f));
                }
            }
        }
        Map<String, String> differences = new TreeMap<>();
        recorded.forEach((file, hash) -> {
            String now = actual.get(file);
            if (now == null) {
                differences.put(file, "removed");
            } else if (!now.equals(hash)) {
                differences.put(file, "edited by hand");
            }
        });
        actual.keySet().stream().filter(f -> !recorded.containsKey(f)).forEach(f -> differences.put(f, "not generated"));
        assertEquals(Map.of(), differences, "generated bindings differ from " + MANIFEST
                + " (regenerate with bindings/regenerate.sh instead of editing)");
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
