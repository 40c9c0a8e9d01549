package org.jwsp.host.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.jwsp.kernel.KernelPort;

/**
 * The host's LSP category exports ({@code WSCSetProviderInfo}, {@code WSCGetProviderInfo},
 * {@code WSCSetApplicationCategory}, {@code WSCGetApplicationCategory}) called through their native
 * pointers as the installer calls ws2_32's: values round-trip, categories go with the provider's
 * entries, and bad input gets Windows' codes with nothing changed.
 */
class CategoryExportsTest {

    private static final ValueLayout A = ValueLayout.ADDRESS;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong J = ValueLayout.JAVA_LONG;
    private static final MethodHandle SET_INFO = downcall("WSCSetProviderInfo", FunctionDescriptor.of(I, A, I, A, J, I, A));
    private static final MethodHandle GET_INFO = downcall("WSCGetProviderInfo", FunctionDescriptor.of(I, A, I, A, A, I, A));
    private static final MethodHandle SET_APP = downcall("WSCSetApplicationCategory", FunctionDescriptor.of(I, A, I, A, I, I, A, A));
    private static final MethodHandle GET_APP = downcall("WSCGetApplicationCategory", FunctionDescriptor.of(I, A, I, A, I, A, A));

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        Catalog.system();
        return Linker.nativeLinker().downcallHandle(KernelPort.system().procAddress("ws2_32.dll", name), descriptor);
    }

    @Test
    void providerCategoriesRoundTripAndGoWithTheEntries() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            UUID id = UUID.randomUUID();
            MemorySegment guid = CatalogCalls.guid(id, arena);
            MemorySegment errno = arena.allocate(I);
            MemorySegment value = arena.allocateFrom(I, LSP_INSPECTOR());
            assertEquals(SOCKET_ERROR(), (int) SET_INFO.invokeExact(guid, ProviderInfoLspCategories(), value, 4L, 0, errno));
            assertEquals(WSAEINVAL(), errno.get(I, 0), "a GUID the catalog does not have");

            MemorySegment base = baseCopy(arena);
            assertEquals(0, CatalogCalls.install(id, "C:\\test\\categorized.dll", base, 1, arena));
            try {
                assertEquals(0, (int) SET_INFO.invokeExact(guid, ProviderInfoLspCategories(), value, 4L, 0, errno));
                MemorySegment out = arena.allocate(I);
                MemorySegment size = arena.allocateFrom(J, 4L);
                assertEquals(0, (int) GET_INFO.invokeExact(guid, ProviderInfoLspCategories(), out, size, 0, errno));
                assertEquals(LSP_INSPECTOR(), out.get(I, 0));
                assertEquals(SOCKET_ERROR(), (int) SET_INFO.invokeExact(MemorySegment.NULL, ProviderInfoLspCategories(), value, 4L, 0, errno));
                assertEquals(WSAEFAULT(), errno.get(I, 0));
                assertEquals(SOCKET_ERROR(), (int) SET_INFO.invokeExact(guid, ProviderInfoLspCategories(), MemorySegment.NULL, 4L, 0, errno));
                assertEquals(WSAEFAULT(), errno.get(I, 0));
                assertEquals(SOCKET_ERROR(), (int) SET_INFO.invokeExact(guid, ProviderInfoLspCategories(), value, 8L, 0, errno));
                assertEquals(WSAEINVAL(), errno.get(I, 0));
                assertEquals(SOCKET_ERROR(), (int) SET_INFO.invokeExact(guid, 1, value, 4L, 0, errno));
                assertEquals(WSAEINVAL(), errno.get(I, 0), "ProviderInfoAudit is not supported");
                assertEquals(LSP_INSPECTOR(), Catalog.system().lspCategories(id), "refused calls changed nothing");
            } finally {
                assertEquals(0, CatalogCalls.deinstall(id, arena));
            }
            assertEquals(0, Catalog.system().lspCategories(id));
        }
    }

    @Test
    void applicationCategoriesRoundTripCaseInsensitivelyAndAnUnknownProgramIsNotFound() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            String path = "C:\\Test\\" + UUID.randomUUID() + ".exe";
            MemorySegment wide = arena.allocateFrom(path, StandardCharsets.UTF_16LE);
            MemorySegment upper = arena.allocateFrom(path.toUpperCase(java.util.Locale.ROOT), StandardCharsets.UTF_16LE);
            MemorySegment errno = arena.allocate(I);
            MemorySegment got = arena.allocate(I);
            assertEquals(SOCKET_ERROR(), (int) GET_APP.invokeExact(wide, path.length(), MemorySegment.NULL, 0, got, errno));
            assertEquals(WSASERVICE_NOT_FOUND(), errno.get(I, 0));

            MemorySegment previous = arena.allocateFrom(I, -1);
            assertEquals(0, (int) SET_APP.invokeExact(wide, path.length(), MemorySegment.NULL, 0, LSP_SYSTEM(), previous, errno));
            assertEquals(0, previous.get(I, 0));
            assertEquals(0, (int) GET_APP.invokeExact(upper, path.length(), MemorySegment.NULL, 0, got, errno));
            assertEquals(LSP_SYSTEM(), got.get(I, 0));

            assertEquals(SOCKET_ERROR(), (int) SET_APP.invokeExact(MemorySegment.NULL, 3, MemorySegment.NULL, 0, 0, previous, errno));
            assertEquals(WSAEFAULT(), errno.get(I, 0));
            assertEquals(SOCKET_ERROR(), (int) SET_APP.invokeExact(wide, 0, MemorySegment.NULL, 0, 0, previous, errno));
            assertEquals(WSAEINVAL(), errno.get(I, 0));
            assertEquals(SOCKET_ERROR(), (int) SET_APP.invokeExact(wide, path.length(), MemorySegment.NULL, 5, 0, previous, errno));
            assertEquals(WSAEFAULT(), errno.get(I, 0), "an Extra length without Extra");
            assertEquals(SOCKET_ERROR(), (int) GET_APP.invokeExact(wide, path.length(), MemorySegment.NULL, 0, MemorySegment.NULL, errno));
            assertEquals(WSAEFAULT(), errno.get(I, 0));
            assertEquals(Integer.valueOf(LSP_SYSTEM()), Catalog.system().applicationCategories(path, ""));
        }
    }

    /** A copy of the base TCP/IPv4 entry, to install under a new GUID as a base entry. */
    private static MemorySegment baseCopy(Arena arena) {
        return org.jwsp.bindings.windows.WSAPROTOCOL_INFOW.allocate(arena)
                .copyFrom(Catalog.system().entry(Catalog.BASE_TCP_V4).protocolInfo());
    }
}
