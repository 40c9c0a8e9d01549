package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.windows.install.InstalledLayer;
import org.jwsp.windows.install.LayeredInstall;
import org.jwsp.windows.install.ProviderId;
import org.jwsp.windows.install.Ws2CatalogExports;

/**
 * jwsp installed in the Linux host's catalog the way {@code jwsp install} installs it on Windows
 * ({@link LayeredInstall#jwsp}: over the base TCP and UDP entries of IPv4 and IPv6, through the
 * host's ws2_32 catalog exports), its {@code WSPStartup} registered as the module's export, and a
 * started {@link Ws2} client: the way {@link HostIntegrationTest} and {@link HostContractTest} drive
 * it. Afterwards the client's WSACleanup must have ended jwsp, and the events of
 * {@link #overlapped} are closed.
 */
final class OverTheHost {

    private static final String MODULE = "C:\\jwsp\\jwsp.dll";

    interface Body {
        void run(Ws2 ws2, InstalledLayer installed, Arena arena) throws Exception;
    }

    /** Events {@link #overlapped} made during the current {@link #run}. */
    private static final List<Long> EVENTS = new CopyOnWriteArrayList<>();

    private OverTheHost() {
    }

    static void run(Body body) throws Exception {
        run(s -> s, false, body);
    }

    /** {@link #run(Body)} with settings changed from the defaults. */
    static void run(UnaryOperator<ProviderSettings> settings, Body body) throws Exception {
        run(settings, false, body);
    }

    /**
     * jwsp installed with its own GUIDs over the IPv4 TCP and UDP bases only: an IPv6 socket is
     * then the base provider's alone, so one test can play a program both through jwsp and
     * without it.
     */
    static void runOverIpv4Only(Body body) throws Exception {
        run(s -> s, true, body);
    }

    private static void run(UnaryOperator<ProviderSettings> settings, boolean ipv4Only, Body body) throws Exception {
        LayeredProvider.configure(settings.apply(ProviderSettings.defaults()));
        LinuxKernelPort.instance().registerExport(MODULE, "WSPStartup", LayeredProvider.startupStub());
        try (Arena arena = Arena.ofShared();
             InstalledLayer installed = ipv4Only
                     ? LayeredInstall.install(Ws2CatalogExports.ofThisProcess(), ProviderId.JWSP_LAYERED, ProviderId.JWSP_CHAINS,
                             MODULE, "jwsp", Catalog.BASE_TCP_V4, Catalog.BASE_UDP_V4)
                     : LayeredInstall.jwsp(Ws2CatalogExports.ofThisProcess(), MODULE, "jwsp");
             Ws2 ws2 = Ws2.startup(Catalog.system())) {
            try {
                body.run(ws2, installed, arena);
            } finally {
                for (long event : EVENTS) {
                    ws2.closeEvent(event);
                }
                EVENTS.clear();
            }
        } finally {
            LinuxKernelPort.instance().unregisterModule(MODULE);
        }
        assertFalse(LayeredProvider.started(), "WSACleanup ended jwsp");
    }

    /** An OVERLAPPED with a fresh event from the client; the event is closed when {@link #run} ends (do not close it). */
    static MemorySegment overlapped(Ws2 ws2, Arena arena) {
        MemorySegment ov = arena.allocate(OVERLAPPED.layout());
        long event = ws2.createEvent();
        EVENTS.add(event);
        OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(event));
        return ov;
    }
}
