package org.jwsp.host.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.WSAPROTOCOLCHAIN;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.host.base.BaseProvider;

/**
 * Bad input to the host's catalog-writing exports, called through their native pointers: each
 * gets Windows' code ({@code SOCKET_ERROR} and {@code *lpErrno}, or {@code WSCWriteProviderOrder}'s
 * result), the catalog is left as it was, and the process lives on.
 */
class CatalogExportsBadInputTest {

    private static List<Integer> order() {
        return Catalog.system().entries().stream().map(CatalogEntry::catalogEntryId).toList();
    }

    /** One entry, a copy of the base TCP/IPv4 entry with {@code chain} as its protocol chain. */
    private static MemorySegment entry(Arena arena, int... chain) {
        MemorySegment info = WSAPROTOCOL_INFOW.allocate(arena).copyFrom(Catalog.system().entry(Catalog.BASE_TCP_V4).protocolInfo());
        MemorySegment pc = WSAPROTOCOL_INFOW.ProtocolChain(info);
        WSAPROTOCOLCHAIN.ChainLen(pc, chain.length);
        for (int k = 0; k < Math.min(chain.length, MAX_PROTOCOL_CHAIN()); k++) {
            WSAPROTOCOLCHAIN.ChainEntries(pc, k, chain[k]);
        }
        return info;
    }

    private static void assertInstallFails(int code, MemorySegment guid, MemorySegment path, MemorySegment infos, int count,
                                           Arena arena) {
        assertEquals(SOCKET_ERROR(), CatalogCalls.install(guid, path, infos, count, arena));
        assertEquals(code, CatalogCalls.errno);
    }

    @Test
    void wscInstallProviderAnswersWsaefaultAndWsaeinvalAndChangesNothing() {
        List<Integer> before = order();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment guid = CatalogCalls.guid(UUID.randomUUID(), arena);
            MemorySegment path = arena.allocateFrom("C:\\test\\bad.dll", StandardCharsets.UTF_16LE);
            MemorySegment base = entry(arena, 0);
            assertInstallFails(WSAEFAULT(), MemorySegment.NULL, path, base, 1, arena);
            assertInstallFails(WSAEFAULT(), guid, MemorySegment.NULL, base, 1, arena);
            assertInstallFails(WSAEFAULT(), guid, path, MemorySegment.NULL, 1, arena);
            assertInstallFails(WSAEINVAL(), guid, path, base, 0, arena);
            assertInstallFails(WSAEINVAL(), guid, path, base, -1, arena); // DWORD 0xFFFFFFFF
            assertInstallFails(WSAEINVAL(), guid, arena.allocateFrom("", StandardCharsets.UTF_16LE), base, 1, arena);
            MemorySegment unterminated = arena.allocate(2 * 300);
            unterminated.fill((byte) 'x');
            assertInstallFails(WSAEINVAL(), guid, unterminated, base, 1, arena);
            assertInstallFails(WSAEINVAL(), CatalogCalls.guid(Catalog.BASE_PROVIDER_ID, arena), path, base, 1, arena);
            assertInstallFails(WSAEINVAL(), guid, path, entry(arena, 4242, Catalog.BASE_TCP_V4), 1, arena);
            assertInstallFails(WSAEINVAL(), guid, path, entry(arena, Catalog.BASE_TCP_V4, Catalog.BASE_UDP_V4), 1, arena);
            assertInstallFails(WSAEINVAL(), guid, path, entry(arena, 1, 2, 3, 4, 5, 6, 7, 8), 1, arena);
            // a good entry before a bad one: nothing of the call is installed
            MemorySegment two = WSAPROTOCOL_INFOW.allocateArray(2, arena);
            two.asSlice(0, WSAPROTOCOL_INFOW.sizeof()).copyFrom(entry(arena));
            two.asSlice(WSAPROTOCOL_INFOW.sizeof(), WSAPROTOCOL_INFOW.sizeof()).copyFrom(entry(arena, 4242, 4243));
            assertInstallFails(WSAEINVAL(), guid, path, two, 2, arena);
            WSAPROTOCOLCHAIN.ChainLen(WSAPROTOCOL_INFOW.ProtocolChain(base), BASE_PROTOCOL());
            try {
                assertEquals(SOCKET_ERROR(), (int) CatalogCalls.INSTALL.invokeExact(guid, path, base, 0, MemorySegment.NULL),
                        "a null lpErrno is not written");
                assertEquals(SOCKET_ERROR(), (int) CatalogCalls.INSTALL.invokeExact(MemorySegment.NULL, path, base, 1,
                        MemorySegment.NULL));
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }
        assertEquals(before, order());
    }

    @Test
    void wscDeinstallProviderAnswersWsaefaultForNullAndWsaeinvalForAGuidNotInstalled() {
        List<Integer> before = order();
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(SOCKET_ERROR(), CatalogCalls.deinstall(MemorySegment.NULL, arena));
            assertEquals(WSAEFAULT(), CatalogCalls.errno);
            assertEquals(SOCKET_ERROR(), CatalogCalls.deinstall(UUID.randomUUID(), arena));
            assertEquals(WSAEINVAL(), CatalogCalls.errno);
        }
        assertEquals(before, order());
    }

    @Test
    void wscWriteProviderOrderTakesOnlyAPermutationOfEveryId() {
        List<Integer> before = order();
        int[] ids = before.stream().mapToInt(Integer::intValue).toArray();
        try {
            assertEquals(WSAEFAULT(), (int) CatalogCalls.WRITE_ORDER.invokeExact(MemorySegment.NULL, ids.length));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        assertEquals(WSAEINVAL(), CatalogCalls.writeOrder(new int[0]));
        assertEquals(WSAEINVAL(), CatalogCalls.writeOrder(java.util.Arrays.copyOf(ids, ids.length - 1)), "one missing");
        int[] duplicate = ids.clone();
        duplicate[1] = duplicate[0];
        assertEquals(WSAEINVAL(), CatalogCalls.writeOrder(duplicate), "one twice");
        int[] unknown = ids.clone();
        unknown[0] = 4242;
        assertEquals(WSAEINVAL(), CatalogCalls.writeOrder(unknown), "an id the catalog does not have");
        int[] longer = java.util.Arrays.copyOf(ids, ids.length + 1);
        longer[ids.length] = ids[0];
        assertEquals(WSAEINVAL(), CatalogCalls.writeOrder(longer));
        assertEquals(before, order(), "nothing changed");
        int[] reversed = new int[ids.length];
        for (int k = 0; k < ids.length; k++) {
            reversed[k] = ids[ids.length - 1 - k];
        }
        try {
            assertEquals(0, CatalogCalls.writeOrder(reversed));
            assertEquals(reversed[0], order().getFirst());
        } finally {
            assertEquals(0, CatalogCalls.writeOrder(ids));
        }
        assertEquals(before, order());
    }

    @Test
    void aGoodInstallGetsNewIdsAtTheEndAndDeinstallRemovesThem() {
        List<Integer> before = order();
        UUID id = UUID.randomUUID();
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(0, CatalogCalls.install(id, BaseProvider.MODULE, entry(arena, 0), 1, arena));
            CatalogEntry added = Catalog.system().entries().getLast();
            assertEquals(before.size() + 1, order().size());
            assertEquals(id, added.providerId());
            assertEquals(BASE_PROTOCOL(), added.chainLength());
            assertEquals(added.catalogEntryId(), added.chainEntry(0), "a base entry's chain names itself");
            assertEquals(BaseProvider.MODULE, added.modulePath());
            assertEquals(SOCKET_ERROR(), CatalogCalls.install(id, BaseProvider.MODULE, entry(arena, 0), 1, arena));
            assertEquals(WSAEINVAL(), CatalogCalls.errno, "the GUID is taken");
            assertEquals(0, CatalogCalls.deinstall(id, arena));
        }
        assertEquals(before, order());
    }
}
