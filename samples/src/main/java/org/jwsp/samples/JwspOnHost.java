package org.jwsp.samples;

import java.lang.foreign.MemorySegment;

import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;
import org.jwsp.provider.LayeredProvider;
import org.jwsp.provider.ProviderSettings;
import org.jwsp.provider.filter.SendFilter;
import org.jwsp.windows.install.InstalledLayer;
import org.jwsp.windows.install.LayeredInstall;
import org.jwsp.windows.install.Ws2CatalogExports;

/**
 * The one class of the samples that knows they run on the Linux host: jwsp installed in the
 * host's Winsock catalog over the base TCP and UDP providers, IPv4 and IPv6 (as the installer
 * does on Windows), and a program's {@code WSAStartup} on top of it, offered as {@link Winsock}.
 * Every socket the program makes through it is a jwsp socket, and every {@code WSASend} goes
 * through jwsp's {@code WSPSend} by its native pointer, then to the base provider, then to a real
 * Linux socket. {@link #baseProviderOnly()} is the same program with no jwsp in the catalog.
 *
 * <p>Made and closed on one thread; the {@link Winsock} calls may come from any thread.
 * {@link #close()} runs {@code WSACleanup} (jwsp's last {@code WSPCleanup} frees its runtime) and
 * uninstalls. {@code SamplesArchitectureTest} holds that no other sample class imports the host
 * or the provider's internals.
 */
public final class JwspOnHost implements Winsock, AutoCloseable {

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
     * Configures jwsp with {@code filter}, installs it as {@code jwsp install} does (over
     * the base TCP/IP, UDP/IP, TCP/IPv6 and UDP/IPv6 entries) and starts a
     * program's Winsock. jwsp itself starts on the first socket the program makes.
     *
     * @throws IllegalStateException if jwsp is already running in this process
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

    /** A program's Winsock over the base providers alone: nothing of jwsp is installed. */
    public static JwspOnHost baseProviderOnly() {
        return new JwspOnHost(null, Ws2.startup(Catalog.system()));
    }

    /** The program's ws2_32 (and kernel32). */
    public Winsock winsock() {
        return this;
    }

    /** The names of the protocol chains jwsp added, e.g. "jwsp over [MSAFD Tcpip [TCP/IP]]"; empty for the base alone. */
    public String chains() {
        return installed == null ? "" : String.join(", ", installed.chainNames());
    }

    /** Sockets open through jwsp right now. */
    public static int jwspSockets() {
        return LayeredProvider.openSockets();
    }

    /** Overlapped operations jwsp holds right now. */
    public static int jwspRequests() {
        return LayeredProvider.outstandingRequests();
    }

    /** Whether jwsp's runtime is up in this process. */
    public static boolean jwspRunning() {
        return LayeredProvider.started();
    }

    @Override
    public boolean throughJwsp(long s) {
        var p = ws2.provider(s);
        return p != null && p.entry().chainLength() > 1;
    }

    @Override
    public int lastError() {
        return ws2.lastError();
    }

    @Override
    public long socket(int af, int type, int protocol, int flags) {
        return ws2.socket(af, type, protocol, flags);
    }

    @Override
    public int bind(long s, MemorySegment name, int namelen) {
        return ws2.bind(s, name, namelen);
    }

    @Override
    public int connect(long s, MemorySegment name, int namelen) {
        return ws2.connect(s, name, namelen);
    }

    @Override
    public int getsockname(long s, MemorySegment name, MemorySegment namelen) {
        return ws2.getsockname(s, name, namelen);
    }

    @Override
    public int send(long s, MemorySegment buffers, int count, MemorySegment bytesSent, int flags, MemorySegment overlapped,
                    MemorySegment routine) {
        return ws2.send(s, buffers, count, bytesSent, flags, overlapped, routine);
    }

    @Override
    public int sendTo(long s, MemorySegment buffers, int count, MemorySegment bytesSent, int flags, MemorySegment to, int tolen,
                      MemorySegment overlapped, MemorySegment routine) {
        return ws2.sendTo(s, buffers, count, bytesSent, flags, to, tolen, overlapped, routine);
    }

    @Override
    public int recv(long s, MemorySegment buffers, int count, MemorySegment bytesReceived, MemorySegment flags,
                    MemorySegment overlapped, MemorySegment routine) {
        return ws2.recv(s, buffers, count, bytesReceived, flags, overlapped, routine);
    }

    @Override
    public boolean getOverlappedResult(long s, MemorySegment overlapped, MemorySegment bytes, boolean wait, MemorySegment flags) {
        return ws2.getOverlappedResult(s, overlapped, bytes, wait, flags);
    }

    @Override
    public int setsockopt(long s, int level, int name, MemorySegment value, int length) {
        return ws2.setsockopt(s, level, name, value, length);
    }

    @Override
    public int shutdown(long s, int how) {
        return ws2.shutdown(s, how);
    }

    @Override
    public int closesocket(long s) {
        return ws2.closesocket(s);
    }

    @Override
    public long createEvent() {
        return ws2.createEvent();
    }

    @Override
    public boolean resetEvent(long event) {
        return ws2.resetEvent(event);
    }

    @Override
    public boolean closeEvent(long event) {
        return ws2.closeEvent(event);
    }

    @Override
    public int waitForEvent(long event, int timeoutMillis, boolean alertable) {
        return ws2.waitForEvent(event, timeoutMillis, alertable);
    }

    @Override
    public int sleepEx(int timeoutMillis, boolean alertable) {
        return ws2.sleepEx(timeoutMillis, alertable);
    }

    @Override
    public KernelPort kernel() {
        return ws2.kernel();
    }

    /** {@code WSACleanup}, then uninstall; afterwards no jwsp socket or request is left. */
    @Override
    public void close() {
        try {
            ws2.close();
        } finally {
            if (installed != null) {
                try {
                    installed.close();
                } finally {
                    LinuxKernelPort.instance().unregisterModule(MODULE);
                }
            }
        }
    }
}
