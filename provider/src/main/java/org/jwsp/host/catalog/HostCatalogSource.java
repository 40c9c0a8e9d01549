package org.jwsp.host.catalog;

import org.jwsp.kernel.KernelPort;
import org.jwsp.windows.install.CatalogSource;
import org.jwsp.windows.install.Ws2CatalogExports;

/**
 * The host's catalog for {@code jwsp list} on Linux (the installer's {@code HostCatalogHook} finds
 * this class by name). It reads {@link Catalog#system()} the way a program reads ws2_32's: through
 * the {@code WSCEnumProtocols} and {@code WSCGetProviderPath} exports, found by name.
 */
public final class HostCatalogSource {

    private HostCatalogSource() {
    }

    /** The hook's entry point. */
    public static CatalogSource instance() {
        Catalog.system(); // registers the ws2_32 exports
        KernelPort kernel = KernelPort.system();
        return new Ws2CatalogExports(kernel.procAddress("ws2_32.dll", "WSCEnumProtocols"),
                kernel.procAddress("ws2_32.dll", "WSCGetProviderPath"));
    }
}
