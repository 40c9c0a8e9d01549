package org.jwsp.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jwsp.windows.BootstrapWineSession.Run;
import org.jwsp.windows.BootstrapWineSession.Scenario;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * jwsp.dll, the real bootstrap DLL, under Wine: wspcaller.exe plays ws2_32 (LoadLibrary,
 * GetProcAddress("WSPStartup"), calls from one and several threads) and a stand-in jvm.dll built
 * from provider/src/test/c/bootstrap records every JNI call and hands out a fake Java WSPStartup.
 * Each test is one scenario folder (own jwsp.dll copy, jwsp.cfg, jvm.dll, record and log) and one
 * short wine64 process; the prefix and wineserver are shared by the class. Skipped, with the
 * reason printed, where wine64 or mingw-w64 is missing. One class, over the usual size, so that
 * one Wine prefix and one wineserver serve every scenario: each Wine start costs seconds.
 */
class BootstrapDllWineTest {

    private static final int WSAEPROVIDERFAILEDINIT = 10106;
    private static final int WSAVERNOTSUPPORTED = 10092;
    private static final String FAILED = "WSPStartup -> WSAEPROVIDERFAILEDINIT: ";
    /** The entry line of a JNI_CreateJavaVM call (its options and outcome are further lines). */
    private static final String CREATE = "JNI_CreateJavaVM version=.*";
    private static final Pattern RETURNS = Pattern.compile("-> (-?\\d+)$");

    private static BootstrapWineSession wine;

    private static String skipped;

    @BeforeAll
    static void startWine() throws Exception {
        skipped = BootstrapWineSession.unavailable();
        if (skipped != null) {
            System.out.println(skipped);
            System.err.println(skipped);
            return;
        }
        wine = BootstrapWineSession.open(Path.of("target/bootstrap-wine").toAbsolutePath());
    }

    @BeforeEach
    void needsWine() {
        assumeTrue(skipped == null, skipped);
    }

    @AfterAll
    static void stopWine() throws Exception {
        if (wine != null) {
            wine.close();
        }
    }

    @Test
    void theDllExportsWSPStartupAndNothingElse() throws Exception {
        String dump = wine.objdump("jwsp.dll");
        String table = dump.substring(dump.indexOf("[Ordinal/Name Pointer] Table"));
        Matcher exports = Pattern.compile("\\[\\s*\\d+] (\\S+)").matcher(table.substring(0, table.indexOf("\n\n")));
        List<String> names = new ArrayList<>();
        while (exports.find()) {
            names.add(exports.group(1));
        }
        assertEquals(List.of("WSPStartup"), names, dump);
        // Only system DLLs: a plain Windows loads it without any runtime installed.
        List<String> imports = Pattern.compile("DLL Name: (\\S+)").matcher(dump).results().map(m -> m.group(1)).toList();
        assertEquals(List.of("KERNEL32.dll", "msvcrt.dll"), imports, dump);

        Run run = wine.scenario("export").withJvmDll().cfg("jvm.dll = jvm.dll", "class.path = C:\\jwsp\\jwsp.jar")
                .run("0202", "once");
        assertTrue(run.out().containsAll(List.of("LOAD ok", "EXPORT WSPStartup=found")), run::toString);
    }

    @Test
    void createsTheJvmOnceAttachesEveryThreadAndForwardsArgumentsAndResultsUnchanged() throws Exception {
        Run run = wine.scenario("create").withJvmDll()
                .cfg("# jwsp test", "jvm.dll = jvm.dll", "class.path = lib\\jwsp-provider.jar;C:\\jwsp\\log4j-api.jar",
                        "jvm.option = -Xmx64m")
                .env("FAKEJVM_WSP_RESULT", "10055").showingDebugOutput()
                .run("0202", "threads", "4");

        assertEquals(0, run.exit(), run::toString);
        assertEquals(1, run.count("JNI_GetCreatedJavaVMs"), run::toString);
        assertEquals(1, run.count(CREATE), run::toString);
        assertTrue(run.record().stream().anyMatch(l -> l.endsWith(
                "JNI_CreateJavaVM version=0x180000 nOptions=4 ignoreUnrecognized=0")), run::toString);
        String dllDir = BootstrapWineSession.windowsPath(scenarioDir("create"));
        assertEquals(List.of("-Djava.class.path=" + dllDir + "\\lib\\jwsp-provider.jar;C:\\jwsp\\log4j-api.jar",
                "--enable-native-access=ALL-UNNAMED", "-Xrs", "-Xmx64m"), options(run));
        assertEquals(1, run.count("CallStaticLongMethod"), run::toString);
        assertForwardedUnchanged(run, 6, 10055);
        assertEveryCallerAttached(run);
        // Success goes to the debugger only: no file grows by a line per process that uses Winsock.
        assertEquals(List.of(), run.log(), run::toString);
        assertEquals(1, run.debugOutput().size(), run::toString);
        assertTrue(run.debugOutput().getFirst().endsWith("started: created the JVM of "
                + BootstrapWineSession.windowsPath(scenarioDir("create").resolve("jvm.dll"))), run::toString);
        assertTrue(run.record().stream().noneMatch(l -> l.contains("UNEXPECTED")), run::toString);
    }

    @Test
    void joinsAJvmAlreadyRunningInTheProcess() throws Exception {
        Run run = wine.scenario("join").withJvmDll().cfg("jvm.dll = jvm.dll", "class.path = C:\\jwsp\\jwsp.jar")
                .env("FAKEJVM_EXISTING", "1").showingDebugOutput()
                .run("0202", "threads", "2");

        assertEquals(0, run.count(CREATE), run::toString);
        assertTrue(run.record().getFirst().endsWith("JNI_GetCreatedJavaVMs len=1 -> 1"), run::toString);
        assertForwardedUnchanged(run, 4, 0);
        assertEveryCallerAttached(run);
        assertTrue(run.debugOutput().getFirst().contains("started: joined the JVM of "), run::toString);
    }

    @Test
    void aJoinedJvmWithoutJwspLoadsItFromClassPathInALoaderKeptForTheProcess() throws Exception {
        // A Java program's own JVM: its system class loader does not know jwsp.
        Run run = wine.scenario("join-app").withJvmDll()
                .cfg("jvm.dll = jvm.dll", "class.path = lib\\jwsp-provider.jar;;C:\\jwsp\\log4j-api.jar")
                .env("FAKEJVM_EXISTING", "1").env("FAKEJVM_APP_CLASS_PATH", "1")
                .run("0202", "threads", "1");

        String loader = "URLClassLoader[file:///" + BootstrapWineSession.windowsPath(scenarioDir("join-app"))
                + "\\lib\\jwsp-provider.jar file:///C:\\jwsp\\log4j-api.jar]";
        assertEquals(0, run.count(CREATE), run::toString);
        assertTrue(run.record().stream().anyMatch(l -> l.endsWith(" NewGlobalRef " + loader)), run::toString);
        assertTrue(run.record().stream().anyMatch(l -> l.endsWith(" CallObjectMethod " + loader + ".loadClass")),
                run::toString);
        assertEquals(1, run.count("CallStaticLongMethod"), run::toString);
        assertForwardedUnchanged(run, 3, 0);
        assertEquals(List.of(), run.log(), run::toString);
    }

    @Test
    void aJoinedJvmWithoutJwspAnywhereGivesProviderFailedInitNamingBothTries() throws Exception {
        Run run = wine.scenario("join-app-no-class").withJvmDll()
                .cfg("jvm.dll = jvm.dll", "class.path = C:\\jwsp\\jwsp-provider.jar")
                .env("FAKEJVM_EXISTING", "1").env("FAKEJVM_APP_CLASS_PATH", "1").env("FAKEJVM_MODE", "no-class")
                .run("0202", "once");

        assertEquals(List.of(WSAEPROVIDERFAILEDINIT), results(run), run::toString);
        assertLogged(run, "cannot load class org.jwsp.windows.Bootstrap in the joined JVM (java.lang.ClassNotFoundException: "
                + "org.jwsp.windows.Bootstrap), nor from class.path: java.lang.ClassNotFoundException: org.jwsp.windows.Bootstrap");
    }

    @Test
    void freeingAndReloadingTheDllKeepsTheStartedProvider() throws Exception {
        // ws2_32 frees provider DLLs at the last WSACleanup and loads them again at the next use.
        Run run = wine.scenario("reload").withJvmDll().cfg("jvm.dll = jvm.dll", "class.path = C:\\jwsp\\jwsp.jar")
                .run("0202", "reload");

        assertTrue(run.out().containsAll(List.of("FREE ok", "RELOAD ok")), run::toString);
        assertEquals(List.of(0, 0), results(run), run::toString);
        assertEquals(1, run.count("JNI_GetCreatedJavaVMs"), run::toString);
        assertEquals(1, run.count("CallStaticLongMethod"), run::toString);
        assertForwardedUnchanged(run, 2, 0);
    }

    @Test
    void callsDuringStartUpWaitForItAndGetTheSameResult() throws Exception {
        Run run = wine.scenario("race").withJvmDll().cfg("jvm.dll = jvm.dll", "class.path = C:\\jwsp\\jwsp.jar")
                .env("FAKEJVM_CREATE_GATE", "1")
                .run("0202", "race", "3");

        assertEquals(0, run.exit(), run::toString);
        assertEquals(1, run.count(CREATE), run::toString);
        assertEquals(4, run.printed("RACE").size(), run::toString);
        for (Map<String, String> racer : run.printed("RACE")) {
            assertEquals("1", racer.get("began_before_release"), run::toString);
            assertEquals("1", racer.get("ended_after_release"), run::toString);
        }
        assertForwardedUnchanged(run, 4, 0);
        // Nobody but the starting thread reached the JVM until its start-up was over.
        int released = indexOf(run.record(), "JNI_CreateJavaVM gate: released");
        String starter = Run.fields(run.record().get(released)).get("tid");
        int startUpOver = indexOf(run.record(), " PopLocalFrame");
        for (int i = 0; i <= startUpOver; i++) {
            assertTrue(run.record().get(i).startsWith("tid=" + starter + " "),
                    () -> "a second caller reached the JVM before the start-up ended:\n" + run);
        }
    }

    @Test
    void callsDuringAFailingStartUpAllGetProviderFailedInit() throws Exception {
        Run run = wine.scenario("race-fails").withJvmDll().cfg("jvm.dll = jvm.dll", "class.path = C:\\jwsp\\jwsp.jar")
                .env("FAKEJVM_CREATE_GATE", "1").env("FAKEJVM_MODE", "no-class")
                .run("0202", "race", "3");

        assertEquals(1, run.count(CREATE), run::toString);
        assertEquals(List.of(WSAEPROVIDERFAILEDINIT, WSAEPROVIDERFAILEDINIT, WSAEPROVIDERFAILEDINIT,
                WSAEPROVIDERFAILEDINIT), results(run), run::toString);
        assertEquals(1, run.log().stream().filter(l -> l.contains(FAILED + "cannot load class")).count(), run::toString);
        assertEquals(3, run.log().stream().filter(l -> l.contains(FAILED + "start-up failed: cannot load class")).count(),
                run::toString);
    }

    @Test
    void unsupportedVersionIsTheJavaSidesAnswerNotSwallowed() throws Exception {
        Run run = wine.scenario("version").withJvmDll().cfg("jvm.dll = jvm.dll", "class.path = C:\\jwsp\\jwsp.jar")
                .run("0101", "once");

        assertEquals(List.of(WSAVERNOTSUPPORTED), results(run), run::toString);
        assertEquals("0x0101", run.recorded("JavaWSPStartup").getFirst().get("version"), run::toString);
        assertForwardedUnchanged(run, 1, WSAVERNOTSUPPORTED);
    }

    @Test
    void missingJvmDllGivesProviderFailedInitAndALogLine() throws Exception {
        Run run = wine.scenario("no-jvm-dll").cfg("jvm.dll = jvm.dll", "class.path = C:\\jwsp\\jwsp.jar")
                .showingDebugOutput()
                .run("0202", "threads", "1");

        assertEquals(List.of(WSAEPROVIDERFAILEDINIT, WSAEPROVIDERFAILEDINIT, WSAEPROVIDERFAILEDINIT), results(run));
        assertTrue(run.record().isEmpty(), run::toString);
        assertTrue(run.log().getFirst().contains(FAILED + "cannot load jvm.dll "
                + BootstrapWineSession.windowsPath(scenarioDir("no-jvm-dll").resolve("jvm.dll")) + ": error 126"),
                run::toString);
        // The same lines went to the debugger.
        assertEquals(run.log(), run.debugOutput(), run::toString);
    }

    @Test
    void missingBootstrapClassGivesProviderFailedInitAndALogLine() throws Exception {
        Run run = failing("no-class", "no-class");

        assertLogged(run, "cannot load class org.jwsp.windows.Bootstrap (is the jwsp jar on class.path?): "
                + "java.lang.ClassNotFoundException: org.jwsp.windows.Bootstrap");
        assertEquals(0, run.count("CallStaticLongMethod"), run::toString);
    }

    @Test
    void javaSideReturning0GivesProviderFailedInitWithItsReason() throws Exception {
        Run run = failing("java-zero", "zero");

        assertLogged(run, "org.jwsp.windows.Bootstrap.wspStartupAddress() returned 0: "
                + "fake Java side: no org.jwsp.provider.LayeredProvider");
        assertEquals(1, run.count("CallStaticObjectMethod org/jwsp/windows/Bootstrap.failureReason"), run::toString);
    }

    @Test
    void javaSideExceptionGivesProviderFailedInitAndIsCleared() throws Exception {
        Run run = failing("java-throws", "throw");

        assertLogged(run, "org.jwsp.windows.Bootstrap.wspStartupAddress() threw: "
                + "java.lang.IllegalStateException: fake Java-side failure");
        int thrown = indexOf(run.record(), "-> throws java.lang.IllegalStateException");
        assertTrue(run.record().subList(thrown, run.record().size()).stream().anyMatch(l -> l.endsWith(" ExceptionClear")),
                run::toString);
    }

    @Test
    void jvmRefusingItsOptionsGivesProviderFailedInit() throws Exception {
        Run run = failing("jvm-refuses", "create-fails");

        assertLogged(run, "JNI_CreateJavaVM failed: -6 (JNI_EINVAL); check jvm.option lines and class.path");
    }

    @Test
    void aThreadTheJvmCannotAttachGetsProviderFailedInitAndALogLine() throws Exception {
        Run run = wine.scenario("attach-fails").withJvmDll().cfg("jvm.dll = jvm.dll", "class.path = C:\\jwsp\\jwsp.jar")
                .env("FAKEJVM_MODE", "attach-fails")
                .run("0202", "threads", "1");

        // The creating thread was attached by JNI_CreateJavaVM; the other one cannot be.
        String other = run.recorded("AttachCurrentThreadAsDaemon").getFirst().get("tid");
        assertEquals(List.of(0, WSAEPROVIDERFAILEDINIT, 0), results(run), run::toString);
        assertLogged(run, "cannot attach thread " + other + " to the JVM: -4 (JNI_ENOMEM)");
        assertEquals(2, run.recorded("JavaWSPStartup").stream().filter(m -> !m.get("rest").equals("wrote")).count(),
                () -> "only the attached thread's calls reach Java\n" + run);
    }

    @Test
    void wrongConfigurationGivesProviderFailedInitNamingTheLine() throws Exception {
        Run run = wine.scenario("bad-cfg").withJvmDll()
                .cfg("jvm.dll = jvm.dll", "classpath = C:\\jwsp\\jwsp.jar")
                .run("0202", "once");

        assertEquals(List.of(WSAEPROVIDERFAILEDINIT), results(run));
        assertTrue(run.record().isEmpty(), run::toString);
        assertLogged(run, "jwsp.cfg line 2: unknown key 'classpath'");
    }

    @Test
    void missingConfigurationGivesProviderFailedInitAndGoesToTheDefaultLog() throws Exception {
        Scenario scenario = wine.scenario("no-cfg").withJvmDll().withDefaultLog();
        Run run = scenario.run("0202", "once");

        assertEquals(List.of(WSAEPROVIDERFAILEDINIT), results(run));
        String expected = FAILED + "no JVM: set jvm.dll in " + BootstrapWineSession.windowsPath(scenario.dir.resolve("jwsp.cfg"))
                + ", or JWSP_JVM_DLL, or JAVA_HOME";
        assertTrue(run.log().stream().anyMatch(l -> l.endsWith(expected)), run::toString);
    }

    @Test
    void classPathIsRequired() throws Exception {
        Run run = wine.scenario("no-class-path").withJvmDll().cfg("jvm.dll = jvm.dll").run("0202", "once");

        assertEquals(List.of(WSAEPROVIDERFAILEDINIT), results(run));
        assertLogged(run, "no class path: set class.path in ");
    }

    @Test
    void environmentWinsOverTheFile() throws Exception {
        Scenario scenario = wine.scenario("env").withJvmDll()
                .cfg("jvm.dll = C:\\nowhere\\jvm.dll", "class.path = C:\\from-file.jar", "jvm.option = -Dfrom=file");
        Run run = scenario.env("JWSP_JVM_DLL", BootstrapWineSession.windowsPath(scenario.dir.resolve("jvm.dll")))
                .env("JWSP_CLASSPATH", "C:\\from-env.jar")
                .env("JWSP_JVM_OPTIONS", "-Dfrom=env \"-Dspaced=a b\"")
                .run("0202", "once");

        assertEquals(List.of(0), results(run), run::toString);
        assertEquals(List.of("-Djava.class.path=C:\\from-env.jar", "--enable-native-access=ALL-UNNAMED", "-Xrs",
                "-Dfrom=file", "-Dfrom=env", "-Dspaced=a b"), options(run));
    }

    @Test
    void javaHomeIsTheFallbackForJvmDll() throws Exception {
        Scenario scenario = wine.scenario("java-home");
        Path javaHome = scenario.dir.resolve("jdk");
        Run run = scenario.withJvmDllAt(javaHome.resolve("bin/server/jvm.dll"))
                .env("JAVA_HOME", BootstrapWineSession.windowsPath(javaHome))
                .env("JWSP_CLASSPATH", "C:\\jwsp\\jwsp.jar").showingDebugOutput()
                .run("0202", "once");

        assertEquals(List.of(0), results(run), run::toString);
        assertTrue(run.debugOutput().getFirst().endsWith("started: created the JVM of "
                + BootstrapWineSession.windowsPath(javaHome) + "\\bin\\server\\jvm.dll"), run::toString);
    }

    @Test
    void aSocketOpenedOnTheStartingThreadDuringJvmStartUpFailsInsteadOfHanging() throws Exception {
        Run run = wine.scenario("reenter").withJvmDll().cfg("jvm.dll = jvm.dll", "class.path = C:\\jwsp\\jwsp.jar")
                .env("FAKEJVM_MODE", "reenter")
                .run("0202", "once");

        assertTrue(run.record().stream().anyMatch(l -> l.endsWith("nested WSPStartup -> " + WSAEPROVIDERFAILEDINIT)),
                run::toString);
        assertLogged(run, "called again on the starting thread while the JVM starts");
        assertEquals(List.of(0), results(run), run::toString);
    }

    @Test
    void aDllOfTheOtherBitnessIsRefusedByTheWindowsLoader() throws Exception {
        assumeTrue(wine.has32BitDll(), "SKIPPED: no 32-bit test DLL (binutils lacks ldscripts/i386pe.xa)");
        // The loader check that refuses the 64-bit jwsp.dll in a 32-bit process, seen from the side
        // Wine here can run (it has no 32-bit processes): a 64-bit process given a 32-bit DLL.
        Run asJwspDll = wine.scenario("bitness-jwsp").with32BitDllAs("jwsp.dll").run("0202", "once");
        assertEquals(3, asJwspDll.exit(), asJwspDll::toString);
        assertEquals(List.of("LOAD error=193"), asJwspDll.out(), asJwspDll::toString);   // ERROR_BAD_EXE_FORMAT

        Run asJvmDll = wine.scenario("bitness-jvm").with32BitDllAs("jvm.dll")
                .cfg("jvm.dll = jvm.dll", "class.path = C:\\jwsp\\jwsp.jar").run("0202", "once");
        assertEquals(List.of(WSAEPROVIDERFAILEDINIT), results(asJvmDll), asJvmDll::toString);
        assertLogged(asJvmDll, "cannot load jvm.dll "
                + BootstrapWineSession.windowsPath(scenarioDir("bitness-jvm").resolve("jvm.dll")) + ": error 193");
    }

    // ---- the checks shared by scenarios ----

    private static Run failing(String name, String mode) throws Exception {
        Run run = wine.scenario(name).withJvmDll().cfg("jvm.dll = jvm.dll", "class.path = C:\\jwsp\\jwsp.jar")
                .env("FAKEJVM_MODE", mode)
                .run("0202", "threads", "2");
        assertEquals(List.of(WSAEPROVIDERFAILEDINIT, WSAEPROVIDERFAILEDINIT, WSAEPROVIDERFAILEDINIT,
                WSAEPROVIDERFAILEDINIT), results(run), run::toString);
        assertEquals(0, run.count("JavaWSPStartup"), run::toString);
        assertTrue(run.record().stream().noneMatch(l -> l.contains("UNEXPECTED")), run::toString);
        return run;
    }

    private static void assertLogged(Run run, String reason) {
        assertTrue(run.log().getFirst().contains(FAILED + reason), run::toString);
        assertTrue(run.log().getFirst().matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z jwsp pid=\\d+ tid=\\d+ .*"), run::toString);
    }

    /** Each CALL reached the fake Java WSPStartup with the same five arguments, and each RESULT is what it wrote. */
    private static void assertForwardedUnchanged(Run run, int calls, int rc) {
        List<Map<String, String>> sent = run.printed("CALL");
        List<Map<String, String>> received = run.recorded("JavaWSPStartup").stream()
                .filter(m -> !m.get("rest").equals("wrote")).toList();
        List<String> wrote = run.record().stream().filter(l -> l.contains(" JavaWSPStartup wrote ")).toList();
        assertEquals(calls, sent.size(), run::toString);
        assertEquals(calls, received.size(), run::toString);
        for (Map<String, String> call : sent) {
            assertTrue(received.stream().anyMatch(r -> r.get("tid").equals(call.get("tid"))
                    && r.get("version").equals(call.get("version")) && r.get("data").equals(call.get("data"))
                    && r.get("info").equals(call.get("info")) && r.get("protocol").equals(call.get("protocol"))
                    && r.get("upcalls").equals(call.get("upcalls")) && r.get("procs").equals(call.get("procs"))),
                    () -> "not forwarded unchanged: " + call + "\n" + run);
        }
        for (Map<String, String> result : run.printed("RESULT")) {
            String written = wrote.stream().filter(l -> l.startsWith("tid=" + result.get("tid") + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no fake result for " + result + "\n" + run));
            Map<String, String> w = Run.fields(written);
            Matcher returned = RETURNS.matcher(written);
            assertTrue(returned.find(), written);
            assertEquals(returned.group(1), result.get("rc"), run::toString);
            assertEquals(String.valueOf(rc), result.get("rc"), run::toString);
            assertEquals(w.get("wVersion"), result.get("wVersion"), run::toString);
            assertEquals(w.get("wHighVersion"), result.get("wHighVersion"), run::toString);
            assertEquals(w.get("desc"), result.get("desc"), run::toString);
            assertEquals(w.get("procs").replaceAll(" -> .*", ""), result.get("procs"), run::toString);
        }
    }

    /** Every thread that called WSPStartup was attached exactly once: by JNI_CreateJavaVM or as a daemon. */
    private static void assertEveryCallerAttached(Run run) {
        Set<String> callers = new HashSet<>();
        run.printed("CALL").forEach(c -> callers.add(c.get("tid")));
        Set<String> creators = new HashSet<>();
        run.recorded("JNI_CreateJavaVM").stream().filter(m -> m.get("rest").equals("-> JNI_OK"))
                .forEach(m -> creators.add(m.get("tid")));
        for (String tid : callers) {
            long daemonAttaches = run.recorded("AttachCurrentThreadAsDaemon").stream()
                    .filter(m -> m.get("tid").equals(tid)).count();
            assertEquals(creators.contains(tid) ? 0 : 1, daemonAttaches, () -> "thread " + tid + "\n" + run);
        }
        assertTrue(callers.size() > 1, run::toString);
        assertEquals(0, run.count("AttachCurrentThread"), run::toString);
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
