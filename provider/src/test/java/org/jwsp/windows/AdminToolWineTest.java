package org.jwsp.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jwsp.windows.BootstrapWineSession.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * jwsp-admin.exe (provider/src/main/c/admin), the Java-free uninstall and categorizer, under Wine
 * against the stand-in ws2_32.dll, whose catalog holds jwsp over a base and another LSP layered
 * over jwsp (its chain [2001, 1002, 1001]). Each test is one wine64 process of the tool; the
 * catalog calls it makes are recorded by the stand-in. Shares BootstrapWineSession; skipped, with
 * the reason printed, where wine64 or mingw-w64 is missing.
 */
class AdminToolWineTest {

    private static BootstrapWineSession wine;

    /** Building the programs with mingw and creating the Wine prefix take minutes on a loaded machine. */
    @BeforeAll
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    static void startWine() throws Exception {
        wine = BootstrapWineSession.shared();
    }

    @BeforeEach
    void needsWine() {
        assumeTrue(wine != null, BootstrapWineSession.unavailable());
    }

    @Test
    void uninstallRepairsTheLspAboveJwspAndKeepsTheOrder() throws Exception {
        Run run = wine.admin(dir("uninstall"), "uninstall");

        assertEquals(0, run.exit(), run::toString);
        // The other LSP's chain is reinstalled under its GUID and DLL without jwsp's layered id 1002 ...
        assertEquals(List.of(
                "WSCDeinstallProvider OTHER_CHAIN removed=1",
                "WSCInstallProvider OTHER_CHAIN path=C:\\other\\otherlsp.dll id=3001 chainlen=2 chain=2001,1001,0",
                "WSCDeinstallProvider JWSP_CHAINS removed=1",
                "WSCDeinstallProvider JWSP_LAYERED removed=1",
                "WSCWriteProviderOrder count=3"), calls(run), run::toString);
        // ... where it was, and nothing of jwsp is left.
        assertTrue(run.out().contains("CATALOG 1001,2001,3001"), run::toString);
        assertTrue(run.out().getLast().startsWith("jwsp uninstalled: 2 catalog entries removed, 1 layered providers"),
                run::toString);
    }

    @Test
    void categorizeSetsJwspsCategoriesAndKeepsSystemProcessesOut() throws Exception {
        Run run = wine.admin(dir("categorize"), "categorize");

        assertEquals(0, run.exit(), run::toString);
        List<String> calls = calls(run);
        assertTrue(calls.contains("WSCSetProviderInfo JWSP_LAYERED type=0 value=0x00000021 size=4"), run::toString);
        assertTrue(calls.contains("WSCSetProviderInfo JWSP_CHAINS type=0 value=0x00000021 size=4"), run::toString);
        for (String process : List.of("lsass", "services", "wininit", "csrss", "smss")) {
            assertTrue(calls.stream().anyMatch(c -> c.matches("WSCSetApplicationCategory .*\\\\" + process
                    + "\\.exe 0x80000000")), () -> process + "\n" + run);
        }
        // A process that already has categories (here winlogon.exe) keeps them.
        assertTrue(calls.stream().noneMatch(c -> c.contains("winlogon")), run::toString);
        assertTrue(run.out().stream().anyMatch(l -> l.contains("winlogon.exe keeps its categories 0x80000008")),
                run::toString);
    }

    @Test
    void checkRefusesWhatTheBootstrapWouldRefuseWithTheSameReason() throws Exception {
        // wspcaller writes each scenario's HKLM\\SOFTWARE\\jwsp; jwsp-admin, beside that jwsp.dll, reads it.
        var good = wine.scenario("admin-check-ok").installed();
        assertEquals(1, good.run("0202", "once").printed("RESULT").size());
        Run ok = wine.admin(good.dir, "check");

        var agent = wine.scenario("admin-check-agent").installed("multi JvmOptions=-javaagent:C:\\a.jar");
        Run bootstrap = agent.run("0202", "once");
        Run refused = wine.admin(agent.dir, "check");

        var open = wine.scenario("admin-check-open").installed();
        open.run("0202", "once");
        Files.setPosixFilePermissions(open.dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Run writable = wine.admin(open.dir, "check");

        assertEquals(0, ok.exit(), ok::toString);
        assertTrue(ok.out().getFirst().startsWith("OK "), ok::toString);
        assertEquals(1, refused.exit(), refused::toString);
        String reason = "JvmOptions: '-javaagent:C:\\a.jar' is refused (an agent runs code in every process jwsp serves)";
        assertTrue(refused.stderr().startsWith("jwsp-admin check: " + reason), refused::toString);
        assertTrue(bootstrap.log().getFirst().contains(reason), bootstrap::toString);
        assertEquals(1, writable.exit(), writable::toString);
        assertTrue(writable.stderr().contains(BootstrapWineSession.windowsPath(open.dir) + " may be changed by S-1-1-0"),
                writable::toString);
    }

    @Test
    void badUsageExits2() throws Exception {
        assertEquals(2, wine.admin(dir("usage"), "reset").exit());
    }

    private static List<String> calls(Run run) {
        return run.record().stream().map(l -> l.substring(l.indexOf(' ') + 1)).toList();
    }

    private static Path dir(String name) {
        return Path.of("target/bootstrap-wine/admin").resolve(name).toAbsolutePath();
    }
}
