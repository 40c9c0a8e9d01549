package org.jwsp.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bindings/regenerate.sh refuses bad set-ups with one clear line each, and touches nothing. */
class RegenerateScriptTest {

    @TempDir
    Path tmp;

    @Test
    void noJextractOnThePathSaysWhereToGetIt() throws Exception {
        Run r = regenerate(Map.of("PATH", "/usr/bin:/bin"));
        assertNotEquals(0, r.status);
        assertOneLine(r, "no jextract: set JEXTRACT=");
    }

    @Test
    void aWrongJextractVersionIsNamed() throws Exception {
        Run r = regenerate(Map.of("JEXTRACT", fakeJextract("jextract 22").toString()));
        assertNotEquals(0, r.status);
        assertOneLine(r, "wrong jextract: '" + tmp.resolve("jextract") + " --version' says 'jextract 22', need 'jextract 25'");
    }

    @Test
    void aMissingHeaderNamesThePackageToInstall() throws Exception {
        Run r = regenerate(Map.of("JEXTRACT", fakeJextract("jextract 25").toString(),
                "MINGW_INCLUDE", tmp.resolve("no-such-dir").toString()));
        assertNotEquals(0, r.status);
        assertOneLine(r, "missing header " + tmp.resolve("no-such-dir") + "/ws2spi.h: apt-get install mingw-w64-x86-64-dev");
    }

    private static void assertOneLine(Run r, String expected) {
        List<String> lines = r.stderr.lines().toList();
        assertEquals(1, lines.size(), () -> "stderr: " + r.stderr);
        assertTrue(lines.getFirst().startsWith("regenerate: " + expected), () -> "stderr: " + r.stderr);
        assertEquals("", r.stdout);
    }

    private Path fakeJextract(String versionLine) throws IOException {
        Path fake = tmp.resolve("jextract");
        Files.writeString(fake, "#!/bin/sh\necho '" + versionLine + "'\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        return fake;
    }

    private record Run(int status, String stdout, String stderr) {
    }

    private Run regenerate(Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", Path.of("regenerate.sh").toAbsolutePath().toString());
        pb.environment().remove("JEXTRACT");
        pb.environment().putAll(env);
        pb.redirectError(tmp.resolve("err").toFile()).redirectOutput(tmp.resolve("out").toFile());
        int status = pb.start().waitFor();
        return new Run(status, Files.readString(tmp.resolve("out"), StandardCharsets.UTF_8),
                Files.readString(tmp.resolve("err"), StandardCharsets.UTF_8));
    }
}
