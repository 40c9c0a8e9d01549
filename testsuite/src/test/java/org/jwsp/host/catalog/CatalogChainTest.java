package org.jwsp.host.catalog;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.kernel.KernelPort;
import org.jwsp.windows.install.InstalledLayer;
import org.jwsp.windows.install.LayeredInstall;
import org.jwsp.windows.install.ProviderId;
import org.jwsp.windows.install.Ws2CatalogExports;

/**
 * Installing a layered provider with the installer's own code ({@link LayeredInstall}, through the
 * host's ws2_32 catalog exports) and driving its chain through {@link Ws2}, as a Windows program would.
 */
class CatalogChainTest {

    static final String MODULE = "C:\\test\\counting-layer.dll";

    @Test
    void baseEntriesAreThereInOrder() {
        Catalog c = Catalog.system();
        CatalogEntry tcp = c.entry(Catalog.BASE_TCP_V4);
        assertEquals(BASE_PROTOCOL(), tcp.chainLength());
        assertEquals(AF_INET(), tcp.addressFamily());
        assertEquals(IPPROTO_TCP(), tcp.protocol());
        assertEquals(Catalog.BASE_PROVIDER_ID, tcp.providerId());
        assertEquals("MSAFD Tcpip [TCP/IP]", tcp.name());
        assertEquals(AF_INET6(), c.entry(Catalog.BASE_UDP_V6).addressFamily());
    }

    /** The counting layer over {@code over}, installed by the installer's code through the host's catalog exports. */
    static InstalledLayer installCountingLayer(String module, CountingLayer layer, String name, int... over) {
        LinuxKernelPort.instance().registerExport(module, "WSPStartup", layer.startup);
        return LayeredInstall.install(Ws2CatalogExports.ofThisProcess(), new ProviderId(UUID.randomUUID()),
                new ProviderId(UUID.randomUUID()), module, name, over);
    }

    @Test
    void anInstalledChainIsChosenLoadedThroughItsWspStartupAndForwardsToTheBase() {
        try (Arena arena = Arena.ofShared()) {
            CountingLayer layer = new CountingLayer(arena);
            int layeredId;
            try (InstalledLayer installed = installCountingLayer(MODULE, layer, "counting layer", Catalog.BASE_TCP_V4)) {
                assertEquals(layer.startup.address(), KernelPort.system().procAddress(MODULE, "WSPStartup").address());
                CatalogEntry chain = Catalog.system().entry(installed.chainOver(Catalog.BASE_TCP_V4));
                assertEquals(2, chain.chainLength());
                assertEquals(installed.layeredCatalogId(), chain.chainEntry(0));
                assertEquals(Catalog.BASE_TCP_V4, chain.chainEntry(1));
                layeredId = installed.layeredCatalogId();
                CatalogEntry layered = Catalog.system().entry(layeredId);
                assertTrue(layered.hidden());
                assertEquals(LAYERED_PROTOCOL(), layered.chainLength());
                assertEquals(MODULE, layered.modulePath());
                try (Ws2 ws2 = Ws2.startup(Catalog.system())) {
                    assertSame(chain, ws2.choose(AF_INET(), SOCK_STREAM(), IPPROTO_TCP()));
                    assertEquals(Catalog.BASE_TCP_V6, ws2.choose(AF_INET6(), SOCK_STREAM(), 0).catalogEntryId(), "not layered");
                    try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                        assertSame(chain, ws2.provider(p.client()).entry());
                        MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                        for (int i = 0; i < 3; i++) {
                            assertEquals(0, ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 512, i)), 1, sent, 0,
                                    MemorySegment.NULL, MemorySegment.NULL));
                            MemorySegment got = arena.allocate(512);
                            assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
                            Buffers.assertPattern(got, i);
                        }
                        assertEquals(3, layer.sends.get(), "every WSASend went through the layer's WSPSend");
                    }
                }
            } finally {
                LinuxKernelPort.instance().unregisterModule(MODULE);
            }
            assertNull(Catalog.system().entry(layeredId), "uninstalled");
            try (Ws2 ws2 = Ws2.startup(Catalog.system())) {
                assertEquals(Catalog.BASE_TCP_V4, ws2.choose(AF_INET(), SOCK_STREAM(), 0).catalogEntryId());
            }
        }
    }

    @Test
    void aProviderWhoseModuleIsMissingFailsToInitialise() {
        try (Arena arena = Arena.ofShared()) {
            CountingLayer layer = new CountingLayer(arena);
            InstalledLayer installed = installCountingLayer("C:\\test\\gone.dll", layer, "gone", Catalog.BASE_UDP_V4);
            int layeredId = installed.layeredCatalogId();
            // the module disappears behind the catalog's back, as a deleted DLL would
            LinuxKernelPort.instance().unregisterModule("C:\\test\\gone.dll");
            try (Ws2 ws2 = Ws2.startup(Catalog.system())) {
                assertEquals(INVALID_SOCKET(), ws2.socket(AF_INET(), SOCK_DGRAM(), 0, 0));
                assertEquals(WSAEPROVIDERFAILEDINIT(), ws2.lastError());
            } finally {
                installed.close();
            }
            assertNull(Catalog.system().entry(layeredId));
        }
    }
}
