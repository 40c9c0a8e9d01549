package org.jwsp.windows.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installer's command line as a user meets it: {@code --help} lists every option of every
 * command and the exit codes, options take one syntax ({@code --dll <path>} or {@code --dll=<path>}),
 * {@code list --brief} is one line per entry, and a wrong flag is one line and exit code 2 without
 * touching the catalog. Over an in-memory Windows 11 catalog.
 */
class InstallerCommandLineTest {

    @TempDir
    Path dir;
    private Arena arena;
    private InMemoryCatalog catalog;
    private boolean touched;
    @TempDir
    Path jdkDir;
    private String jdk;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void windowsMachine() throws IOException {
        jdk = SafeFiles.jdk(jdkDir);
        arena = Arena.ofConfined();
        catalog = WindowsCatalogFixture.windows11(arena);
    }

    @AfterEach
    void release() {
        catalog.close();
        arena.close();
    }

    private int jwsp(String... args) {
        InstallerContext windows = new InstallerContext("Windows 11", "amd64", Map.of(), () -> {
            touched = true;
            return catalog;
        }, () -> {
            throw new AssertionError("the host catalog is not used on Windows");
        }, () -> SafeFiles.ALL, jdk);
        out.reset();
        err.reset();
        touched = false;
        return new Installer(windows).execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsEveryCommandEveryOptionAndTheExitCodes() {
        for (String[] help : new String[][] {{"--help"}, {"-h"}}) {
            assertEquals(0, jwsp(help));
            String text = out();
            for (String option : new String[] {"install", "uninstall", "list", "--dll=<path>", "--name=<name>", "--brief",
                    "--help", "--version", "JWSP_DLL"}) {
                assertTrue(text.contains(option), option + " in\n" + text);
            }
            for (InstallerError e : InstallerError.values()) {
                assertTrue(text.contains(e.exitCode() + " " + (e.exitCode() < 10 ? "  " : " ") + e.meaning()), e + " in\n" + text);
            }
            assertEquals("", err());
            assertTrue(!touched, "help reads no catalog");
        }
        assertEquals(0, jwsp("install", "--help"));
        assertTrue(out().contains("--dll=<path>") && !out().contains("--brief"), out());
        assertEquals(0, jwsp("--version"));
        assertTrue(out().startsWith("jwsp installer"), out());
    }

    @Test
    void anOptionTakesItsValueEitherWay() throws IOException {
        String dll = PeFiles.x64Dll(dir).toString();
        assertEquals(0, jwsp("install", "--dll=" + dll, "--name=meter"), err());
        assertEquals("meter over [MSAFD Tcpip [TCP/IP]]", ProtocolInfo.name(catalog.entries().getFirst()));
        assertEquals(0, jwsp("uninstall"));
        assertEquals(0, jwsp("install", "--name", "meter", "--dll", dll), err());
        assertEquals("meter over [MSAFD Tcpip [TCP/IP]]", ProtocolInfo.name(catalog.entries().getFirst()));
    }

    @Test
    void aWrongFlagIsOneMessageExitTwoAndNoCatalogCall() {
        for (String[] args : new String[][] {{"list", "--breif"}, {"--dll"}, {"install", "-x"}, {"lst"}, {"install", "--dll"},
                {"list", "--dll=x"}, {"uninstall", "extra"}}) {
            assertEquals(InstallerError.USAGE.exitCode(), jwsp(args), String.join(" ", args) + ": " + err());
            String first = err().lines().findFirst().orElseThrow();
            assertTrue(first.startsWith("jwsp") && first.contains(": usage: "), first);
            assertTrue(err().contains("'jwsp --help' lists every option"), err());
            assertEquals(2, err().strip().lines().count(), "a reason and the synopsis: " + err());
            assertTrue(!touched, "no catalog call for " + String.join(" ", args));
        }
        jwsp("list", "--breif");
        assertTrue(err().contains("unknown option '--breif' (did you mean '--brief'?)"), err());
        jwsp("list", "--dll=x");
        assertTrue(err().contains("--dll applies to install only"), err());
    }

    @Test
    void listBriefIsOneLinePerEntryWithIdChainFlagsAndPath() throws IOException {
        String dll = PeFiles.x64Dll(dir).toString();
        assertEquals(0, jwsp("install", "--dll", dll));
        assertEquals(0, jwsp("list", "--brief"));
        String[] lines = out().strip().split("\n");
        assertTrue(lines[0].startsWith("ID") && lines[0].contains("Chain") && lines[0].contains("Path"), lines[0]);
        assertEquals(1 + 14 + 2, lines.length, out()); // header, entries, blank line, summary
        assertTrue(lines[1].contains("chain") && lines[1].contains(dll) && lines[1].contains("jwsp over [MSAFD Tcpip [TCP/IP]]"),
                lines[1]);
        int layered = JwspEntries.in(catalog.entries().toArray(new java.lang.foreign.MemorySegment[0])).layeredCatalogId();
        assertTrue(lines[1].contains(layered + ":"), "the chain starts with jwsp's layered id: " + lines[1]);
        assertTrue(lines[lines.length - 1].contains("jwsp is installed (5 entries)"), out());
    }
}
