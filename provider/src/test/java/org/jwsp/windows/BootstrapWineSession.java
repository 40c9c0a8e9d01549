package org.jwsp.windows;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One Wine session for BootstrapDllWineTest and BootstrapFailOpenWineTest: builds jwsp.dll, the
 * stand-ins (jvm.dll, ws2_32.dll with its catalog, the next provider nextprov.dll), wspcaller.exe
 * and aclcheck.exe with mingw into target/, makes a fresh WINEPREFIX there, keeps one wineserver
 * alive for all scenarios (each scenario is one short wine64 process) and kills it on close.
 * Each scenario's wspcaller writes the scenario's HKLM\SOFTWARE\jwsp before loading jwsp.dll
 * (or deletes the key), and loads the stand-in ws2_32.dll in place of Wine's (ws2_32=n,b).
 *
 * <p>Used by the test's JUnit thread only. Owns target/bootstrap-wine and the wineserver process
 * of its prefix. {@link #unavailable()} says, when wine64 or mingw is missing, what is missing and
 * how to run the test; the test then skips every case with that message.
 */
final class BootstrapWineSession implements AutoCloseable {

    /**
     * The longest one Wine program may take, in seconds ({@code -Djwsp.wine.timeout}, default 180):
     * a run takes about a second on an idle machine, but Wine's start-up has taken over a minute on
     * a loaded one; the bound is there so a hung Wine fails the test instead of the build.
     */
    static final long RUN_SECONDS = Long.getLong("jwsp.wine.timeout", 180);
    /** Creating the prefix (the first run) does much more than a run: at least 240 s, or two runs. */
    private static final long PREFIX_SECONDS = Math.max(240, 2 * RUN_SECONDS);
    /**
     * How long the wineserver outlives its last client: long enough to bridge the other test
     * classes that run between two Wine tests in one JVM (a restarted server would redo the slow
     * start-up), bounded so a JVM that dies without its shutdown hook leaves no server for long.
     */
    private static final long SERVER_PERSIST_SECONDS = 900;

    private final Path root;
    private final Path bin;
    private final Path prefix;
    private final String wine;
    private final String wineserver;
    private final String objdump;

    private BootstrapWineSession(Path root, String wine, String wineserver, String objdump) {
        this.root = root;
        this.bin = root.resolve("bin");
        this.prefix = root.resolve("prefix");
        this.wine = wine;
        this.wineserver = wineserver;
        this.objdump = objdump;
    }

    private static Optional<String> wine64() {
        return onPath("wine64").or(() -> file("/usr/lib/wine/wine64"));
    }

    /** Why the Wine test cannot run on this machine, or null when it can. */
    static String unavailable() {
        boolean wine = wine64().isPresent();
        boolean gcc = onPath("x86_64-w64-mingw32-gcc").isPresent();
        if (wine && gcc) {
            return null;
        }
        return "SKIPPED: " + (wine ? "no x86_64-w64-mingw32-gcc" : "no wine64") + " — BootstrapDllWineTest needs "
                + "wine64 and x86_64-w64-mingw32-gcc (apt-get install wine64 gcc-mingw-w64-x86-64); see docs/BOOTSTRAP.md";
    }

    private static BootstrapWineSession shared;
    private static boolean tried;
    private static Exception failed;

    /**
     * The session every Wine test class of this JVM shares (one prefix, one wineserver: each Wine
     * start costs seconds), opened on first use and closed when the JVM exits; null when
     * {@link #unavailable()} says why Wine tests cannot run here (printed once).
     */
    static synchronized BootstrapWineSession shared() throws Exception {
        if (failed != null) {
            // Not a skip: a later class must fail as loudly as the one whose start-up failed.
            throw new IllegalStateException("Wine did not start for an earlier test class: " + failed.getMessage(), failed);
        }
        if (!tried) {
            tried = true;
            String skipped = unavailable();
            if (skipped != null) {
                System.out.println(skipped);
                System.err.println(skipped);
                return null;
            }
            try {
                shared = open(Path.of("target/bootstrap-wine").toAbsolutePath());
            } catch (Exception | AssertionError e) {
                failed = e instanceof Exception x ? x : new IllegalStateException(e.getMessage(), e);
                throw e;
            }
            BootstrapWineSession session = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    session.close();
                } catch (IOException e) {
                    System.err.println("wineserver -k failed: " + e);
                }
            }));
        }
        return shared;
    }

    /** Builds the programs and starts Wine; call only when {@link #unavailable()} is null. */
    static BootstrapWineSession open(Path root) throws Exception {
        Optional<String> wine = wine64();
        Path wineDir = Path.of(wine.get()).toRealPath().getParent();
        String server = file(wineDir.resolve("wineserver").toString()).or(() -> onPath("wineserver"))
                .or(() -> file("/usr/lib/wine/wineserver")).orElseThrow(() -> new IllegalStateException(
                        "wine64 at " + wine.get() + " but no wineserver"));
        String objdump = onPath("x86_64-w64-mingw32-objdump").orElse("x86_64-w64-mingw32-objdump");
        deleteTree(root);
        Files.createDirectories(root);
        BootstrapWineSession session = new BootstrapWineSession(root, wine.get(), server, objdump);
        session.build();
        session.startServer();
        return session;
    }

    /** Whether build-test.sh could link the 32-bit jvm32.dll (it needs binutils' i386pe script). */
    boolean has32BitDll() {
        return Files.exists(bin.resolve("jvm32.dll"));
    }

    /** Runs aclcheck.exe (the ACL check's unit driver) with args; its one line of output. */
    String aclcheck(String... args) throws Exception {
        Path out = root.resolve("aclcheck.txt");
        List<String> command = new ArrayList<>(List.of(wine, bin.resolve("aclcheck.exe").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile());
        wineEnvironment(pb.environment());
        int exit = exec(pb, RUN_SECONDS, "aclcheck");
        String text = Files.readString(out).strip();
        if (exit != 0) {
            fail("aclcheck " + args[0] + " exit " + exit + ": " + text);
        }
        return text;
    }

    /** Output of the mingw objdump -p for a built file. */
    String objdump(String fileName) throws Exception {
        Path out = root.resolve(fileName + ".objdump.txt");
        exec(new ProcessBuilder(objdump, "-p", bin.resolve(fileName).toString()).redirectOutput(out.toFile()),
                RUN_SECONDS, "objdump");
        return Files.readString(out);
    }

    /**
     * Runs jwsp-admin.exe with the stand-in ws2_32.dll (its catalog lives in that one process);
     * the catalog calls it made are recorded in dir/record.txt. Exit code, stdout, record, stderr.
     */
    Run admin(Path dir, String command) throws Exception {
        Files.createDirectories(dir);
        Files.copy(bin.resolve("jwsp-admin.exe"), dir.resolve("jwsp-admin.exe"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(bin.resolve("ws2_32.dll"), dir.resolve("ws2_32.dll"), StandardCopyOption.REPLACE_EXISTING);
        Path record = dir.resolve("record.txt");
        Files.deleteIfExists(record);
        ProcessBuilder pb = new ProcessBuilder(wine, dir.resolve("jwsp-admin.exe").toString(), command).directory(dir.toFile());
        wineEnvironment(pb.environment());
        pb.environment().put("WINEDLLOVERRIDES", "mscoree,mshtml=;ws2_32=n,b");
        pb.environment().put("FAKEJVM_RECORD", windowsPath(record));
        pb.redirectOutput(dir.resolve("stdout.txt").toFile()).redirectError(dir.resolve("stderr.txt").toFile());
        int exit = exec(pb, RUN_SECONDS, "jwsp-admin " + command);
        return new Run(exit, lines(dir.resolve("stdout.txt")), lines(record), List.of(),
                Files.readString(dir.resolve("stderr.txt")));
    }

    Scenario scenario(String name) throws IOException {
        Path dir = root.resolve("scenarios").resolve(name);
        Files.createDirectories(dir);
        Files.copy(bin.resolve("jwsp.dll"), dir.resolve("jwsp.dll"));
        return new Scenario(this, dir);
    }

    static String windowsPath(Path path) {
        return "Z:" + path.toAbsolutePath().toString().replace('/', '\\');
    }

    private void build() throws Exception {
        Path script = Path.of("src/test/c/bootstrap/build-test.sh").toAbsolutePath();
        exec(new ProcessBuilder("sh", script.toString(), bin.toString())
                .redirectOutput(root.resolve("build.txt").toFile())
                .redirectError(root.resolve("build.err.txt").toFile()), 300, "build-test.sh");
    }

    /**
     * Starts this prefix's one wineserver up front (it exits by itself {@value #SERVER_PERSIST_SECONDS} s
     * after its last client, or at {@link #close()}) and fills the prefix, each within its bound.
     */
    private void startServer() throws Exception {
        ProcessBuilder server = new ProcessBuilder(wineserver, "-p" + SERVER_PERSIST_SECONDS);
        wineEnvironment(server.environment());
        exec(server.redirectOutput(root.resolve("wineserver.txt").toFile()), RUN_SECONDS, "wineserver -p");
        ProcessBuilder first = new ProcessBuilder(wine, bin.resolve("wspcaller.exe").toString());
        wineEnvironment(first.environment());
        first.redirectOutput(root.resolve("prefix-init.txt").toFile())
                .redirectError(root.resolve("prefix-init.err.txt").toFile());
        Process p = first.start();
        if (!p.waitFor(PREFIX_SECONDS, TimeUnit.SECONDS)) {
            stop(p);
            fail("wine did not create its prefix within " + PREFIX_SECONDS + " s" + slowWineHint());
        }
        if (p.exitValue() != 2) {   // wspcaller without arguments prints usage and exits 2
            fail("wine64 could not run wspcaller.exe: exit " + p.exitValue() + ", "
                    + Files.readString(root.resolve("prefix-init.err.txt")));
        }
    }

    void wineEnvironment(Map<String, String> env) {
        env.keySet().removeIf(k -> k.startsWith("JWSP_") || k.startsWith("FAKEJVM_") || k.startsWith("FAKEWS2_")
                || k.startsWith("WSPCALLER_") || k.equals("JAVA_TOOL_OPTIONS") || k.equals("_JAVA_OPTIONS")
                || k.equals("JAVA_HOME") || k.equals("DISPLAY") || k.equals("WAYLAND_DISPLAY"));
        env.put("WINEPREFIX", prefix.toString());
        env.put("WINEDEBUG", "-all");
        env.put("WINEDLLOVERRIDES", "mscoree,mshtml=");
    }

    Run run(Scenario s, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(wine, bin.resolve("wspcaller.exe").toString(),
                windowsPath(s.dir.resolve("jwsp.dll"))));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(s.dir.toFile());
        wineEnvironment(pb.environment());
        // The stand-in ws2_32.dll beside wspcaller.exe, Wine's own for every other program.
        pb.environment().put("WINEDLLOVERRIDES", "mscoree,mshtml=;ws2_32=n,b");
        pb.environment().put("FAKEJVM_RECORD", windowsPath(s.record()));
        pb.environment().put("FAKEWS2_NEXT_DIR", windowsPath(bin));
        if (Files.exists(s.registry())) {
            pb.environment().put("WSPCALLER_REGISTRY", windowsPath(s.registry()));
        }
        pb.environment().putAll(s.env);
        pb.redirectOutput(s.dir.resolve("stdout.txt").toFile()).redirectError(s.dir.resolve("stderr.txt").toFile());
        int exit = exec(pb, RUN_SECONDS, "wspcaller " + args);
        if (exit != 0 && lines(s.dir.resolve("stdout.txt")).isEmpty() && lines(s.record()).isEmpty()) {
            // wspcaller prints "LOAD ..." before anything else: with no line at all, Wine itself did not
            // start it (seen once in many runs: exit 1 after a few ms). That says nothing about jwsp.dll,
            // so start it once more, and say so.
            System.err.println("wine did not start wspcaller " + args + " (exit " + exit + "): "
                    + Files.readString(s.dir.resolve("stderr.txt")).strip() + "; starting it once more");
            exit = exec(pb, RUN_SECONDS, "wspcaller " + args);
        }
        return new Run(exit, lines(s.dir.resolve("stdout.txt")), lines(s.record()),
                lines(s.log()), Files.readString(s.dir.resolve("stderr.txt")));
    }

    @Override
    public void close() throws IOException {
        ProcessBuilder kill = new ProcessBuilder(wineserver, "-k");
        wineEnvironment(kill.environment());
        Process p = kill.redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            if (!p.waitFor(RUN_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int exec(ProcessBuilder pb, long seconds, String what) throws Exception {
        if (pb.redirectError() == ProcessBuilder.Redirect.PIPE) {
            pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        }
        if (pb.redirectOutput() == ProcessBuilder.Redirect.PIPE) {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        Process p = pb.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            stop(p);
            fail(what + " did not finish within " + seconds + " s" + slowWineHint());
        }
        if (what.startsWith("build") && p.exitValue() != 0) {
            fail(what + " failed: exit " + p.exitValue() + "\n" + Files.readString(pb.redirectError().file().toPath()));
        }
        return p.exitValue();
    }

    /** Ends a Wine program that overran its bound, and what it started (wine64 forks the preloader). */
    private static void stop(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    /** Why Wine may be slow here, and what to do about it, for a timeout's message. */
    private static String slowWineHint() {
        String load;
        try {
            load = Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            load = "unknown";
        }
        return " (load average " + load + " on " + Runtime.getRuntime().availableProcessors() + " CPUs): Wine starts"
                + " slowly on a loaded machine; rerun when it is quieter, or wait longer with -Djwsp.wine.timeout=<seconds>"
                + " (now " + RUN_SECONDS + ")";
    }

    static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    }

    private static Optional<String> onPath(String name) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(dir -> Path.of(dir, name)).filter(Files::isExecutable).map(Path::toString).findFirst();
    }

    private static Optional<String> file(String path) {
        return Files.isExecutable(Path.of(path)) ? Optional.of(path) : Optional.empty();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * One folder with its own jwsp.dll copy, optional jvm.dll, jars and log file, the registry
     * configuration its wspcaller writes, the record and the log.
     */
    static final class Scenario {
        private final BootstrapWineSession session;
        final Path dir;
        final Map<String, String> env = new LinkedHashMap<>();

        Scenario(BootstrapWineSession session, Path dir) {
            this.session = session;
            this.dir = dir;
        }

        Scenario withJvmDll() throws IOException {
            return withJvmDllAt(dir.resolve("jvm.dll"));
        }

        Scenario withJvmDllAt(Path target) throws IOException {
            Files.createDirectories(target.getParent());
            Files.copy(session.bin.resolve("jvm.dll"), target);
            return this;
        }

        /** Puts the 32-bit DLL in place of a file of this scenario (jwsp.dll or jvm.dll). */
        Scenario with32BitDllAs(String fileName) throws IOException {
            Files.copy(session.bin.resolve("jvm32.dll"), dir.resolve(fileName), StandardCopyOption.REPLACE_EXISTING);
            return this;
        }

        /** HKLM\\SOFTWARE\\jwsp: lines "sz Name=value" or "multi Name=value" (repeat to add strings). */
        Scenario registry(String... lines) throws IOException {
            Files.writeString(registry(), String.join("\r\n", lines) + "\r\n");
            return this;
        }

        /**
         * What an installer leaves: jvm.dll, jwsp.jar and an empty jwsp.log in this folder, and the
         * registry naming them, with Processes = wspcaller.exe unless an extra line sets Processes;
         * extra lines are added after these.
         */
        Scenario installed(String... extra) throws IOException {
            withJvmDll();
            Files.createFile(dir.resolve("jwsp.jar"));
            Files.createFile(log());
            List<String> lines = new ArrayList<>(List.of("sz JvmDll=" + windowsPath(dir.resolve("jvm.dll")),
                    "sz ClassPath=jwsp.jar", "sz Log=" + windowsPath(log())));
            if (Stream.of(extra).noneMatch(l -> l.startsWith("multi Processes="))) {
                lines.add("multi Processes=wspcaller.exe");
            }
            lines.addAll(List.of(extra));
            return registry(lines.toArray(String[]::new));
        }

        /** Creates an empty file (a jar, a log) at a path relative to this folder. */
        Scenario file(String relative) throws IOException {
            Path file = dir.resolve(relative);
            Files.createDirectories(file.getParent());
            Files.createFile(file);
            return this;
        }

        Scenario env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /** Let Wine print what the DLL sends to OutputDebugString (see {@link Run#debugOutput()}). */
        Scenario showingDebugOutput() {
            return env("WINEDEBUG", "-all,warn+seh");
        }

        Path registry() {
            return dir.resolve("registry.txt");
        }

        Path record() {
            return dir.resolve("record.txt");
        }

        Path log() {
            return dir.resolve("jwsp.log");
        }

        Run run(String... args) throws Exception {
            return session.run(this, List.of(args));
        }
    }

    /** What one wspcaller run printed, what the stand-in JVM recorded and what jwsp.dll logged. */
    record Run(int exit, List<String> out, List<String> record, List<String> log, String stderr) {

        List<Map<String, String>> printed(String kind) {
            return out.stream().filter(l -> l.startsWith(kind + " ")).map(Run::fields).toList();
        }

        List<Map<String, String>> recorded(String call) {
            return record.stream().filter(l -> l.matches("tid=\\d+ " + call + "( .*)?")).map(Run::fields).toList();
        }

        /**
         * What jwsp.dll sent to OutputDebugString, when the scenario ran with WINEDEBUG=-all,warn+seh
         * (Wine prints each as: warn:seh:OutputDebugStringA "text\\r\\n", backslashes doubled).
         */
        List<String> debugOutput() {
            String marker = "warn:seh:OutputDebugStringA \"";
            return stderr.lines().filter(l -> l.contains(marker))
                    .map(l -> l.substring(l.indexOf(marker) + marker.length(), l.lastIndexOf('"')))
                    .map(t -> t.endsWith("\\r\\n") ? t.substring(0, t.length() - 4) : t)
                    .map(t -> t.replace("\\\\", "\\")).toList();
        }

        long count(String call) {
            return recorded(call).size();
        }

        /** "KIND a=1 b=x y c=2" as {kind=KIND, a=1, b=x y, c=2}; "tid=7 Call ..." as {tid=7, call=Call, ...}. */
        static Map<String, String> fields(String line) {
            Map<String, String> map = new LinkedHashMap<>();
            String[] parts = line.split(" (?=[A-Za-z_]+=)");
            String head = parts[0];
            if (head.startsWith("tid=")) {
                String[] t = head.split(" ", 3);
                map.put("tid", t[0].substring(4));
                map.put("call", t.length > 1 ? t[1] : "");
                map.put("rest", t.length > 2 ? t[2] : "");
            } else {
                map.put("kind", head);
            }
            for (int i = 1; i < parts.length; i++) {
                int eq = parts[i].indexOf('=');
                map.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
            }
            return map;
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + String.join("\n", out) + "\n--- record\n"
                    + String.join("\n", record) + "\n--- log\n" + String.join("\n", log) + "\n--- stderr\n" + stderr;
        }
    }
}
