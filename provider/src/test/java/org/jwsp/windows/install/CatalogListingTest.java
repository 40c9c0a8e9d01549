package org.jwsp.windows.install;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

/** The listing reads like {@code netsh winsock show catalog}, entry by entry. */
class CatalogListingTest {

    @Test
    void aBaseEntryIsListedFieldByFieldLikeNetsh() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment tcp = WindowsCatalogFixture.base(arena, WindowsCatalogFixture.MSAFD_IPV4, 1001,
                    "MSAFD Tcpip [TCP/IP]", WindowsCatalogFixture.AF_INET, 1, 6, 0x20066, 8);
            CatalogSource paths = new CatalogSource() {
                @Override
                public MemorySegment[] protocols(Arena a) {
                    throw new AssertionError();
                }

                @Override
                public String providerPath(MemorySegment entry) {
                    return WindowsCatalogFixture.MSWSOCK;
                }
            };
            assertEquals("""

                    Winsock Catalog Provider Entry
                    ------------------------------------------------------
                    Entry Type:                         Base Service Provider
                    Description:                        MSAFD Tcpip [TCP/IP]
                    Provider ID:                        {E70F1AA0-AB8B-11CF-8CA3-00805F48A192}
                    Provider Path:                      %SystemRoot%\\system32\\mswsock.dll
                    Catalog Entry ID:                   1001
                    Version:                            2
                    Address Family:                     2
                    Max Address Length:                 16
                    Min Address Length:                 16
                    Socket Type:                        1
                    Protocol:                           6
                    Service Flags:                      0x20066
                    Provider Flags:                     0x8
                    Protocol Chain Length:              1
                    """, CatalogListing.format(new MemorySegment[] {tcp}, paths));
        }
    }

    @Test
    void aChainShowsItsLinksTopFirstAndAnUnknownPathSaysSo() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chain = WindowsCatalogFixture.base(arena, ProviderId.JWSP_CHAINS, 1010,
                    "jwsp over [MSAFD Tcpip [TCP/IP]]", WindowsCatalogFixture.AF_INET, 1, 6, 0x66, 8);
            ProtocolInfo.setChain(chain, 1009, 1001);
            String listing = CatalogListing.format(new MemorySegment[] {chain}, a -> new MemorySegment[0]);
            assertEquals(true, listing.contains("Entry Type:                         Layered Chain Entry\n"));
            assertEquals(true, listing.contains("Provider Path:                      (unknown)\n"));
            assertEquals(true, listing.contains("Protocol Chain Length:              2\nProtocol Chain:                     1009 : 1001\n"));
        }
    }

    @Test
    void jwspsCategoriesAreListedByNameInBothListings() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chain = WindowsCatalogFixture.base(arena, ProviderId.JWSP_CHAINS, 1010,
                    "jwsp over [MSAFD Tcpip [TCP/IP]]", WindowsCatalogFixture.AF_INET, 1, 6, 0x66, 8);
            ProtocolInfo.setChain(chain, 1009, 1001);
            MemorySegment tcp = WindowsCatalogFixture.base(arena, WindowsCatalogFixture.MSAFD_IPV4, 1001,
                    "MSAFD Tcpip [TCP/IP]", WindowsCatalogFixture.AF_INET, 1, 6, 0x20066, 8);
            CatalogSource categorised = new CatalogSource() {
                @Override
                public MemorySegment[] protocols(Arena a) {
                    throw new AssertionError();
                }

                @Override
                public long lspCategories(MemorySegment entry) {
                    return ProtocolInfo.providerId(entry).isJwsp() ? LspCategories.JWSP : 0;
                }
            };
            MemorySegment[] both = {chain, tcp};
            String listing = CatalogListing.format(both, categorised);
            assertEquals(1, listing.split("LSP Categories:", -1).length - 1, listing);
            assertEquals(true, listing.contains("Protocol Chain:                     1009 : 1001\n"
                    + "LSP Categories:                     0x00000021 (LSP_INSPECTOR | LSP_OUTBOUND_MODIFY)\n"), listing);
            String brief = CatalogListing.brief(both, categorised);
            assertEquals(true, brief.lines().toList().get(0).contains("Categories"), brief);
            assertEquals(true, brief.lines().toList().get(1).contains("  0x00000021  "), brief);
            assertEquals(true, brief.lines().toList().get(2).contains("  -  "), brief);
        }
    }

    @Test
    void categoryNamesNameEveryBitAndShowUnknownOnesInHex() {
        assertEquals("LSP_SYSTEM", CatalogListing.categoryNames(0x80000000L));
        assertEquals("LSP_INSPECTOR | LSP_FIREWALL | 0x100", CatalogListing.categoryNames(0x109));
    }

    @Test
    void entryTypesAreNetshsWords() {
        assertEquals("Layered Service Provider", CatalogListing.entryType(0));
        assertEquals("Base Service Provider", CatalogListing.entryType(1));
        assertEquals("Layered Chain Entry", CatalogListing.entryType(2));
        assertEquals("Layered Chain Entry", CatalogListing.entryType(7));
    }
}
