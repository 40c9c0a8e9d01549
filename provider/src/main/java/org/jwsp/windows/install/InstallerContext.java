package org.jwsp.windows.install;

import java.util.Map;
import java.util.function.Supplier;

/**
 * What the installer needs from the system it runs on: the OS name and architecture (which decide
 * whether there is a Winsock catalog to change), the environment ({@code JWSP_DLL}), and the two
 * catalogs, created only when used: Windows' ({@link WinsockCatalog#open()}, binds ws2_32) and the
 * Linux host's ({@link Ws2CatalogExports#ofThisProcess()}, the exports of jwsp-host.jar), both
 * {@link Ws2CatalogExports}. Tests give an in-memory catalog instead. Immutable.
 */
public record InstallerContext(String osName, String osArch, Map<String, String> environment,
        Supplier<WritableCatalog> windowsCatalog, Supplier<WritableCatalog> hostCatalog) {

    /** This JVM's system. */
    public static InstallerContext system() {
        return new InstallerContext(System.getProperty("os.name", ""), System.getProperty("os.arch", ""),
                System.getenv(), WinsockCatalog::open, Ws2CatalogExports::ofThisProcess);
    }

    /** True when this is Windows x64, where jwsp's x64 provider and the 64-bit catalog are. */
    public boolean windowsX64() {
        return osName.startsWith("Windows") && (osArch.equals("amd64") || osArch.equals("x86_64"));
    }
}
