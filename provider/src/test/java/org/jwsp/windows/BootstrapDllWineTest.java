package org.jwsp.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jwsp.windows.BootstrapWineSession.Run;
import org.jwsp.windows.BootstrapWineSession.Scenario;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * jwsp.dll, the real bootstrap DLL, under Wine, where jwsp runs: wspcaller.exe plays ws2_32
 * (LoadLibrary, GetProcAddress("WSPStartup"), calls from one and several threads) and a stand-in
 * jvm.dll built from provider/src/test/c/bootstrap records every JNI call and hands out a fake
 * Java WSPStartup. Where jwsp must not or cannot run: BootstrapFailOpenWineTest. Each test is one
 * scenario folder (own jwsp.dll copy, jvm.dll, jars, registry configuration, record and log) and
 * one short wine64 process; the prefix and wineserver are shared ({@link BootstrapWineSession#shared}).
 * Skipped, with the reason printed, where wine64 or mingw-w64 is missing.
 */
class BootstrapDllWineTest {

    private static final int WSAVERNOTSUPPORTED = 10092;
    /** The entry line of a JNI_CreateJavaVM call (its options and outcome are further lines). */
    private static final String CREATE = "JNI_CreateJavaVM version=.*";
    private static final Pattern RETURNS = Pattern.compile("-> (-?\\d+)$");

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
    void theDllExportsWSPStartupAndNothingElse() throws Exception {
        String dump = wine.objdump("jwsp.dll");
        String table = dump.substring(dump.indexOf("[Ordinal/Name Pointer] Table"));
        Matcher exports = Pattern.compile("\\[\\s*\\d+] (\\S+)").matcher(table.substring(0, table.indexOf("\n\n")));
        List<String> names = new ArrayList<>();
        while (exports.find()) {
            names.add(exports.group(1));
        }
        assertEquals(List.of("WSPStartup"), names, dump);
        // Only system DLLs: a plain Windows loads it without any runtime installed. ADVAPI32: the
        // registry, ACLs and the event log; WS2_32: the catalog, to pass calls on to the next provider.
        List<String> imports = Pattern.compile("DLL Name: (\\S+)").matcher(dump).results().map(m -> m.group(1)).toList();
        assertEquals(List.of("ADVAPI32.dll", "KERNEL32.dll", "msvcrt.dll", "WS2_32.dll"), imports, dump);

        Run run = wine.scenario("export").installed()
                .run("0202", "once");
        assertTrue(run.out().containsAll(List.of("LOAD ok", "EXPORT WSPStartup=found")), run::toString);
    }

    @Test
    void createsTheJvmOnceAttachesEveryThreadAndForwardsArgumentsAndResultsUnchanged() throws Exception {
        String dllDir = BootstrapWineSession.windowsPath(scenarioDir("create"));
        Run run = wine.scenario("create").file("lib/jwsp-provider.jar").file("api/log4j-api.jar")
                .installed("sz ClassPath=lib\\jwsp-provider.jar;" + dllDir + "\\api\\log4j-api.jar",
                        "multi JvmOptions=-Xmx64m", "multi JvmOptions=-Djwsp.test=a b")
                .env("FAKEJVM_WSP_RESULT", "0").showingDebugOutput()
                .run("0202", "threads", "4");

        assertEquals(0, run.exit(), run::toString);
        assertEquals(1, run.count("JNI_GetCreatedJavaVMs"), run::toString);
        assertEquals(1, run.count(CREATE), run::toString);
        assertTrue(run.record().stream().anyMatch(l -> l.endsWith(
                "JNI_CreateJavaVM version=0x180000 nOptions=5 ignoreUnrecognized=0")), run::toString);
        assertEquals(List.of("-Djava.class.path=" + dllDir + "\\lib\\jwsp-provider.jar;" + dllDir + "\\api\\log4j-api.jar",
                "--enable-native-access=ALL-UNNAMED", "-Xrs", "-Xmx64m", "-Djwsp.test=a b"), options(run));
        assertEquals(1, run.count("CallStaticLongMethod"), run::toString);
        assertForwardedUnchanged(run, 6, 0);
        assertEveryCallerAttached(run);
        // Each of the four threads jwsp attached was detached when it ended (fiber-local callback).
        Set<String> workers = new HashSet<>();
        run.recorded("AttachCurrentThreadAsDaemon").forEach(m -> workers.add(m.get("tid")));
        Set<String> detached = new HashSet<>();
        run.recorded("DetachCurrentThread").stream().filter(m -> m.get("rest").equals("-> JNI_OK"))
                .forEach(m -> detached.add(m.get("tid")));
        assertEquals(4, workers.size(), run::toString);
        assertTrue(detached.containsAll(workers), run::toString);
        // Success goes to the debugger only: no file grows by a line per process that uses Winsock.
        assertEquals(List.of(), run.log(), run::toString);
        assertEquals(1, run.debugOutput().size(), run::toString);
        assertTrue(run.debugOutput().getFirst().endsWith("started: created the JVM of "
                + BootstrapWineSession.windowsPath(scenarioDir("create").resolve("jvm.dll"))), run::toString);
        assertTrue(run.record().stream().noneMatch(l -> l.contains("UNEXPECTED")), run::toString);
    }

    @Test
    void joinsAJvmAlreadyRunningInTheProcess() throws Exception {
        Run run = wine.scenario("join").installed()
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
        String dllDir = BootstrapWineSession.windowsPath(scenarioDir("join-app"));
        Run run = wine.scenario("join-app").file("lib/jwsp-provider.jar").file("api/log4j-api.jar")
                .installed("sz ClassPath=lib\\jwsp-provider.jar;;" + dllDir + "\\api\\log4j-api.jar")
                .env("FAKEJVM_EXISTING", "1").env("FAKEJVM_APP_CLASS_PATH", "1")
                .run("0202", "threads", "1");

        String loader = "URLClassLoader[file:///" + dllDir + "\\lib\\jwsp-provider.jar file:///" + dllDir
                + "\\api\\log4j-api.jar]";
        assertEquals(0, run.count(CREATE), run::toString);
        assertTrue(run.record().stream().anyMatch(l -> l.endsWith(" NewGlobalRef " + loader)), run::toString);
        assertTrue(run.record().stream().anyMatch(l -> l.endsWith(" CallObjectMethod " + loader + ".loadClass")),
                run::toString);
        assertEquals(1, run.count("CallStaticLongMethod"), run::toString);
        assertForwardedUnchanged(run, 3, 0);
        assertEquals(List.of(), run.log(), run::toString);
    }

    @Test
    void freeingAndReloadingTheDllKeepsTheStartedProvider() throws Exception {
        // ws2_32 frees provider DLLs at the last WSACleanup and loads them again at the next use.
        Run run = wine.scenario("reload").installed()
                .run("0202", "reload");

        assertTrue(run.out().containsAll(List.of("FREE ok", "RELOAD ok")), run::toString);
        assertEquals(List.of(0, 0), results(run), run::toString);
        assertEquals(1, run.count("JNI_GetCreatedJavaVMs"), run::toString);
        assertEquals(1, run.count("CallStaticLongMethod"), run::toString);
        assertForwardedUnchanged(run, 2, 0);
    }

    @Test
    void callsDuringStartUpWaitForItAndGetTheSameResult() throws Exception {
        Run run = wine.scenario("race").installed()
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
    void unsupportedVersionIsTheJavaSidesAnswerNotSwallowed() throws Exception {
        Run run = wine.scenario("version").installed()
                .run("0101", "once");

        assertEquals(List.of(WSAVERNOTSUPPORTED), results(run), run::toString);
        assertEquals("0x0101", run.recorded("JavaWSPStartup").getFirst().get("version"), run::toString);
        assertForwardedUnchanged(run, 1, WSAVERNOTSUPPORTED);
    }

    @Test
    void aDllOfTheOtherBitnessIsRefusedByTheWindowsLoader() throws Exception {
        assumeTrue(wine.has32BitDll(), "SKIPPED: no 32-bit test DLL (binutils lacks ldscripts/i386pe.xa)");
        // The loader check that refuses the 64-bit jwsp.dll in a 32-bit process, seen from the side
        // Wine here can run (it has no 32-bit processes): a 64-bit process given a 32-bit DLL.
        Run asJwspDll = wine.scenario("bitness-jwsp").with32BitDllAs("jwsp.dll").run("0202", "once");
        assertEquals(3, asJwspDll.exit(), asJwspDll::toString);
        assertEquals(List.of("LOAD error=193"), asJwspDll.out(), asJwspDll::toString);   // ERROR_BAD_EXE_FORMAT

        // A 32-bit jvm.dll: jwsp passes the call on to the next provider (BootstrapFailOpenWineTest).
        Run asJvmDll = wine.scenario("bitness-jvm").installed().with32BitDllAs("jvm.dll").run("0202", "once");
        assertEquals(List.of(0), results(asJvmDll), asJvmDll::toString);
        assertTrue(asJvmDll.log().getFirst().contains("cannot load jvm.dll "
                + BootstrapWineSession.windowsPath(scenarioDir("bitness-jvm").resolve("jvm.dll")) + ": error 193"),
                asJvmDll::toString);
    }

    // ---- the checks shared by scenarios ----

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
