package org.jwsp.samples;

import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.provider.LayeredProvider;
import org.jwsp.provider.ProviderSettings;
import org.jwsp.provider.filter.SendFilter;
import org.jwsp.windows.install.InstalledLayer;
import org.jwsp.windows.install.LayeredInstall;
import org.jwsp.windows.install.Ws2CatalogExports;

/**
 * jwsp installed in the Linux host's Winsock catalog by the installer's own code, as
 * {@code jwsp install} installs it on Windows (over the base TCP and UDP providers of IPv4 and IPv6,
 * through ws2_32's catalog exports), and a program's {@code WSAStartup} on top of it: every TCP
 * socket the program makes through {@link #ws2()} is a jwsp socket, and every {@code WSASend} goes
 * through jwsp's {@code WSPSend} by its native pointer, then to the base provider, then to a real
 * Linux socket.
 *
 * <p>The host's stand-in for jwsp's DLL is the module {@link #MODULE} of its registry, exporting
 * jwsp's {@code WSPStartup} ({@link #registerModule()}). Made and closed on one thread;
 * {@link #close()} runs {@code WSACleanup} (jwsp's last {@code WSPCleanup} frees its runtime),
 * uninstalls and forgets the module.
 */
public final class JwspOnHost implements AutoCloseable {

    /** jwsp's "DLL path" in the host catalog. */
    public static final String MODULE = "C:\\Program Files\\jwsp\\jwsp.dll";

    private final InstalledLayer installed;
    private final Ws2 ws2;

    private JwspOnHost(InstalledLayer installed, Ws2 ws2) {
        this.installed = installed;
        this.ws2 = ws2;
    }

    /** Makes {@link #MODULE} the host's jwsp "DLL": {@code procAddress(MODULE, "WSPStartup")} is jwsp's {@code WSPStartup}. */
    public static void registerModule() {
        LinuxKernelPort.instance().registerExport(MODULE, "WSPStartup", LayeredProvider.startupStub());
    }

    /**
     * Configures jwsp with {@code filter}, installs it as {@code jwsp install} does and starts a
     * program's Winsock. jwsp itself starts on the first socket the program makes.
     */
    public static JwspOnHost install(SendFilter filter) {
        if (LayeredProvider.started()) {
            throw new IllegalStateException("jwsp is already running in this process");
        }
        LayeredProvider.configure(ProviderSettings.defaults().withFilter(filter));
        registerModule();
        InstalledLayer p = null;
        try {
            p = LayeredInstall.jwsp(Ws2CatalogExports.ofThisProcess(), MODULE, "jwsp");
            return new JwspOnHost(p, Ws2.startup(Catalog.system()));
        } catch (RuntimeException e) {
            try {
                if (p != null) {
                    p.close();
                }
            } finally {
                LinuxKernelPort.instance().unregisterModule(MODULE);
            }
            throw e;
        }
    }

    /** The program's ws2_32. */
    public Ws2 ws2() {
        return ws2;
    }

    /** The names of the protocol chains jwsp added, e.g. "jwsp over [MSAFD Tcpip [TCP/IP]]". */
    public String chains() {
        return String.join(", ", installed.chainNames());
    }

    /** {@code WSACleanup}, then uninstall; afterwards no jwsp socket or request is left. */
    @Override
    public void close() {
        try {
            ws2.close();
        } finally {
            try {
                installed.close();
            } finally {
                LinuxKernelPort.instance().unregisterModule(MODULE);
            }
        }
    }
}
