package org.jwsp.host.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.host.base.BaseProvider;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.provider.LayeredProvider;
import org.jwsp.provider.ProviderSettings;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;
import org.jwsp.windows.install.InstalledLayer;
import org.jwsp.windows.install.Installer;
import org.jwsp.windows.install.InstallerContext;
import org.jwsp.windows.install.InstallerError;
import org.jwsp.windows.install.LayeredInstall;
import org.jwsp.windows.install.LspCategories;
import org.jwsp.windows.install.ProviderId;
import org.jwsp.windows.install.Ws2CatalogExports;

/**
 * {@code jwsp install | list | uninstall} on the Linux host: the installer's command line, with the
 * context of this JVM, writes the host's catalog through its ws2_32 exports, by the same code that
 * writes Windows' catalog. Checks the catalog after each step, and that a socket a program opens
 * after the install goes through jwsp.
 */
class HostInstallerTest {

    private static final String MODULE = "C:\\Program Files\\jwsp\\jwsp.dll";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void registerJwspsModule() {
        LayeredProvider.configure(ProviderSettings.defaults());
        LinuxKernelPort.instance().registerExport(MODULE, "WSPStartup", LayeredProvider.startupStub());
    }

    @AfterEach
    void forgetIt() {
        LinuxKernelPort.instance().unregisterModule(MODULE);
    }

    private int jwsp(String... args) {
        out.reset();
        err.reset();
        return Installer.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private static List<Integer> order() {
        return Catalog.system().entries().stream().map(CatalogEntry::catalogEntryId).toList();
    }

    private static int serviceFlags(CatalogEntry e) {
        return WSAPROTOCOL_INFOW.dwServiceFlags1(e.protocolInfo());
    }

    @Test
    void installListUninstallThroughTheInstallerAndASocketGoesThroughJwsp() throws Exception {
        List<Integer> before = order();
        assertEquals(0, jwsp("install", "--dll", MODULE), err.toString(StandardCharsets.UTF_8));
        assertTrue(out().contains("jwsp installed from " + MODULE), out());

        List<CatalogEntry> entries = Catalog.system().entries();
        assertEquals(before.size() + 5, entries.size());
        CatalogEntry layered = entries.getLast();
        assertEquals(LAYERED_PROTOCOL(), layered.chainLength());
        assertTrue(layered.hidden());
        assertEquals(ProviderId.JWSP_LAYERED.uuid(), layered.providerId());
        int[] bases = {Catalog.BASE_TCP_V4, Catalog.BASE_UDP_V4, Catalog.BASE_TCP_V6, Catalog.BASE_UDP_V6};
        for (int k = 0; k < bases.length; k++) {
            CatalogEntry chain = entries.get(k);
            CatalogEntry base = Catalog.system().entry(bases[k]);
            assertEquals(ProviderId.JWSP_CHAINS.uuid(), chain.providerId(), "the chains come first, in base order");
            assertEquals(2, chain.chainLength());
            assertEquals(layered.catalogEntryId(), chain.chainEntry(0));
            assertEquals(bases[k], chain.chainEntry(1));
            assertEquals(serviceFlags(base) & ~XP1_IFS_HANDLES(), serviceFlags(chain));
            assertEquals("jwsp over [" + base.name() + "]", chain.name());
            assertEquals(MODULE, chain.modulePath());
        }
        assertEquals(before, entries.subList(4, entries.size() - 1).stream().map(CatalogEntry::catalogEntryId).toList(),
                "the other entries keep their order");

        assertEquals(0, jwsp("list"));
        assertTrue(out().contains("jwsp is installed (5 entries)"), out());
        assertTrue(out().contains("jwsp over [MSAFD Tcpip [TCP/IP]]"), out());
        assertTrue(out().contains(MODULE), out());
        assertEquals(5, out().split("LSP Categories:                     0x00000021 \\(LSP_INSPECTOR \\| LSP_OUTBOUND_MODIFY\\)\n", -1).length - 1,
                "jwsp's five entries show its categories, read back with WSCGetProviderInfo: " + out());
        assertEquals(0, jwsp("list", "--brief"));
        List<String> jwspRows = out().lines().filter(l -> l.contains(MODULE)).toList();
        assertEquals(5, jwspRows.size(), out());
        jwspRows.forEach(row -> assertTrue(row.contains("  0x00000021  "), row));
        assertTrue(out().lines().filter(l -> l.contains("MSAFD Tcpip [TCP/IP]") && !l.contains("jwsp over")).allMatch(l -> l.contains("  -  ")),
                "a base entry has no categories: " + out());

        try (Arena arena = Arena.ofShared(); Ws2 ws2 = Ws2.startup(Catalog.system());
             Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            assertEquals(entries.getFirst().catalogEntryId(), ws2.provider(p.client()).entry().catalogEntryId());
            assertTrue(LayeredProvider.started(), "the chain's WSPStartup was jwsp's");
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 4096, 7)), 1, sent, 0,
                    MemorySegment.NULL, MemorySegment.NULL));
            MemorySegment got = arena.allocate(4096);
            assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
            Buffers.assertPattern(got, 7);
        }
        assertFalse(LayeredProvider.started(), "WSACleanup ended jwsp");

        assertEquals(0, jwsp("uninstall"), err.toString(StandardCharsets.UTF_8));
        assertEquals("jwsp uninstalled: 5 catalog entries removed", out().strip());
        assertEquals(before, order(), "the catalog is as it was");
        assertEquals(0, jwsp("list"));
        assertTrue(out().contains("jwsp is not installed"), out());
    }

    @Test
    void aChainOverAnIfsBaseDropsXp1IfsHandles() {
        // A base entry as MSAFD's are on Windows (IFS handles), first in the catalog: jwsp layers over it.
        UUID ifsBase = UUID.randomUUID();
        List<Integer> before = order();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = WSAPROTOCOL_INFOW.allocate(arena).copyFrom(Catalog.system().entry(Catalog.BASE_TCP_V4).protocolInfo());
            WSAPROTOCOL_INFOW.dwServiceFlags1(info, WSAPROTOCOL_INFOW.dwServiceFlags1(info) | XP1_IFS_HANDLES());
            assertEquals(0, CatalogCalls.install(ifsBase, BaseProvider.MODULE, info, 1, arena));
        }
        int ifsId = Catalog.system().entries().getLast().catalogEntryId();
        try {
            int[] ifsFirst = java.util.stream.IntStream.concat(java.util.stream.IntStream.of(ifsId),
                    before.stream().mapToInt(Integer::intValue)).toArray();
            assertEquals(0, CatalogCalls.writeOrder(ifsFirst));
            try (InstalledLayer jwsp = LayeredInstall.jwsp(Ws2CatalogExports.ofThisProcess(), MODULE, "jwsp")) {
                CatalogEntry chain = Catalog.system().entry(jwsp.chainOver(ifsId));
                assertNotEquals(0, serviceFlags(Catalog.system().entry(ifsId)) & XP1_IFS_HANDLES());
                assertEquals(0, serviceFlags(chain) & XP1_IFS_HANDLES(), "jwsp's sockets are not IFS handles");
                assertEquals(0, serviceFlags(Catalog.system().entry(jwsp.layeredCatalogId())) & XP1_IFS_HANDLES());
                assertEquals(-1, jwsp.chainOver(Catalog.BASE_TCP_V4), "one chain per protocol, over the first base");
            }
        } finally {
            try (Arena arena = Arena.ofConfined()) {
                assertEquals(0, CatalogCalls.deinstall(ifsBase, arena));
            }
        }
        assertEquals(before, order());
    }

    /**
     * A layered provider over jwsp's chain (a three-link chain): uninstall takes jwsp out of its
     * chain instead of refusing, leaves it first in the order, and a socket opened afterwards goes
     * through that provider straight to the base, with working sends.
     */
    @Test
    void uninstallRepairsAProviderLayeredOverJwspsChainAndItsSocketsStillWork() {
        try (Arena arena = Arena.ofShared()) {
            List<Integer> before = order();
            assertEquals(0, jwsp("install", "--dll", MODULE));
            int jwspTcp = Catalog.system().entries().getFirst().catalogEntryId();
            String module = "C:\\test\\over-jwsp.dll";
            CountingLayer layer = new CountingLayer(arena);
            try (InstalledLayer above = CatalogChainTest.installCountingLayer(module, layer, "above", jwspTcp)) {
                CatalogEntry chain = Catalog.system().entry(above.chainOver(jwspTcp));
                assertEquals(List.of(above.layeredCatalogId(), Catalog.system().entry(jwspTcp).chainEntry(0),
                        Catalog.BASE_TCP_V4), List.of(chain.chainEntry(0), chain.chainEntry(1), chain.chainEntry(2)));
                UUID aboveChains = chain.providerId();

                assertEquals(0, jwsp("uninstall"), err.toString(StandardCharsets.UTF_8));
                assertTrue(out().contains("repaired"), out());
                assertTrue(Catalog.system().entries().stream().noneMatch(e -> e.modulePath().equals(MODULE)), "nothing of jwsp left");
                CatalogEntry repaired = Catalog.system().entries().getFirst();
                assertEquals(aboveChains, repaired.providerId(), "the repaired chain keeps its GUID and its place, first");
                assertEquals(module, repaired.modulePath());
                assertEquals(2, repaired.chainLength());
                assertEquals(above.layeredCatalogId(), repaired.chainEntry(0));
                assertEquals(Catalog.BASE_TCP_V4, repaired.chainEntry(1));
                try (Ws2 ws2 = Ws2.startup(Catalog.system());
                     Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                    assertSame(repaired, ws2.provider(p.client()).entry());
                    MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
                    assertEquals(0, ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 512, 7)), 1, sent, 0,
                            MemorySegment.NULL, MemorySegment.NULL));
                    MemorySegment got = arena.allocate(512);
                    assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
                    Buffers.assertPattern(got, 7);
                    assertEquals(1, layer.sends.get(), "the send went through the repaired layer");
                }
            } finally {
                LinuxKernelPort.instance().unregisterModule(module);
                jwsp("uninstall");
            }
            assertEquals(before, order());
        }
    }

    /** install sets jwsp's LSP categories and keeps the system processes out, through the host's WSC exports. */
    @Test
    void installSetsHonestLspCategoriesAndKeepsSystemProcessesOut() {
        List<Integer> before = order();
        String lsass = "C:\\Windows\\System32\\lsass.exe";
        assertEquals(0, jwsp("install", "--dll", MODULE), err.toString(StandardCharsets.UTF_8));
        try {
            int expected = LSP_INSPECTOR() | LSP_OUTBOUND_MODIFY();
            assertEquals(expected, Catalog.system().lspCategories(ProviderId.JWSP_LAYERED.uuid()));
            assertEquals(expected, Catalog.system().lspCategories(ProviderId.JWSP_CHAINS.uuid()));
            for (String process : LspCategories.systemProcesses("C:\\Windows\\System32")) {
                assertEquals(LSP_SYSTEM(), Catalog.system().applicationCategories(process, ""), process);
            }
            // set once (by this or an earlier install in this process), and left alone from then on
            assertEquals(0, jwsp("upgrade", "--dll", MODULE), err.toString(StandardCharsets.UTF_8));
            assertTrue(out().contains(lsass + " keeps its LSP categories 0x80000000"), out());
            assertEquals(expected, Catalog.system().lspCategories(ProviderId.JWSP_CHAINS.uuid()));
        } finally {
            assertEquals(0, jwsp("uninstall"));
        }
        assertEquals(0, Catalog.system().lspCategories(ProviderId.JWSP_CHAINS.uuid()), "categories go with the entries");
        assertEquals(before, order());
    }

    @Test
    void aModuleTheHostDoesNotHaveIsBadConfigurationBeforeAnyCatalogCall() {
        List<Integer> before = order();
        InstallerContext system = InstallerContext.system();
        InstallerContext noDll = new InstallerContext(system.osName(), system.osArch(), Map.of("JWSP_DLL", "C:\\nowhere\\missing.dll"),
                system.windowsCatalog(), system.hostCatalog());
        out.reset();
        int exit = new Installer(noDll).execute(new String[] {"install"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(InstallerError.BAD_CONFIGURATION.exitCode(), exit);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("has no module 'C:\\nowhere\\missing.dll' exporting WSPStartup"),
                err.toString(StandardCharsets.UTF_8));
        assertEquals(before, order());
    }
}
