package org.jwsp.windows.install;

import java.lang.foreign.MemorySegment;

import org.jwsp.kernel.KernelException;
import org.jwsp.kernel.KernelPort;

/**
 * The provider "DLL" given to {@code jwsp install} on the Linux host, checked before anything
 * touches the catalog, as {@link ProviderDll} checks the real DLL on Windows. The host loads no
 * files: its stand-in for a DLL on disk is a module of its kernel port's registry, and a provider
 * "DLL" is installable when that module exports {@code WSPStartup}
 * ({@code KernelPort.procAddress(path, "WSPStartup")} is not NULL), registered by whoever embeds
 * the host ({@code LinuxKernelPort.registerExport(path, "WSPStartup", stub)}; samples/jwsp.sh does
 * it for jwsp's own {@code WSPStartup}). The PE checks make no sense there and are not made; the
 * path rules Winsock applies everywhere (given, shorter than {@code MAX_PATH}) still are.
 *
 * <p>Used by {@link Installer} only where the catalog is the host's (not Windows x64). Stateless; any thread.
 */
final class HostProviderModule {

    private static final int MAX_PATH = 260;

    private HostProviderModule() {
    }

    /**
     * The module path, checked.
     *
     * @throws InstallerFailure {@link InstallerError#BAD_CONFIGURATION} saying what is wrong, or
     *                          {@link InstallerError#NO_HOST_CATALOG} when there is no host
     */
    static String check(String path) {
        if (path == null || path.isBlank()) {
            throw bad("no provider DLL: pass --dll <module path> or set JWSP_DLL");
        }
        if (path.length() >= MAX_PATH) {
            throw bad("the provider DLL path is " + path.length() + " characters, Winsock takes fewer than "
                    + MAX_PATH + ": " + path);
        }
        if (kernel().procAddress(path, "WSPStartup").equals(MemorySegment.NULL)) {
            throw bad("the Linux host has no module '" + path + "' exporting WSPStartup (on the host a provider"
                    + " DLL is a module registered with LinuxKernelPort.registerExport; samples/jwsp.sh registers jwsp's)");
        }
        return path;
    }

    /** This process's kernel port, or one line saying why there is none. */
    static KernelPort kernel() {
        try {
            return KernelPort.system();
        } catch (KernelException e) {
            throw new InstallerFailure(InstallerError.NO_HOST_CATALOG, "there is no Winsock catalog on "
                    + System.getProperty("os.name") + ": " + e.getMessage(), e);
        }
    }

    private static InstallerFailure bad(String reason) {
        return new InstallerFailure(InstallerError.BAD_CONFIGURATION, reason);
    }
}
