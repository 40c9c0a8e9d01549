package org.jwsp.windows.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to {@code jwsp}: wrong or missing configuration, wrong command line, not Windows.
 * Each gives one documented exit code and a one-line reason, and never reaches the catalog
 * (the catalog supplier fails the test if it is asked for).
 */
class InstallerConfigurationTest {

    @TempDir
    Path dir;
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int jwsp(String os, Map<String, String> env, String... args) {
        InstallerContext context = new InstallerContext(os, "amd64", env,
                () -> { throw new AssertionError("the catalog must not be touched"); },
                () -> { throw new AssertionError("the host catalog must not be touched"); });
        err.reset();
        return new Installer(context).execute(args, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private int onWindows(String... args) {
        return jwsp("Windows 11", Map.of(), args);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private void assertRefused(InstallerError error, String reason, int exit) {
        assertEquals(error.exitCode(), exit, err());
        assertTrue(err().contains(reason), err());
        assertTrue(err().startsWith(exit == InstallerError.USAGE.exitCode() && err().startsWith("jwsp:") ? "jwsp:" : "jwsp "), err());
    }

    @Test
    void noCommandUnknownCommandsAndOptionsAreUsageErrors() {
        assertRefused(InstallerError.USAGE, "no command", onWindows());
        assertRefused(InstallerError.USAGE, "unknown command 'instal'", onWindows("instal"));
        assertRefused(InstallerError.USAGE, "unknown option '--dl'", onWindows("install", "--dl", "x"));
        assertRefused(InstallerError.USAGE, "--dll needs a value", onWindows("install", "--dll"));
        assertRefused(InstallerError.USAGE, "--dll applies to install only", onWindows("uninstall", "--dll", "x"));
        assertTrue(err().contains("usage: jwsp install"), err());
    }

    @Test
    void installWithoutADllPathSaysHowToGiveOne() {
        assertRefused(InstallerError.BAD_CONFIGURATION, "pass --dll", onWindows("install"));
        assertRefused(InstallerError.BAD_CONFIGURATION, "set JWSP_DLL", onWindows("install", "--dll", " "));
    }

    @Test
    void aRelativeOrMissingDllIsBadConfiguration() {
        assertRefused(InstallerError.BAD_CONFIGURATION, "must be absolute", onWindows("install", "--dll", "jwsp.dll"));
        assertRefused(InstallerError.BAD_CONFIGURATION, "does not exist",
                onWindows("install", "--dll", dir.resolve("absent.dll").toString()));
        assertRefused(InstallerError.BAD_CONFIGURATION, "does not exist", onWindows("install", "--dll", dir.toString()));
    }

    @Test
    void aPathWinsockCannotTakeIsBadConfiguration() {
        String tooLong = dir.resolve("d".repeat(250) + ".dll").toString();
        assertRefused(InstallerError.BAD_CONFIGURATION, "Winsock takes fewer than 260", onWindows("install", "--dll", tooLong));
    }

    @Test
    void aFileThatIsNotAnX64DllIsBadConfiguration() throws IOException {
        Path text = Files.writeString(dir.resolve("text.dll"), "not a dll at all, but long enough to have a header".repeat(3));
        assertRefused(InstallerError.BAD_CONFIGURATION, "no MZ header", onWindows("install", "--dll", text.toString()));
        Path x86 = PeFiles.write(dir.resolve("x86.dll"), PeFiles.I386, PeFiles.DLL);
        assertRefused(InstallerError.BAD_CONFIGURATION, "built for 32-bit x86", onWindows("install", "--dll", x86.toString()));
        Path exe = PeFiles.write(dir.resolve("jwsp.exe"), PeFiles.AMD64, PeFiles.EXE);
        assertRefused(InstallerError.BAD_CONFIGURATION, "not a DLL", onWindows("install", "--dll", exe.toString()));
        Path truncated = Files.write(dir.resolve("cut.dll"), new byte[] {'M', 'Z', 0, 0});
        assertRefused(InstallerError.BAD_CONFIGURATION, "no MZ header", onWindows("install", "--dll", truncated.toString()));
    }

    @Test
    void aBadNameIsBadConfiguration() throws IOException {
        String dll = PeFiles.x64Dll(dir).toString();
        assertRefused(InstallerError.BAD_CONFIGURATION, "--name must be 1 to 64",
                onWindows("install", "--dll", dll, "--name", "n".repeat(65)));
        assertRefused(InstallerError.BAD_CONFIGURATION, "--name must be 1 to 64",
                onWindows("install", "--dll", dll, "--name", "a\tb"));
    }

    @Test
    void jwspDllFromTheEnvironmentIsCheckedLikeDll() throws IOException {
        Path x86 = PeFiles.write(dir.resolve("x86.dll"), PeFiles.I386, PeFiles.DLL);
        assertRefused(InstallerError.BAD_CONFIGURATION, "32-bit x86",
                jwsp("Windows 11", Map.of("JWSP_DLL", x86.toString()), "install"));
    }

    /**
     * Off Windows, install and uninstall write the Linux host's catalog (jwsp-host.jar); the
     * provider jar alone has none, which is one line naming the missing jar, before any catalog call.
     */
    @Test
    @EnabledOnOs(value = OS.LINUX, disabledReason = "on Windows the provider jar's own kernel port runs")
    void installAndUninstallOffWindowsWithoutTheHostNameTheMissingJar() throws IOException {
        String dll = PeFiles.x64Dll(dir).toString();
        assertRefused(InstallerError.NO_HOST_CATALOG, "put jwsp-host.jar on the class path",
                jwsp("Linux", Map.of(), "install", "--dll", dll));
        assertEquals(1, err().strip().lines().count(), err());
        InstallerContext linux = new InstallerContext("Linux", "amd64", Map.of(),
                () -> { throw new AssertionError("the Windows catalog must not be touched"); },
                Ws2CatalogExports::ofThisProcess);
        err.reset();
        int exit = new Installer(linux).execute(new String[] {"uninstall"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertRefused(InstallerError.NO_HOST_CATALOG, "put jwsp-host.jar on the class path", exit);
    }

    @Test
    void windowsOnA32BitJvmIsNotWindowsX64() throws IOException {
        InstallerContext x86 = new InstallerContext("Windows 11", "x86", Map.of(),
                () -> { throw new AssertionError("the catalog must not be touched"); }, () -> null);
        err.reset();
        int exit = new Installer(x86).execute(new String[] {"uninstall"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertRefused(InstallerError.NOT_WINDOWS, "Windows 11 x86", exit);
    }

    /** The real entry point on this machine, the provider jar alone: the same refusal, no native call made. */
    @Test
    @EnabledOnOs(value = OS.LINUX, disabledReason = "checks the refusal off Windows, where the suite runs; on Windows this would change the real catalog")
    void theRealCommandLineWithoutTheHostRefusesToUninstall() {
        int exit = Installer.run(new String[] {"uninstall"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertRefused(InstallerError.NO_HOST_CATALOG, "jwsp-host.jar", exit);
    }

    @Test
    void theDllDefaultsToJwspDllThenToProgramFilesJwsp() {
        assertEquals("C:\\Program Files\\jwsp\\jwsp.dll",
                InstallerOptions.parse(new String[] {"install"}, Map.of("ProgramFiles", "C:\\Program Files")).dll());
        assertEquals("D:\\x\\jwsp.dll", InstallerOptions.parse(new String[] {"upgrade"},
                Map.of("ProgramFiles", "C:\\Program Files", "JWSP_DLL", "D:\\x\\jwsp.dll")).dll());
        InstallerOptions given = InstallerOptions.parse(new String[] {"upgrade", "--dll=E:\\j.dll", "--jvm", "E:\\jvm.dll"},
                Map.of("JWSP_DLL", "D:\\x\\jwsp.dll"));
        assertEquals("E:\\j.dll", given.dll());
        assertEquals("E:\\jvm.dll", given.jvm());
        assertEquals(InstallerOptions.Command.UPGRADE, given.command());
        assertEquals(null, InstallerOptions.parse(new String[] {"install"}, Map.of()).dll());
    }
}
