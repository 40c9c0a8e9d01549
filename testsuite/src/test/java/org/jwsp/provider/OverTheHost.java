package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.windows.install.InstalledLayer;
import org.jwsp.windows.install.LayeredInstall;
import org.jwsp.windows.install.Ws2CatalogExports;

/**
 * jwsp installed in the Linux host's catalog the way {@code jwsp install} installs it on Windows
 * ({@link LayeredInstall#jwsp}: over the base TCP and UDP entries of IPv4 and IPv6, through the
 * host's ws2_32 catalog exports), its {@code WSPStartup} registered as the module's export, and a
 * started {@link Ws2} client: the way {@link HostIntegrationTest} and {@link HostContractTest} drive
 * it. Afterwards the client's WSACleanup must have ended jwsp.
 */
final class OverTheHost {

    private static final String MODULE = "C:\\jwsp\\jwsp.dll";

    interface Body {
        void run(Ws2 ws2, InstalledLayer installed, Arena arena) throws Exception;
    }

    private OverTheHost() {
    }

    static void run(Body body) throws Exception {
        LayeredProvider.configure(ProviderSettings.defaults());
        LinuxKernelPort.instance().registerExport(MODULE, "WSPStartup", LayeredProvider.startupStub());
        try (Arena arena = Arena.ofShared();
             InstalledLayer installed = LayeredInstall.jwsp(Ws2CatalogExports.ofThisProcess(), MODULE, "jwsp");
             Ws2 ws2 = Ws2.startup(Catalog.system())) {
            body.run(ws2, installed, arena);
        } finally {
            LinuxKernelPort.instance().unregisterModule(MODULE);
        }
        assertFalse(LayeredProvider.started(), "WSACleanup ended jwsp");
    }

    /** An OVERLAPPED with a fresh event from the client. */
    static MemorySegment overlapped(Ws2 ws2, Arena arena) {
        MemorySegment ov = arena.allocate(OVERLAPPED.layout());
        OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(ws2.createEvent()));
        return ov;
    }
}
