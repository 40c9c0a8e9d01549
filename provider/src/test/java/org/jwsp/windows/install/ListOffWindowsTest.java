package org.jwsp.windows.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Off Windows, {@code jwsp list} lists the catalog of the process's ws2_32 as the kernel port
 * finds it: the Linux host's, when jwsp-host.jar is on the class path. This module's tests run
 * without the host (the provider jar holds none of it), so here the real entry point must say,
 * in one line, what is missing. The listing over the real host is tested in the testsuite
 * ({@code HostCatalogListTest}).
 */
class ListOffWindowsTest {

    @Test
    void listOffWindowsListsTheCatalogItIsGiven() {
        InMemoryCatalog catalog = WindowsCatalogFixture.windows11(Arena.ofAuto());
        InstallerContext linux = new InstallerContext("Linux", "amd64", Map.of(),
                () -> { throw new AssertionError("no Winsock catalog on Linux"); }, () -> catalog);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = new Installer(linux).execute(new String[] {"list"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream()));
        assertEquals(0, exit);
        String listing = out.toString(StandardCharsets.UTF_8);
        assertTrue(listing.contains("Description:                        MSAFD Tcpip [UDP/IPv6]"), listing);
        assertTrue(listing.contains("9 catalog entries; jwsp is not installed"), listing);
    }

    /** The provider jar alone on Linux: no kernel port is registered that runs here. */
    @Test
    @EnabledOnOs(value = OS.LINUX, disabledReason = "on Windows the provider jar's own kernel port runs")
    void listWithoutTheHostNamesTheMissingJarInOneLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Installer.run(new String[] {"list"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String said = err.toString(StandardCharsets.UTF_8);
        assertEquals(InstallerError.NO_HOST_CATALOG.exitCode(), exit, said);
        assertEquals(1, said.strip().lines().count(), said);
        assertTrue(said.contains("jwsp-host.jar"), said);
        assertTrue(said.contains("Windows x64"), "names the kernel port that is registered: " + said);
    }
}
