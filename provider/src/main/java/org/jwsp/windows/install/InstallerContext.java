package org.jwsp.windows.install;

import java.util.Map;
import java.util.function.Supplier;

/**
 * What the installer needs from the system it runs on: the OS name and architecture (which decide
 * whether there is a Winsock catalog to change), the environment ({@code JWSP_DLL}), and the two
 * catalogs, created only when used: Windows' ({@link WinsockCatalog#open()}, binds ws2_32) and the
 * Linux host's ({@link Ws2CatalogExports#ofThisProcess()}, the exports of jwsp-host.jar), both
 * {@link Ws2CatalogExports}; who may change a file ({@link WindowsFileSecurity}, used on Windows
 * only) and the Java home whose {@code jvm.dll} is the default. Tests give an in-memory catalog
 * and file security instead. Immutable.
 */
public record InstallerContext(String osName, String osArch, Map<String, String> environment,
        Supplier<WritableCatalog> windowsCatalog, Supplier<WritableCatalog> hostCatalog,
        Supplier<FileSecurity> fileSecurity, String javaHome) {

    /** A context whose file security is Windows' ({@link WindowsFileSecurity}) and Java home this JVM's. */
    public InstallerContext(String osName, String osArch, Map<String, String> environment,
                            Supplier<WritableCatalog> windowsCatalog, Supplier<WritableCatalog> hostCatalog) {
        this(osName, osArch, environment, windowsCatalog, hostCatalog, WindowsFileSecurity::new,
                System.getProperty("java.home", ""));
    }

    /** This JVM's system. */
    public static InstallerContext system() {
        return new InstallerContext(System.getProperty("os.name", ""), System.getProperty("os.arch", ""),
                System.getenv(), WinsockCatalog::open, Ws2CatalogExports::ofThisProcess);
    }

    /** system32 of this Windows ({@code %SystemRoot%\System32}; {@code C:\Windows\System32} without it, as on the host). */
    public String system32() {
        return environment.getOrDefault("SystemRoot", "C:\\Windows") + "\\System32";
    }

    /** True when this is Windows x64, where jwsp's x64 provider and the 64-bit catalog are. */
    public boolean windowsX64() {
        return osName.startsWith("Windows") && (osArch.equals("amd64") || osArch.equals("x86_64"));
    }
}
