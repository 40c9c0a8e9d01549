package org.jwsp.windows.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * {@code jwsp list} on Linux with the host on the class path: the installer finds the host's
 * ws2_32 exports through {@code KernelPort.system()} (the host registered by ServiceLoader) and
 * lists its catalog through the same native calls it makes on Windows.
 */
class HostCatalogListTest {

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
