package org.jwsp.windows.install;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

import org.jwsp.bindings.windows.TOKEN_ELEVATION;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.provider.ProtocolCatalog;

/**
 * The 64-bit Winsock catalog of this Windows machine: {@link Ws2CatalogExports} over ws2_32's own
 * catalog functions, with advapi32's token query for elevation. Everything else is the same code
 * that writes the Linux host's catalog.
 *
 * <p>Why only the 64-bit catalog: the provider DLL is x64 only, and 32-bit processes read the
 * separate 32-bit catalog; entries there naming a 64-bit DLL would make every 32-bit program's
 * TCP/UDP sockets fail with {@code WSAEPROVIDERFAILEDINIT}. So jwsp leaves the 32-bit catalog alone.
 *
 * <p>Windows only: {@link #open()} binds ws2_32, kernel32 and advapi32; {@link Installer} calls it
 * only when {@code os.name} is Windows. Static; the installer's thread.
 */
public final class WinsockCatalog {

    private WinsockCatalog() {
    }

    /** ws2_32's catalog functions at their real addresses. */
    public static Ws2CatalogExports open() {
        // The generated bindings resolve symbols in the libraries this class loader has loaded.
        System.loadLibrary("kernel32");
        System.loadLibrary("advapi32");
        System.loadLibrary("ws2_32");
        Map<String, MemorySegment> exports = Map.of(
                "WSCInstallProvider", ws2spi_h.WSCInstallProvider$address(),
                "WSCDeinstallProvider", ws2spi_h.WSCDeinstallProvider$address(),
                "WSCWriteProviderOrder", ws2spi_h.WSCWriteProviderOrder$address(),
                "WSCSetProviderInfo", ws2spi_h.WSCSetProviderInfo$address(),
                "WSCGetProviderInfo", ws2spi_h.WSCGetProviderInfo$address(),
                "WSCGetApplicationCategory", ws2spi_h.WSCGetApplicationCategory$address(),
                "WSCSetApplicationCategory", ws2spi_h.WSCSetApplicationCategory$address());
        return new Ws2CatalogExports(
                new ProtocolCatalog(ws2spi_h.WSCEnumProtocols$address(), ws2spi_h.WSCGetProviderPath$address()),
                exports::get, WinsockCatalog::elevated);
    }

    /** Whether this process's token is elevated; true when it cannot tell (the catalog calls then answer). */
    static boolean elevated() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment token = call.allocate(ValueLayout.ADDRESS);
            if (ws2spi_h.OpenProcessToken(ws2spi_h.GetCurrentProcess(), ws2spi_h.TOKEN_QUERY(), token) == 0) {
                return true;
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
}
