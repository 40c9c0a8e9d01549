package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.UUID;

import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.catalog.InstalledProvider;
import org.jwsp.host.ws2.Ws2;

/**
 * jwsp installed in the Linux host's catalog over the base TCP and UDP (IPv4) entries, and a
 * started {@link Ws2} client: the way {@link HostIntegrationTest} and {@link HostContractTest}
 * drive it. Afterwards the client's WSACleanup must have ended jwsp.
 */
final class OverTheHost {

    private static final String MODULE = "C:\\jwsp\\jwsp.dll";

    interface Body {
        void run(Ws2 ws2, InstalledProvider installed, Arena arena) throws Exception;
    }

    private OverTheHost() {
    }

    static void run(UUID providerId, Body body) throws Exception {
        LayeredProvider.configure(ProviderSettings.defaults().withProviderId(providerId));
        try (Arena arena = Arena.ofShared();
             InstalledProvider installed = Catalog.system().install(MODULE, LayeredProvider.startupStub(), providerId, "jwsp",
                     Catalog.BASE_TCP_V4, Catalog.BASE_UDP_V4);
             Ws2 ws2 = Ws2.startup(Catalog.system())) {
            body.run(ws2, installed, arena);
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
