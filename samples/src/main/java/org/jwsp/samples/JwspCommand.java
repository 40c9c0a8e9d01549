package org.jwsp.samples;

import java.util.HashMap;
import java.util.Map;

import org.jwsp.windows.install.Installer;
import org.jwsp.windows.install.InstallerContext;

/**
 * {@code jwsp install | uninstall | list} on the Linux host (samples/jwsp.sh): the installer's
 * command line, unchanged, over the host's catalog in this process, with jwsp's {@code WSPStartup}
 * registered as the host's module {@link JwspOnHost#MODULE} and that module as the default
 * {@code JWSP_DLL}. The host's catalog lives as long as the process: {@code install} shows what it
 * would write on Windows (and is written to the host's catalog for this run); a program that
 * embeds the host installs the same way ({@link JwspOnHost}). On Windows run
 * {@code org.jwsp.windows.install.Installer} itself (docs/WINDOWS.md). Main thread.
 */
public final class JwspCommand {

    private JwspCommand() {
    }

    public static void main(String[] args) {
        JwspOnHost.registerModule();
        InstallerContext system = InstallerContext.system();
        Map<String, String> environment = new HashMap<>(system.environment());
        environment.putIfAbsent("JWSP_DLL", JwspOnHost.MODULE);
        InstallerContext host = new InstallerContext(system.osName(), system.osArch(), Map.copyOf(environment),
                system.windowsCatalog(), system.hostCatalog());
        System.exit(new Installer(host).execute(args, System.out, System.err));
    }
}
