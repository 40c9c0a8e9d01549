package org.jwsp.host.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.provider.LayeredProvider;
import org.jwsp.provider.ProviderSettings;
import org.jwsp.provider.filter.SendFilter;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;
import org.jwsp.windows.install.InstalledLayer;
import org.jwsp.windows.install.LayeredInstall;
import org.jwsp.windows.install.ProviderId;
import org.jwsp.windows.install.Ws2CatalogExports;

/**
 * jwsp anywhere in a protocol chain: another layered provider ({@link CountingLayer}) installed
 * above jwsp ({@code [counter, jwsp, base]}) or below it ({@code [jwsp, counter, base]}); each finds
 * its own layered entry in the chain and loads the one after it, and data moves both ways through
 * all three. (jwsp used to take {@code ChainEntries[1]}: above, that is jwsp itself, and its
 * WSPStartup re-entered itself until the stack ran out.) Both are installed by the installer's code
 * ({@link LayeredInstall}) through the host's catalog exports.
 */
class ChainPositionTest {

    private static final String JWSP_MODULE = "C:\\jwsp\\jwsp.dll";
    private static final String COUNTER_MODULE = "C:\\test\\counter-in-chain.dll";
    private static final UUID JWSP = UUID.fromString("3b0f6a1e-7d2c-4e59-a1b3-5c6d7e8f9a01");
    private static final UUID COUNTER = UUID.fromString("3b0f6a1e-7d2c-4e59-a1b3-5c6d7e8f9a02");

    /** jwsp's WSPStartup as {@code JWSP_MODULE}'s export, installed under {@link #JWSP} over {@code over}. */
    private static InstalledLayer installJwsp(int over) {
        LinuxKernelPort.instance().registerExport(JWSP_MODULE, "WSPStartup", LayeredProvider.startupStub());
        return LayeredInstall.install(Ws2CatalogExports.ofThisProcess(), new ProviderId(JWSP), new ProviderId(UUID.randomUUID()),
                JWSP_MODULE, "jwsp", over);
    }

    private static void unregisterModules() {
        LinuxKernelPort.instance().unregisterModule(JWSP_MODULE);
        LinuxKernelPort.instance().unregisterModule(COUNTER_MODULE);
    }

    @Test
    void aLayerAboveJwsp_startsJwspWhichLoadsTheBase_andSendsPassThroughBoth() {
        AtomicInteger filtered = new AtomicInteger();
        LayeredProvider.configure(ProviderSettings.defaults().withProviderId(JWSP).withFilter(send -> {
            filtered.incrementAndGet();
            return SendFilter.PASS;
        }));
        try (Arena arena = Arena.ofShared()) {
            CountingLayer counter = new CountingLayer(arena, COUNTER);
            try (InstalledLayer jwsp = installJwsp(Catalog.BASE_TCP_V4);
                 InstalledLayer above = CatalogChainTest.installCountingLayer(COUNTER_MODULE, counter, "counter",
                         jwsp.chainOver(Catalog.BASE_TCP_V4))) {
                CatalogEntry chain = Catalog.system().entry(above.chainOver(jwsp.chainOver(Catalog.BASE_TCP_V4)));
                assertEquals(3, chain.chainLength());
                assertEquals(above.layeredCatalogId(), chain.chainEntry(0));
                assertEquals(jwsp.layeredCatalogId(), chain.chainEntry(1));
                assertEquals(Catalog.BASE_TCP_V4, chain.chainEntry(2));
                exchange(chain, counter, filtered, arena);
            }
        } finally {
            unregisterModules();
            LayeredProvider.configure(ProviderSettings.defaults());
        }
        assertFalse(LayeredProvider.started(), "WSACleanup ended jwsp");
    }

    @Test
    void aLayerBelowJwsp_isJwspsNextProvider_andLoadsTheBase_andSendsPassThroughBoth() {
        AtomicInteger filtered = new AtomicInteger();
        LayeredProvider.configure(ProviderSettings.defaults().withProviderId(JWSP).withFilter(send -> {
            filtered.incrementAndGet();
            return SendFilter.PASS;
        }));
        try (Arena arena = Arena.ofShared()) {
            CountingLayer counter = new CountingLayer(arena, COUNTER);
            try (InstalledLayer below = CatalogChainTest.installCountingLayer(COUNTER_MODULE, counter, "counter", Catalog.BASE_TCP_V4);
                 InstalledLayer jwsp = installJwsp(below.chainOver(Catalog.BASE_TCP_V4))) {
                CatalogEntry chain = Catalog.system().entry(jwsp.chainOver(below.chainOver(Catalog.BASE_TCP_V4)));
                assertEquals(3, chain.chainLength());
                assertEquals(jwsp.layeredCatalogId(), chain.chainEntry(0));
                assertEquals(below.layeredCatalogId(), chain.chainEntry(1));
                exchange(chain, counter, filtered, arena);
            }
        } finally {
            unregisterModules();
            LayeredProvider.configure(ProviderSettings.defaults());
        }
        assertFalse(LayeredProvider.started(), "WSACleanup ended jwsp");
    }

    /** Three messages each way over a loopback pair made through the chain; both layers count every send. */
    private static void exchange(CatalogEntry chain, CountingLayer counter, AtomicInteger filtered, Arena arena) {
        try (Ws2 ws2 = Ws2.startup(Catalog.system())) {
            assertSame(chain, ws2.choose(AF_INET(), SOCK_STREAM(), IPPROTO_TCP()));
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                assertSame(chain, ws2.provider(p.client()).entry());
                assertTrue(LayeredProvider.openSockets() >= 3, "the listener, client and server are jwsp's");
                MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                for (int i = 0; i < 6; i++) {
                    long from = i % 2 == 0 ? p.client() : p.server();
                    long to = i % 2 == 0 ? p.server() : p.client();
                    assertEquals(0, ws2.send(from, Buffers.wsabuf(arena, Buffers.pattern(arena, 1024, i)), 1, sent, 0,
                            MemorySegment.NULL, MemorySegment.NULL), () -> "send: " + ws2.lastError());
                    MemorySegment got = arena.allocate(1024);
                    assertTrue(Buffers.receiveFully(ws2, to, got, arena));
                    Buffers.assertPattern(got, i);
                }
                assertEquals(6, counter.sends.get(), "every send went through the other layer");
                assertEquals(6, filtered.get(), "every send went through jwsp's filter");
            }
        }
    }
}
