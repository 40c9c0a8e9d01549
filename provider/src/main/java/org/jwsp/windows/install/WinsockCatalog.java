package org.jwsp.windows.install;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

import org.jwsp.bindings.windows.TOKEN_ELEVATION;
import org.jwsp.bindings.windows.ws2spi_h;

/**
 * The 64-bit Winsock catalog of this Windows machine, through ws2_32's catalog functions
 * ({@code WSCEnumProtocols}, {@code WSCGetProviderPath}, {@code WSCInstallProvider},
 * {@code WSCDeinstallProvider}, {@code WSCWriteProviderOrder}) and advapi32's token query for
 * elevation.
 *
 * <p>Why only the 64-bit catalog: the provider DLL is x64 only, and 32-bit processes read the
 * separate 32-bit catalog; entries there naming a 64-bit DLL would make every 32-bit program's
 * TCP/UDP sockets fail with {@code WSAEPROVIDERFAILEDINIT}. So jwsp leaves the 32-bit catalog alone.
 *
 * <p>Windows only: the constructor binds ws2_32, kernel32 and advapi32; {@link Installer} creates
 * it only when {@code os.name} is Windows. Native memory: enumerations live in the caller's arena;
 * each call's transient arguments in a confined arena of that call. Not thread-safe (the
 * installer is single-threaded).
 */
public final class WinsockCatalog implements WritableCatalog {

    private final Ws2CatalogExports reader;

    public WinsockCatalog() {
        // The generated bindings resolve symbols in the libraries this class loader has loaded.
        System.loadLibrary("kernel32");
        System.loadLibrary("advapi32");
        System.loadLibrary("ws2_32");
        reader = new Ws2CatalogExports(ws2spi_h.WSCEnumProtocols$address(), ws2spi_h.WSCGetProviderPath$address());
    }

    @Override
    public MemorySegment[] protocols(Arena arena) {
        return reader.protocols(arena);
    }

    @Override
    public String providerPath(MemorySegment entry) {
        return reader.providerPath(entry);
    }

    @Override
    public boolean elevated() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment token = call.allocate(ValueLayout.ADDRESS);
            if (ws2spi_h.OpenProcessToken(ws2spi_h.GetCurrentProcess(), ws2spi_h.TOKEN_QUERY(), token) == 0) {
                return true; // cannot tell: let the catalog calls answer
            }
            MemorySegment handle = token.get(ValueLayout.ADDRESS, 0);
            try {
                MemorySegment elevation = TOKEN_ELEVATION.allocate(call);
                MemorySegment returned = call.allocate(ValueLayout.JAVA_INT);
                if (ws2spi_h.GetTokenInformation(handle, ws2spi_h.TokenElevation(), elevation,
                        (int) TOKEN_ELEVATION.sizeof(), returned) == 0) {
                    return true;
                }
                return TOKEN_ELEVATION.TokenIsElevated(elevation) != 0;
            } finally {
                ws2spi_h.CloseHandle(handle);
            }
        }
    }

    @Override
    public void install(ProviderId id, String dllPath, MemorySegment entries, int count) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(ValueLayout.JAVA_INT);
            if (ws2spi_h.WSCInstallProvider(id.allocate(call), call.allocateFrom(dllPath, StandardCharsets.UTF_16LE),
                    entries, count, errno) != 0) {
                throw new CatalogException("WSCInstallProvider " + id, errno.get(ValueLayout.JAVA_INT, 0));
            }
        }
    }

    @Override
    public void deinstall(ProviderId id) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(ValueLayout.JAVA_INT);
            if (ws2spi_h.WSCDeinstallProvider(id.allocate(call), errno) != 0) {
                throw new CatalogException("WSCDeinstallProvider " + id, errno.get(ValueLayout.JAVA_INT, 0));
            }
        }
    }

    @Override
    public void writeOrder(int[] catalogIds) {
        try (Arena call = Arena.ofConfined()) {
            int result = ws2spi_h.WSCWriteProviderOrder(call.allocateFrom(ValueLayout.JAVA_INT, catalogIds),
                    catalogIds.length);
            if (result != 0) {
                throw new CatalogException("WSCWriteProviderOrder", result);
            }
        }
    }
}
