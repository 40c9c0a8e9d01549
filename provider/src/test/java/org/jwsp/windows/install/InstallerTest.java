package org.jwsp.windows.install;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jwsp install | uninstall | list} through its command-line entry, against a catalog that
 * behaves as ws2_32's is documented to ({@link InMemoryCatalog}, from {@link WindowsCatalogFixture}),
 * on a context that says "Windows 11 amd64". What only real Windows can show (that ws2_32 then
 * loads the DLL for new sockets) is listed in docs/WINDOWS.md.
 */
class InstallerTest {

    private static final int WSAEACCES = 10013;
    private static final int ERROR_ACCESS_DENIED = 5;
    private static final int WSANO_RECOVERY = 11003;

    @TempDir
    Path dir;
    private Arena arena;
    private InMemoryCatalog catalog;
    private String dll;
    private String jdk;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void windowsMachine() throws IOException {
        arena = Arena.ofConfined();
        catalog = WindowsCatalogFixture.windows11(arena);
        dll = PeFiles.x64Dll(dir).toString();
        jdk = SafeFiles.jdk(dir);
    }

    /** Also the leak check: every arena the installer enumerated into was closed when its command ended. */
    @AfterEach
    void release() {
        for (MemorySegment.Scope scope : catalog.callerScopes) {
            assertFalse(scope.isAlive(), "an enumeration outlived its command");
        }
        catalog.close();
        arena.close();
    }

    private int jwsp(String... args) {
        InstallerContext windows = new InstallerContext("Windows 11", "amd64", Map.of(), () -> catalog, () -> {
            throw new AssertionError("the host catalog is not used on Windows");
        }, () -> SafeFiles.ALL, jdk);
        out.reset();
        err.reset();
        return new Installer(windows).execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void installPutsOneChainPerTcpUdpIpBaseAtTheFrontAndTheHiddenLayeredEntryAfterTheRest() {
        assertEquals(0, jwsp("install", "--dll", dll), err());
        List<MemorySegment> entries = catalog.entries();
        assertEquals(9 + 1 + 4, entries.size());
        int layeredId = ProtocolInfo.catalogId(entries.getLast());
        assertEquals(ProviderId.JWSP_LAYERED, ProtocolInfo.providerId(entries.getLast()));
        assertEquals(0, ProtocolInfo.chainLength(entries.getLast()));
        int[] bases = {1001, 1002, 1004, 1005};
        for (int i = 0; i < 4; i++) {
            MemorySegment chain = entries.get(i);
            assertEquals(ProviderId.JWSP_CHAINS, ProtocolInfo.providerId(chain));
            assertArrayEquals(new int[] {layeredId, bases[i]}, ProtocolInfo.chain(chain));
        }
        assertEquals(1000, ProtocolInfo.catalogId(entries.get(4))); // then everything else, as it was
        assertEquals(1008, ProtocolInfo.catalogId(entries.get(12)));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("jwsp installed from " + dll));
    }

    @Test
    void installThenUninstallLeavesTheCatalogByteForByteAsFound() {
        List<String> before = catalog.snapshot();
        assertEquals(0, jwsp("install", "--dll", dll), err());
        assertEquals(0, jwsp("uninstall"), err());
        assertEquals(before, catalog.snapshot());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("5 catalog entries removed"));
    }

    @Test
    void uninstallWhenNotInstalledSucceedsAndChangesNothing() {
        List<String> before = catalog.snapshot();
        assertEquals(0, jwsp("uninstall"));
        assertEquals(before, catalog.snapshot());
        assertEquals(0, catalog.writes);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("not installed"));
    }

    @Test
    void aSecondInstallIsRefusedAlreadyInstalledAndChangesNothing() {
        assertEquals(0, jwsp("install", "--dll", dll));
        List<String> installed = catalog.snapshot();
        int writes = catalog.writes;
        assertEquals(InstallerError.ALREADY_INSTALLED.exitCode(), jwsp("install", "--dll", dll));
        assertEquals(installed, catalog.snapshot());
        assertEquals(writes, catalog.writes);
        assertTrue(err().contains("jwsp uninstall"), err());
    }

    @Test
    void notElevatedIsRefusedBeforeAnyCatalogCall() {
        catalog.elevated = false;
        List<String> before = catalog.snapshot();
        assertEquals(InstallerError.NOT_ELEVATED.exitCode(), jwsp("install", "--dll", dll));
        assertTrue(err().contains("Administrator"), err());
        assertEquals(InstallerError.NOT_ELEVATED.exitCode(), jwsp("uninstall"));
        assertEquals(0, catalog.writes);
        assertEquals(before, catalog.snapshot());
    }

    @Test
    void wsaeaccesAndErrorAccessDeniedFromTheCatalogAreNotElevated() {
        List<String> before = catalog.snapshot();
        catalog.failNext("install", WSAEACCES);
        assertEquals(InstallerError.NOT_ELEVATED.exitCode(), jwsp("install", "--dll", dll));
        catalog.failNext("install", ERROR_ACCESS_DENIED);
        assertEquals(InstallerError.NOT_ELEVATED.exitCode(), jwsp("install", "--dll", dll));
        assertTrue(err().contains("Administrator"), err());
        assertEquals(before, catalog.snapshot());
    }

    @Test
    void aRefusedChainInstallRemovesTheLayeredEntryAgain() {
        List<String> before = catalog.snapshot();
        catalog.failAfter("install", 1, WSANO_RECOVERY); // the layered entry goes in, its chains do not
        assertEquals(InstallerError.CATALOG_REFUSED.exitCode(), jwsp("install", "--dll", dll));
        assertTrue(err().contains("11003") && err().contains("WSANO_RECOVERY"), err());
        assertEquals(before, catalog.snapshot());
        assertEquals(3, catalog.writes); // install, install (refused), deinstall
    }

    @Test
    void aRefusedOrderRemovesTheChainsAndTheLayeredEntryAgain() {
        List<String> before = catalog.snapshot();
        catalog.failNext("writeOrder", InMemoryCatalog.WSAEINVAL);
        assertEquals(InstallerError.CATALOG_REFUSED.exitCode(), jwsp("install", "--dll", dll));
        assertTrue(err().contains("10022"), err());
        assertEquals(before, catalog.snapshot());
    }

    private static final ProviderId OTHER = ProviderId.parse("{11111111-2222-3333-4444-555555555555}");

    @Test
    void uninstallReinstallsAProviderLayeredOverJwspWithoutJwspInItsChainInItsPlace() {
        assertEquals(0, jwsp("install", "--dll", dll));
        int jwspChain = ProtocolInfo.catalogId(catalog.entries().getFirst());
        MemorySegment foreign = WindowsCatalogFixture.base(arena, OTHER, 0,
                "Other LSP over [jwsp over [MSAFD Tcpip [TCP/IP]]]", WindowsCatalogFixture.AF_INET, 1, 6, 0x20066, 0);
        ProtocolInfo.setChain(foreign, 2000, jwspChain, 1001);
        catalog.add(foreign, "C:\\other.dll");
        int place = catalog.entries().size() - 1 - 5; // jwsp's five entries go

        assertEquals(0, jwsp("uninstall"), err());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("repaired " + OTHER + " (C:\\other.dll): 1 entries"),
                out.toString(StandardCharsets.UTF_8));
        List<MemorySegment> after = catalog.entries();
        assertFalse(JwspEntries.in(after.toArray(MemorySegment[]::new)).installed());
        MemorySegment repaired = after.get(place);
        assertEquals(OTHER, ProtocolInfo.providerId(repaired));
        assertArrayEquals(new int[] {2000, 1001}, ProtocolInfo.chain(repaired));
        assertEquals("C:\\other.dll", catalog.providerPath(repaired));
    }

    @Test
    void aProviderOverJwspWhoseLayeredEntrySharesItsGuidIsRefusedBeforeAnyChange() {
        assertEquals(0, jwsp("install", "--dll", dll));
        int jwspChain = ProtocolInfo.catalogId(catalog.entries().getFirst());
        MemorySegment layered = WindowsCatalogFixture.base(arena, OTHER, 0, "Other LSP", WindowsCatalogFixture.AF_INET,
                1, 6, 0x20066, 0);
        ProtocolInfo.setChain(layered);
        catalog.add(layered, "C:\\other.dll");
        MemorySegment foreign = WindowsCatalogFixture.base(arena, OTHER, 0,
                "Other LSP over [jwsp over [MSAFD Tcpip [TCP/IP]]]", WindowsCatalogFixture.AF_INET, 1, 6, 0x20066, 0);
        ProtocolInfo.setChain(foreign, ProtocolInfo.catalogId(catalog.entries().getLast()), jwspChain, 1001);
        catalog.add(foreign, "C:\\other.dll");
        List<String> installed = catalog.snapshot();
        int writes = catalog.writes;
        assertEquals(InstallerError.LAYERED_ABOVE.exitCode(), jwsp("uninstall"));
        assertTrue(err().contains(OTHER + " is layered over jwsp") && err().contains("netsh winsock reset"), err());
        assertEquals(installed, catalog.snapshot());
        assertEquals(writes, catalog.writes);
    }

    @Test
    void installSetsJwspsCategoriesAndKeepsSystemProcessesOutLeavingSetOnesAlone() {
        catalog.setApplicationCategories("C:\\Windows\\System32\\winlogon.exe", 0x1);
        assertEquals(0, jwsp("install", "--dll", dll), err());
        assertEquals(0x21, catalog.providerCategories.get(ProviderId.JWSP_LAYERED));
        assertEquals(0x21, catalog.providerCategories.get(ProviderId.JWSP_CHAINS));
        assertEquals(0x8000_0000, catalog.applicationCategories("C:\\Windows\\System32\\lsass.exe"));
        assertEquals(0x8000_0000, catalog.applicationCategories("C:\\Windows\\System32\\smss.exe"));
        assertEquals(0x1, catalog.applicationCategories("C:\\Windows\\System32\\winlogon.exe"));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("C:\\Windows\\System32\\winlogon.exe keeps its LSP categories 0x00000001"), printed);
        assertTrue(printed.contains("C:\\Windows\\System32\\lsass.exe: LSP_SYSTEM"), printed);
    }

    @Test
    void categoriesTheCatalogRefusesRemoveJwspAgain() {
        List<String> before = catalog.snapshot();
        catalog.failNext("setProviderCategories", InMemoryCatalog.WSAEINVAL);
        assertEquals(InstallerError.CATALOG_REFUSED.exitCode(), jwsp("install", "--dll", dll));
        assertEquals(before, catalog.snapshot(), "never left loadable into system processes");
    }

    @Test
    void upgradeIsUninstallAndInstallInOneCommandAndInstallsWhenNothingWasThere() throws IOException {
        assertEquals(0, jwsp("upgrade", "--dll", dll), err());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("jwsp was not installed"));
        List<String> first = catalog.snapshot();
        String newDll = PeFiles.x64Dll(Files.createDirectories(dir.resolve("v2"))).toString();
        assertEquals(0, jwsp("upgrade", "--dll", newDll), err());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("jwsp uninstalled: 5 catalog entries removed"));
        assertEquals(first.size(), catalog.snapshot().size());
        JwspEntries now = JwspEntries.in(catalog.entries().toArray(MemorySegment[]::new));
        assertEquals(newDll, catalog.providerPath(now.chains().getFirst()));
        assertEquals(ProviderId.JWSP_CHAINS, ProtocolInfo.providerId(catalog.entries().getFirst()), "chains first again");
    }

    @Test
    void aCatalogWithoutTcpOrUdpOverIpIsRefusedNoBaseProviders() {
        try (Arena a = Arena.ofConfined(); InMemoryCatalog hyperVOnly = new InMemoryCatalog(1001)) {
            hyperVOnly.add(WindowsCatalogFixture.base(a, WindowsCatalogFixture.HYPER_V, 1001, "Hyper-V RAW",
                    WindowsCatalogFixture.AF_HYPERV, 1, 1, 0x20026, 0), WindowsCatalogFixture.MSWSOCK);
            catalog.close();
            catalog = hyperVOnly;
            assertEquals(InstallerError.NO_BASE_PROVIDERS.exitCode(), jwsp("install", "--dll", dll));
            assertEquals(0, hyperVOnly.writes);
            catalog = WindowsCatalogFixture.windows11(arena); // for release()
        }
    }

    @Test
    void listShowsEveryEntryInCatalogOrderWithItsPathAndTheJwspState() {
        assertEquals(0, jwsp("install", "--dll", dll));
        assertEquals(0, jwsp("list"));
        String listing = out.toString(StandardCharsets.UTF_8);
        assertEquals(14, listing.split(CatalogListing.TITLE, -1).length - 1);
        assertTrue(listing.indexOf("jwsp over [MSAFD Tcpip [TCP/IP]]") < listing.indexOf("Description:                        MSAFD Tcpip [TCP/IP]"));
        assertTrue(listing.contains("Provider Path:                      " + dll));
        assertTrue(listing.contains("Provider Path:                      %SystemRoot%\\system32\\mswsock.dll"));
        assertTrue(listing.contains("14 catalog entries; jwsp is installed (5 entries)"));
    }

    @Test
    void theChainsInstalledByTheInstallerCarryTheDllPathAndName() {
        assertEquals(0, jwsp("install", "--dll", dll, "--name", "meter"));
        MemorySegment first = catalog.entries().getFirst();
        assertEquals("meter over [MSAFD Tcpip [TCP/IP]]", ProtocolInfo.name(first));
        assertEquals(dll, catalog.providerPath(first));
        assertEquals("meter", ProtocolInfo.name(catalog.entries().getLast()));
        assertEquals(0, WSAPROTOCOL_INFOW.dwServiceFlags1(first) & WindowsCatalogFixture.XP1_IFS_HANDLES);
        assertFalse(ProtocolInfo.providerId(first).equals(WindowsCatalogFixture.MSAFD_IPV4));
    }
}
