package org.jwsp.windows.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
 * On Linux, {@code jwsp list} lists the host's catalog, found by name. Until the host branch is
 * merged the class is absent and {@code list} says so with NO_HOST_CATALOG; a class with the
 * hook's shape (this test's {@link FakeHostCatalog}) is loaded and listed.
 */
class HostCatalogHookTest {

    /** The shape the host provides: {@code public static CatalogSource instance()}. */
    public static final class FakeHostCatalog {
        static final InMemoryCatalog CATALOG = WindowsCatalogFixture.windows11(Arena.ofAuto());

        public static CatalogSource instance() {
            return CATALOG;
        }
    }

    /** A class with the right name shape but the wrong result. */
    public static final class NotACatalog {
        public static Object instance() {
            return "no";
        }
    }

    @Test
    void aClassWithTheHooksShapeIsTheCatalog() {
        assertSame(FakeHostCatalog.CATALOG, HostCatalogHook.load(FakeHostCatalog.class.getName()));
    }

    @Test
    void anAbsentOrWrongHookIsNoHostCatalogNamingTheClass() {
        InstallerFailure absent = assertThrows(InstallerFailure.class, () -> HostCatalogHook.load("org.jwsp.host.catalog.Nope"));
        assertEquals(InstallerError.NO_HOST_CATALOG, absent.error());
        assertTrue(absent.getMessage().contains("org.jwsp.host.catalog.Nope"));
        InstallerFailure wrong = assertThrows(InstallerFailure.class, () -> HostCatalogHook.load(NotACatalog.class.getName()));
        assertTrue(wrong.getMessage().contains("not a CatalogSource"), wrong.getMessage());
    }

    @Test
    void listOffWindowsListsTheHostsCatalog() {
        InstallerContext linux = new InstallerContext("Linux", "amd64", Map.of(),
                () -> { throw new AssertionError("no Winsock catalog on Linux"); },
                () -> HostCatalogHook.load(FakeHostCatalog.class.getName()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = new Installer(linux).execute(new String[] {"list"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream()));
        assertEquals(0, exit);
        String listing = out.toString(StandardCharsets.UTF_8);
        assertTrue(listing.contains("Description:                        MSAFD Tcpip [UDP/IPv6]"), listing);
        assertTrue(listing.contains("9 catalog entries; jwsp is not installed"), listing);
    }

    /** This machine, through the real entry point: on Linux, the host's catalog, read through its ws2_32 exports. */
    @Test
    @EnabledOnOs(value = OS.LINUX, disabledReason = "lists the Linux host's catalog; on Windows list reads the real Winsock catalog")
    void listOnThisMachineListsTheHostsCatalog() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Installer.run(new String[] {"list"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
        String listing = out.toString(StandardCharsets.UTF_8);
        assertTrue(listing.contains("MSAFD Tcpip [TCP/IP]"), listing);
        assertTrue(listing.contains("MSAFD Tcpip [UDP/IPv6]"), listing);
        assertTrue(listing.contains("catalog entries; jwsp is not installed"), listing);
    }
}
