package org.jwsp.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jwsp.windows.BootstrapWineSession.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * jwsp.dll under Wine where jwsp must not or cannot run: every such case passes the call on to
 * the next provider of the chain — the stand-in nextprov.dll, found through the stand-in
 * ws2_32.dll's catalog — whose table the caller gets and uses (a socket opened and closed through
 * it), with one line saying why; never WSAEPROVIDERFAILEDINIT. Also: the configuration comes from
 * HKLM only (environment variables ignored), JVM options outside the allowlist are refused, and
 * the ACL check refuses what others may write. Same scenario folders and shared Wine session as
 * BootstrapDllWineTest; skipped, with the reason printed, where wine64 or mingw-w64 is missing.
 */
class BootstrapFailOpenWineTest {

    private static final String NEXT = "WSPStartup -> next provider ";
    /** The entry line of a JNI_CreateJavaVM call. */
    private static final String CREATE = "JNI_CreateJavaVM version=.*";

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

    // ---- jwsp cannot run: the JVM or the Java side fails ----

    @Test
    void missingBootstrapClassPassesOn() throws Exception {
        Run run = failing("no-class", "no-class");

        assertLogged(run, "cannot load class org.jwsp.windows.Bootstrap (is the jwsp jar on class.path?): "
                + "java.lang.ClassNotFoundException: org.jwsp.windows.Bootstrap");
        assertEquals(0, run.count("CallStaticLongMethod"), run::toString);
    }

    @Test
    void javaSideReturning0PassesOnWithItsReason() throws Exception {
        Run run = failing("java-zero", "zero");

        assertLogged(run, "org.jwsp.windows.Bootstrap.wspStartupAddress() returned 0: "
                + "fake Java side: no org.jwsp.provider.LayeredProvider");
    }

    @Test
    void javaSideExceptionPassesOnAndIsCleared() throws Exception {
        Run run = failing("java-throws", "throw");

        assertLogged(run, "org.jwsp.windows.Bootstrap.wspStartupAddress() threw: "
                + "java.lang.IllegalStateException: fake Java-side failure");
        int thrown = indexOf(run.record(), "-> throws java.lang.IllegalStateException");
        assertTrue(run.record().subList(thrown, run.record().size()).stream().anyMatch(l -> l.endsWith(" ExceptionClear")),
                run::toString);
    }

    @Test
    void jvmRefusingItsOptionsPassesOn() throws Exception {
        Run run = failing("jvm-refuses", "create-fails");

        assertLogged(run, "JNI_CreateJavaVM failed: -6 (JNI_EINVAL)");
    }

    @Test
    void missingJvmDllPassesOn() throws Exception {
        Path missing = scenarioDir("no-jvm-dll").resolve("jdk/bin/server/jvm.dll");
        Run run = wine.scenario("no-jvm-dll").installed("sz JvmDll=" + BootstrapWineSession.windowsPath(missing))
                .showingDebugOutput().run("0202", "threads", "1");

        assertPassedOn(run, 3);
        assertLogged(run, "cannot read who may change " + BootstrapWineSession.windowsPath(missing)
                + ": error 3 (does it exist?)");                                         // ERROR_PATH_NOT_FOUND
        // The logged line went to the debugger too (Wine shortens long lines there); the later
        // calls' lines to the debugger only.
        assertTrue(run.log().getFirst().startsWith(run.debugOutput().getFirst()), run::toString);
        assertEquals(1, run.log().size(), run::toString);
        assertEquals(3, run.debugOutput().size(), run::toString);
    }

    @Test
    void aThreadTheJvmCannotAttachPassesOnForThatCallOnly() throws Exception {
        Run run = wine.scenario("attach-fails").installed().env("FAKEJVM_MODE", "attach-fails")
                .run("0202", "threads", "1");

        String other = run.recorded("AttachCurrentThreadAsDaemon").getFirst().get("tid");
        assertEquals(List.of(0, 0, 0), results(run), run::toString);
        assertEquals(List.of(other), run.printed("USE").stream().map(m -> m.get("tid")).toList(), run::toString);
        assertLogged(run, "cannot attach thread " + other + " to the JVM: -4 (JNI_ENOMEM)");
    }

    @Test
    void aFailingJavaWSPStartupPassesOn() throws Exception {
        Run run = wine.scenario("java-wsp-fails").installed().env("FAKEJVM_WSP_RESULT", "10055").run("0202", "once");

        assertEquals(1, javaCalls(run), run::toString);
        assertPassedOn(run, 1);
        assertLogged(run, "the Java WSPStartup returned 10055");
    }

    @Test
    void callsDuringAFailingStartUpAllPassOnAndOnlyTheFirstIsLogged() throws Exception {
        Run run = wine.scenario("race-fails").installed()
                .env("FAKEJVM_CREATE_GATE", "1").env("FAKEJVM_MODE", "no-class")
                .run("0202", "race", "3");

        assertEquals(1, run.count(CREATE), run::toString);
        assertPassedOn(run, 4);
        assertEquals(1, run.log().size(), run::toString);
        assertLogged(run, "cannot load class org.jwsp.windows.Bootstrap");
    }

    @Test
    void aJoinedJvmWithoutJwspAnywherePassesOnNamingBothTries() throws Exception {
        Run run = wine.scenario("join-app-no-class").installed()
                .env("FAKEJVM_EXISTING", "1").env("FAKEJVM_APP_CLASS_PATH", "1").env("FAKEJVM_MODE", "no-class")
                .run("0202", "once");

        assertPassedOn(run, 1);
        assertLogged(run, "cannot load class org.jwsp.windows.Bootstrap in the joined JVM (java.lang.ClassNotFoundException: "
                + "org.jwsp.windows.Bootstrap), nor from class.path: java.lang.ClassNotFoundException: org.jwsp.windows.Bootstrap");
    }

    // ---- jwsp must not run here ----

    @Test
    void notConfiguredPassesOnSilently() throws Exception {
        Run run = wine.scenario("not-configured").withJvmDll().showingDebugOutput().run("0202", "once");

        assertPassedOn(run, 1);
        assertTrue(run.record().stream().noneMatch(l -> l.contains("JNI_")), run::toString);
        assertTrue(run.debugOutput().getFirst().endsWith("jwsp is not configured: no HKLM\\SOFTWARE\\jwsp"), run::toString);
    }

    @Test
    void aProcessNotNamedPassesOnWithoutAJvmAndWithoutALogLine() throws Exception {
        Run run = wine.scenario("not-named").installed("multi Processes=svchost.exe", "multi Processes=C:\\other\\wspcaller.exe")
                .showingDebugOutput().run("0202", "threads", "2");

        assertPassedOn(run, 4);
        assertTrue(run.record().stream().noneMatch(l -> l.contains("JNI_")), () -> "no JVM looked for\n" + run);
        assertEquals(List.of(), run.log(), run::toString);
        assertTrue(run.debugOutput().getFirst().contains("wspcaller.exe) is not one jwsp serves (Processes)"), run::toString);
    }

    @Test
    void aProcessNamedByPathOrAllIsServed() throws Exception {
        Run byPath = wine.scenario("named-path").installed("multi Processes=" + BootstrapWineSession.windowsPath(
                scenarioDir("x").getParent().getParent().resolve("bin/WSPCALLER.EXE"))).run("0202", "once");
        Run all = wine.scenario("named-all").installed("multi Processes=other.exe", "multi Processes=all").run("0202", "once");

        for (Run run : List.of(byPath, all)) {
            assertEquals(1, run.count(CREATE), run::toString);
            assertEquals(1, javaCalls(run), run::toString);
            assertEquals(List.of(), run.printed("USE"), run::toString);
        }
    }

    @Test
    void environmentVariablesAreIgnored() throws Exception {
        Path other = scenarioDir("env-ignored").resolve("elsewhere/jvm.dll");
        Run run = wine.scenario("env-ignored").installed().withJvmDllAt(other)
                .env("JWSP_JVM_DLL", BootstrapWineSession.windowsPath(other)).env("JWSP_CLASSPATH", "C:\\from-env.jar")
                .env("JWSP_JVM_OPTIONS", "-javaagent:C:\\evil.jar").env("JWSP_LOG", "C:\\evil.log")
                .env("JAVA_HOME", BootstrapWineSession.windowsPath(other.getParent()))
                .showingDebugOutput().run("0202", "once");

        String dir = BootstrapWineSession.windowsPath(scenarioDir("env-ignored"));
        assertTrue(run.debugOutput().getFirst().endsWith("started: created the JVM of " + dir + "\\jvm.dll"), run::toString);
        assertEquals(List.of("-Djava.class.path=" + dir + "\\jwsp.jar", "--enable-native-access=ALL-UNNAMED", "-Xrs"),
                options(run), run::toString);
        assertEquals(1, javaCalls(run), run::toString);
    }

    @Test
    void anEnvironmentThatSetsJvmOptionsGetsNoJvm() throws Exception {
        Run run = wine.scenario("java-tool-options").installed().env("JAVA_TOOL_OPTIONS", "-javaagent:C:\\evil.jar")
                .run("0202", "once");

        assertEquals(0, run.count(CREATE), run::toString);
        assertPassedOn(run, 1);
        assertLogged(run, "the process environment sets JAVA_TOOL_OPTIONS, which a JVM created here would obey");
    }

    @Test
    void anOptionOutsideTheAllowlistIsRefusedAndNoJvmStarts() throws Exception {
        for (String option : List.of("-javaagent:C:\\agent.jar", "-agentpath:C:\\a.dll", "-Xbootclasspath/a:C:\\x.jar",
                "-XX:+UnlockDiagnosticVMOptions", "-Djava.library.path=C:\\x", "-Xmxlots")) {
            String name = "option-" + Integer.toHexString(option.hashCode());
            Run run = wine.scenario(name).installed("multi JvmOptions=-Xmx64m", "multi JvmOptions=" + option)
                    .run("0202", "once");

            assertTrue(run.record().stream().noneMatch(l -> l.contains("JNI_")), run::toString);
            assertPassedOn(run, 1);
            assertLogged(run, "JvmOptions: '" + option + "' is refused (");
        }
    }

    @Test
    void aWrongConfigurationPassesOnNamingTheValue() throws Exception {
        Run unknown = wine.scenario("bad-value").installed("sz JavaHome=C:\\jdk").run("0202", "once");
        Run relative = wine.scenario("relative-jvm").installed("sz JvmDll=jvm.dll").run("0202", "once");
        Run noClassPath = wine.scenario("no-class-path").withJvmDll()
                .registry("sz JvmDll=" + BootstrapWineSession.windowsPath(scenarioDir("no-class-path").resolve("jvm.dll")),
                        "multi Processes=wspcaller.exe")
                .run("0202", "once");

        assertPassedOn(unknown, 1);
        assertLogged(unknown, "HKLM\\SOFTWARE\\jwsp: unknown value 'JavaHome'");
        assertPassedOn(relative, 1);
        assertLogged(relative, "HKLM\\SOFTWARE\\jwsp: 'JvmDll' must be an absolute path, not 'jvm.dll'");
        assertPassedOn(noClassPath, 1);
        assertTrue(noClassPath.log().isEmpty(), noClassPath::toString);   // no Log value: debugger only
    }

    @Test
    void aSocketOpenedOnTheStartingThreadDuringJvmStartUpPassesOnInsteadOfHanging() throws Exception {
        Run run = wine.scenario("reenter").installed().env("FAKEJVM_MODE", "reenter").run("0202", "once");

        assertTrue(run.record().stream().anyMatch(l -> l.endsWith("nested WSPStartup -> 0")), run::toString);
        assertTrue(run.record().stream().anyMatch(l -> l.contains("NextWSPStartup")), run::toString);
        assertLogged(run, "called again on the starting thread while the JVM starts");
        assertEquals(List.of(0), results(run), run::toString);
        assertEquals(1, javaCalls(run), run::toString);
    }

    @Test
    void aCallUnderTheLoaderLockPassesOnAndTheNextOneStartsJwsp() throws Exception {
        Run run = wine.scenario("loader-lock").installed().showingDebugOutput().run("0202", "loaderlock");

        assertTrue(run.out().contains("LOADERLOCK held"), run::toString);
        assertEquals(List.of(0, 0), results(run), run::toString);
        assertEquals(1, run.printed("USE").size(), run::toString);
        assertEquals(1, run.count(CREATE), run::toString);
        int created = indexOf(run.record(), "JNI_CreateJavaVM version=");
        assertTrue(indexOf(run.record(), "NextWSPStartup") < created, run::toString);
        // Before the start-up the configuration (and its log file) is unknown: debugger and event log only.
        assertTrue(run.debugOutput().getFirst().contains(NEXT), run::toString);
        assertTrue(run.debugOutput().getFirst().contains("called under the loader lock"), run::toString);
    }

    @Test
    void anotherJvmInTheProcessIsNotJoined() throws Exception {
        Path otherJdk = scenarioDir("other-jvm").resolve("otherjdk/bin/server/jvm.dll");
        Run run = wine.scenario("other-jvm").installed().withJvmDllAt(otherJdk)
                .env("WSPCALLER_PRELOAD", BootstrapWineSession.windowsPath(otherJdk)).run("0202", "once");

        assertTrue(run.out().contains("PRELOAD ok"), run::toString);
        assertEquals(0, run.count("JNI_GetCreatedJavaVMs"), run::toString);
        assertPassedOn(run, 1);
        assertLogged(run, "another JVM is in this process (" + BootstrapWineSession.windowsPath(otherJdk));
    }

    @Test
    void anLspAboveJwspStillFindsTheProviderAfterJwsp() throws Exception {
        Run run = wine.scenario("lsp-above").installed("multi Processes=nobody.exe")
                .env("WSPCALLER_CHAIN", "2001,1002,1001").env("WSPCALLER_ENTRY", "2002").run("0202", "once");

        assertPassedOn(run, 1);
    }

    // ---- who may write what jwsp loads ----

    @Test
    void aJdkFolderOthersMayWriteIsRefused() throws Exception {
        Path jdk = scenarioDir("writable-jdk").resolve("jdk");
        Path jvm = jdk.resolve("bin/server/jvm.dll");
        var scenario = wine.scenario("writable-jdk").installed("sz JvmDll=" + BootstrapWineSession.windowsPath(jvm))
                .withJvmDllAt(jvm);
        // Wine derives a folder's DACL from its Unix mode: 777 lets Everyone (S-1-1-0) write.
        Files.setPosixFilePermissions(jdk.resolve("bin"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Run run = scenario.run("0202", "once");

        assertEquals(0, run.count(CREATE), run::toString);
        assertPassedOn(run, 1);
        assertLogged(run, BootstrapWineSession.windowsPath(jdk.resolve("bin")) + " may be changed by S-1-1-0");
    }

    @Test
    void theAclCheckRefusesOwnersAndWritersOtherThanTrustedOnes() throws Exception {
        String user = "S-1-5-21-1-2-3-1001";
        String installer = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464";
        Map<String, String> cases = Map.of(
                "O:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;0x1200a9;;;BU)", "OK",
                "O:" + installer + "D:P(A;;FA;;;" + installer + ")(A;;0x1200a9;;;WD)", "OK",
                "O:BAD:P(A;;FA;;;SY)(A;OICIIO;FA;;;CO)(A;;0x1200a9;;;AU)", "OK",
                "O:" + user + "D:P(A;;FA;;;" + user + ")", "OK",                      // the process's own user
                "O:S-1-5-21-1-2-3-1002D:P(A;;FA;;;SY)", "REFUSED the file is owned by S-1-5-21-1-2-3-1002",
                "O:BAD:P(A;;FA;;;SY)(A;;0x1301bf;;;BU)", "REFUSED the file may be changed by S-1-5-32-545 (access 0x1301bf)",
                "O:BAD:P(A;;0x4;;;AU)", "REFUSED the file may be changed by S-1-5-11 (access 0x4)",   // FILE_APPEND_DATA
                "O:BAD:P(A;;GA;;;WD)", "REFUSED the file may be changed by S-1-1-0 (access 0x10000000)",
                "O:BAD:P(A;;WD;;;IU)", "REFUSED the file may be changed by S-1-5-4 (access 0x40000)",   // WRITE_DAC
                "O:BA", "REFUSED the file has no DACL");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            String answer = wine.aclcheck("sd", user, c.getKey());
            assertTrue(answer.startsWith(c.getValue()), () -> c.getKey() + " -> " + answer);
        }
        // A real folder as Wine derives it from Unix modes: others may write a mode 777 folder.
        Path open = scenarioDir("acl-unit").resolve("open");
        Files.createDirectories(open);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertTrue(wine.aclcheck("path", BootstrapWineSession.windowsPath(open)).startsWith("REFUSED "), open::toString);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals("OK", wine.aclcheck("path", BootstrapWineSession.windowsPath(open)));
    }

    @Test
    void theLogIsNeverCreatedAndALinkIsNotWritten() throws Exception {
        Path nolog = scenarioDir("log-missing").resolve("nolog");
        Run missing = wine.scenario("log-missing").installed("sz Log=" + BootstrapWineSession.windowsPath(
                nolog.resolve("jwsp.log")), "multi JvmOptions=-javaagent:x").showingDebugOutput().run("0202", "once");

        assertPassedOn(missing, 1);
        assertTrue(Files.notExists(nolog), missing::toString);
        assertTrue(missing.stderr().contains("cannot append to log"), missing::toString);

        // A second name for another file (a hard link): jwsp would append to that file.
        Path target = scenarioDir("log-hardlink").resolve("target.txt");
        var scenario = wine.scenario("log-hardlink").installed("multi JvmOptions=-javaagent:x").showingDebugOutput();
        Files.delete(scenario.log());
        Files.writeString(target, "");
        Files.createLink(scenario.log(), target);
        Run linked = scenario.run("0202", "once");

        assertPassedOn(linked, 1);
        assertEquals("", Files.readString(target), linked::toString);
        assertTrue(linked.stderr().contains("more than one name; not written"), linked::toString);
    }

    // ---- the checks shared by scenarios ----

    private static Run failing(String name, String mode) throws Exception {
        Run run = wine.scenario(name).installed().env("FAKEJVM_MODE", mode).run("0202", "threads", "2");
        assertPassedOn(run, 4);
        assertEquals(0, javaCalls(run), run::toString);
        assertTrue(run.record().stream().noneMatch(l -> l.contains("UNEXPECTED")), run::toString);
        return run;
    }

    /**
     * Every call got the next provider's answer: rc 0, its WSPDATA, a socket opened and closed
     * through its table; and it was started with the base's own catalog entry.
     */
    static void assertPassedOn(Run run, int calls) {
        assertEquals(calls, run.printed("RESULT").size(), run::toString);
        for (Map<String, String> result : run.printed("RESULT")) {
            assertEquals("0", result.get("rc"), run::toString);
            assertEquals("fake next provider", result.get("desc"), run::toString);
        }
        assertEquals(calls, run.printed("USE").size(), run::toString);
        for (Map<String, String> use : run.printed("USE")) {
            assertEquals("0x4242", use.get("socket"), run::toString);
            assertEquals("0", use.get("close"), run::toString);
        }
        List<Map<String, String>> started = run.recorded("NextWSPStartup");
        assertEquals(calls, started.size(), run::toString);
        for (Map<String, String> next : started) {
            assertEquals("1001", next.get("catalog"), run::toString);
            assertEquals("1", next.get("chainlen"), run::toString);
        }
    }

    /** The log's first line is one well-formed line saying the call went to the next provider, and why. */
    private static void assertLogged(Run run, String reason) {
        String first = run.log().isEmpty() ? "" : run.log().getFirst();
        assertTrue(first.matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z jwsp pid=\\d+ tid=\\d+ " + Pattern.quote(NEXT)
                + ".*nextprov\\.dll \\(0\\): .*"), run::toString);
        assertTrue(first.contains(reason), () -> "expected '" + reason + "'\n" + run);
    }

    /** Calls that reached the fake Java WSPStartup (its "wrote" lines not counted). */
    private static long javaCalls(Run run) {
        return run.recorded("JavaWSPStartup").stream().filter(m -> !m.get("rest").startsWith("wrote")).count();
    }

    private static List<String> options(Run run) {
        return run.record().stream().filter(l -> l.matches("tid=\\d+ JNI_CreateJavaVM option .*"))
                .map(l -> l.substring(l.indexOf(" option ") + 8)).toList();
    }

    private static List<Integer> results(Run run) {
        return run.printed("RESULT").stream().map(m -> Integer.parseInt(m.get("rc"))).toList();
    }

    private static int indexOf(List<String> lines, String part) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(part)) {
                return i;
            }
        }
        throw new AssertionError("no line with '" + part + "' in\n" + String.join("\n", lines));
    }

    private static Path scenarioDir(String name) {
        return Path.of("target/bootstrap-wine/scenarios").resolve(name).toAbsolutePath();
    }
}
