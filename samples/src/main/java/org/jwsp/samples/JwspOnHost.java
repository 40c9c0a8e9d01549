package org.jwsp.samples;

import java.util.UUID;

import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.catalog.CatalogEntry;
import org.jwsp.host.catalog.InstalledProvider;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.provider.LayeredProvider;
import org.jwsp.provider.ProviderSettings;
import org.jwsp.provider.filter.SendFilter;

/**
 * jwsp installed in the Linux host's Winsock catalog over the base TCP providers (IPv4 and IPv6),
 * and a program's {@code WSAStartup} on top of it: every TCP socket the program makes through
 * {@link #ws2()} is a jwsp socket, and every {@code WSASend} goes through jwsp's {@code WSPSend}
 * by its native pointer, then to the base provider, then to a real Linux socket.
 *
 * <p>This is what the installer does on Windows ({@code WSCInstallProviderAndChains}) and what
 * ws2_32 does when a program starts. Made and closed on one thread; {@link #close()} runs
 * {@code WSACleanup} (jwsp's last {@code WSPCleanup} frees its runtime) and uninstalls.
 */
public final class JwspOnHost implements AutoCloseable {

    /** jwsp's "DLL path" in the host catalog. */
    public static final String MODULE = "C:\\Program Files\\jwsp\\jwsp.dll";
    /** jwsp's provider GUID. */
    public static final UUID PROVIDER_ID = UUID.fromString("4a77b3c1-5d0e-4f6a-9b3e-6a7c2f1d0e11");

    private final InstalledProvider installed;
    private final Ws2 ws2;

    private JwspOnHost(InstalledProvider installed, Ws2 ws2) {
        this.installed = installed;
        this.ws2 = ws2;
    }

    /**
     * Configures jwsp with {@code filter}, installs it over the base TCP entries and starts a
     * program's Winsock. jwsp itself starts on the first socket the program makes.
     */
    public static JwspOnHost install(SendFilter filter) {
        if (LayeredProvider.started()) {
            throw new IllegalStateException("jwsp is already running in this process");
        }
        LayeredProvider.configure(ProviderSettings.defaults().withFilter(filter));
        InstalledProvider p = Catalog.system().install(MODULE, LayeredProvider.startupStub(), PROVIDER_ID, "jwsp",
                Catalog.BASE_TCP_V4, Catalog.BASE_TCP_V6);
        try {
            return new JwspOnHost(p, Ws2.startup(Catalog.system()));
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /** The program's ws2_32. */
    public Ws2 ws2() {
        return ws2;
    }

    /** The names of the protocol chains jwsp added, e.g. "jwsp over MSAFD Tcpip [TCP/IP]". */
    public String chains() {
        return String.join(", ", installed.chains().stream().map(CatalogEntry::name).toList());
    }

    /** {@code WSACleanup}, then uninstall; afterwards no jwsp socket or request is left. */
    @Override
    public void close() {
        try {
            ws2.close();
        } finally {
            installed.close();
        }
    }
}
