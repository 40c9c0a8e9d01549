package org.jwsp.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * A JVM set up wrongly gets one clear line naming what is missing, never a bare
 * {@code NoClassDefFoundError}: here a JVM that denies native access runs {@code jwsp list}
 * (which needs the kernel port) as a user would start it.
 */
@EnabledOnOs(value = OS.LINUX, disabledReason = "lists the Linux host's catalog")
class MisconfiguredJvmTest {

    @Test
    void aJvmWithoutNativeAccessIsToldWhichFlagToAdd() throws Exception {
        Run run = installer("--illegal-native-access=deny", "list");
        assertEquals(10, run.status, run.err); // InstallerError.NO_HOST_CATALOG
        List<String> lines = run.err.strip().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), run.err);
        assertTrue(lines.getFirst().contains("--enable-native-access=ALL-UNNAMED"), run.err);
        assertFalse(run.err.contains("NoClassDefFoundError") || run.err.contains("\tat "), run.err);
    }

    @Test
    void theSameJvmWithNativeAccessListsTheCatalog() throws Exception {
        Run run = installer("--enable-native-access=ALL-UNNAMED", "list");
        assertEquals(0, run.status, run.err);
        assertTrue(run.out.contains("MSAFD Tcpip [TCP/IP]"), run.out);
    }

    private record Run(int status, String out, String err) {
    }

    private static Run installer(String jvmOption, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                jvmOption, "-cp", System.getProperty("java.class.path"), "org.jwsp.windows.install.Installer"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).start();
        p.getOutputStream().close();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the installer did not end");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
