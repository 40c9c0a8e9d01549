package org.jwsp.windows.install;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.junit.jupiter.api.Test;

/** The pure part of the install: which bases, the layered entry, the chains, the order. */
class ProtocolChainsTest {

    private static int[] ids(List<MemorySegment> entries) {
        return entries.stream().mapToInt(ProtocolInfo::catalogId).toArray();
    }

    @Test
    void layersOverTheFirstVisibleTcpAndUdpBaseOfIpv4AndIpv6Only() {
        try (Arena arena = Arena.ofConfined(); InMemoryCatalog c = WindowsCatalogFixture.windows11(arena)) {
            List<MemorySegment> bases = ProtocolChains.basesToLayerOver(c.protocols(arena));
            // not 1000 (hidden), 1003/1006 (raw), 1007 (Hyper-V), 1008 (a second IPv4 TCP)
            assertArrayEquals(new int[] {1001, 1002, 1004, 1005}, ids(bases));
        }
    }

    @Test
    void chainEntriesAndJwspsOwnEntriesAreNeverBases() {
        try (Arena arena = Arena.ofConfined(); InMemoryCatalog c = WindowsCatalogFixture.windows11(arena)) {
            MemorySegment[] catalog = c.protocols(arena);
            MemorySegment layered = ProtocolChains.layeredEntry(catalog[1], "jwsp", arena);
            c.install(ProviderId.JWSP_LAYERED, "C:\\jwsp.dll", layered, 1);
            int layeredId = JwspEntries.in(c.protocols(arena)).layeredCatalogId();
            List<MemorySegment> bases = ProtocolChains.basesToLayerOver(catalog);
            c.install(ProviderId.JWSP_CHAINS, "C:\\jwsp.dll", ProtocolChains.chainEntries(bases, layeredId, "jwsp", arena), 4);
            assertArrayEquals(new int[] {1001, 1002, 1004, 1005}, ids(ProtocolChains.basesToLayerOver(c.protocols(arena))));
        }
    }

    @Test
    void theLayeredEntryIsAHiddenNonIfsCopyOfTheFirstBaseWithChainLengthZero() {
        try (Arena arena = Arena.ofConfined(); InMemoryCatalog c = WindowsCatalogFixture.windows11(arena)) {
            MemorySegment base = c.protocols(arena)[1]; // MSAFD Tcpip [TCP/IP]
            MemorySegment layered = ProtocolChains.layeredEntry(base, "jwsp", arena);
            assertEquals(0, ProtocolInfo.chainLength(layered));
            assertEquals(ProviderId.JWSP_LAYERED, ProtocolInfo.providerId(layered));
            assertEquals("jwsp", ProtocolInfo.name(layered));
            assertEquals(0x20066 & ~WindowsCatalogFixture.XP1_IFS_HANDLES, WSAPROTOCOL_INFOW.dwServiceFlags1(layered));
            assertEquals(WindowsCatalogFixture.PFL_HIDDEN, WSAPROTOCOL_INFOW.dwProviderFlags(layered));
            assertEquals(0, WSAPROTOCOL_INFOW.iSocketType(layered));
            assertEquals(0, WSAPROTOCOL_INFOW.iProtocol(layered));
            assertEquals(WindowsCatalogFixture.AF_INET, WSAPROTOCOL_INFOW.iAddressFamily(layered));
            assertEquals("MSAFD Tcpip [TCP/IP]", ProtocolInfo.name(base)); // the base is not touched
            assertEquals(1, ProtocolInfo.chainLength(base));
        }
    }

    @Test
    void eachChainIsItsBaseWithChainJwspThenBaseAndWithoutIfsHandles() {
        try (Arena arena = Arena.ofConfined(); InMemoryCatalog c = WindowsCatalogFixture.windows11(arena)) {
            List<MemorySegment> bases = ProtocolChains.basesToLayerOver(c.protocols(arena));
            MemorySegment chains = ProtocolChains.chainEntries(bases, 1042, "jwsp", arena);
            assertEquals(4 * WSAPROTOCOL_INFOW.sizeof(), chains.byteSize());
            String[] names = {"jwsp over [MSAFD Tcpip [TCP/IP]]", "jwsp over [MSAFD Tcpip [UDP/IP]]",
                "jwsp over [MSAFD Tcpip [TCP/IPv6]]", "jwsp over [MSAFD Tcpip [UDP/IPv6]]"};
            for (int i = 0; i < 4; i++) {
                MemorySegment chain = WSAPROTOCOL_INFOW.asSlice(chains, i);
                MemorySegment base = bases.get(i);
                assertEquals(names[i], ProtocolInfo.name(chain));
                assertArrayEquals(new int[] {1042, ProtocolInfo.catalogId(base)}, ProtocolInfo.chain(chain));
                assertEquals(ProviderId.JWSP_CHAINS, ProtocolInfo.providerId(chain));
                assertEquals(0, WSAPROTOCOL_INFOW.dwServiceFlags1(chain) & WindowsCatalogFixture.XP1_IFS_HANDLES);
                assertEquals(WSAPROTOCOL_INFOW.iAddressFamily(base), WSAPROTOCOL_INFOW.iAddressFamily(chain));
                assertEquals(WSAPROTOCOL_INFOW.iSocketType(base), WSAPROTOCOL_INFOW.iSocketType(chain));
                assertEquals(WSAPROTOCOL_INFOW.iProtocol(base), WSAPROTOCOL_INFOW.iProtocol(chain));
                assertEquals(WSAPROTOCOL_INFOW.dwProviderFlags(base), WSAPROTOCOL_INFOW.dwProviderFlags(chain));
                assertEquals(WSAPROTOCOL_INFOW.dwMessageSize(base), WSAPROTOCOL_INFOW.dwMessageSize(chain));
            }
        }
    }

    @Test
    void aLongBaseNameIsCutToWsaprotocolLen() {
        try (Arena arena = Arena.ofConfined()) {
            String longName = "B".repeat(250);
            MemorySegment base = WindowsCatalogFixture.base(arena, WindowsCatalogFixture.MSAFD_IPV4, 1001, longName,
                    WindowsCatalogFixture.AF_INET, 1, 6, 0x20066, 0);
            MemorySegment chain = ProtocolChains.chainEntries(List.of(base), 1042, "jwsp", arena);
            String name = ProtocolInfo.name(chain);
            assertEquals(255, name.length());
            assertTrue(name.startsWith("jwsp over [BBB"));
            assertEquals(0, WSAPROTOCOL_INFOW.szProtocol(chain, 255)); // still NUL-terminated
        }
    }

    @Test
    void theOrderPutsTheChainsOfTheLayeredIdFirstAndKeepsEveryOtherEntryInItsOrder() {
        try (Arena arena = Arena.ofConfined(); InMemoryCatalog c = WindowsCatalogFixture.windows11(arena)) {
            MemorySegment[] before = c.protocols(arena);
            List<MemorySegment> bases = ProtocolChains.basesToLayerOver(before);
            c.install(ProviderId.JWSP_LAYERED, "C:\\jwsp.dll", ProtocolChains.layeredEntry(bases.getFirst(), "jwsp", arena), 1);
            c.install(ProviderId.JWSP_CHAINS, "C:\\jwsp.dll", ProtocolChains.chainEntries(bases, 1009, "jwsp", arena), 4);
            int[] order = ProtocolChains.orderWithChainsFirst(c.protocols(arena), 1009);
            assertArrayEquals(new int[] {1010, 1011, 1012, 1013, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009},
                    order);
        }
    }
}
