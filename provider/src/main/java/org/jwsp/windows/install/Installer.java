package org.jwsp.windows.install;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.windows.install.InstallerOptions.Command;

/**
 * {@code jwsp install | uninstall | list}: installs jwsp as a layered provider over the base
 * TCP/UDP-over-IPv4/IPv6 providers of the 64-bit Winsock catalog, removes it again leaving the
 * catalog as it was, and lists the catalog like {@code netsh winsock show catalog}.
 *
 * <p>The catalog is Windows x64's ({@link WinsockCatalog}) or, on any other system, the Linux
 * host's in this process ({@link Ws2CatalogExports#ofThisProcess()}); both are
 * {@link Ws2CatalogExports} over ws2_32's catalog functions, and the mechanics are
 * {@link LayeredInstall}'s and {@link ProtocolChains}', so the host runs exactly what Windows runs.
 * What differs: the provider DLL check ({@link ProviderDll} on Windows, {@link HostProviderModule}
 * on the host) and elevation (the host's catalog belongs to this process and is always writable).
 * Uninstall refuses while another provider is layered over jwsp, and checks nothing of jwsp is
 * left afterwards.
 *
 * <p>Every refusal is one {@link InstallerError} (the exit code) with a one-line reason on stderr.
 * Runs on the caller's thread; every native allocation lives in one confined arena per command.
 */
public final class Installer {

    private final InstallerContext context;

    public Installer(InstallerContext context) {
        this.context = context;
    }

    /** The command line entry point: exits with {@link #run}'s code. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command on this system; returns the exit code (0, or an {@link InstallerError}'s). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return new Installer(InstallerContext.system()).execute(args, out, err);
    }

    /** Runs one command against this installer's context; returns the exit code. */
    public int execute(String[] args, PrintStream out, PrintStream err) {
        String command = args.length > 0 ? "jwsp " + args[0] : "jwsp";
        try {
            InstallerOptions options = InstallerOptions.parse(args, context.environment());
            switch (options.command()) {
                case INSTALL -> install(options, out);
                case UNINSTALL -> uninstall(out);
                case LIST -> list(out, options.brief());
                case HELP -> out.print(options.text());
            }
            return 0;
        } catch (InstallerFailure f) {
            err.println(command + ": " + f.error().meaning() + ": " + f.getMessage());
            return f.error().exitCode();
        } catch (CatalogException e) {
            InstallerError error = InstallerError.of(e);
            err.println(command + ": " + error.meaning() + ": " + e.getMessage() + hint(e));
            return error.exitCode();
        }
    }

    private void install(InstallerOptions options, PrintStream out) {
        String dll = context.windowsX64() ? ProviderDll.check(options.dll()) : HostProviderModule.check(options.dll());
        InstalledLayer installed = LayeredInstall.jwsp(writableCatalog(Command.INSTALL), dll, options.name());
        out.println("jwsp installed from " + dll + ": layered entry " + installed.layeredCatalogId() + " ("
                + options.name() + "), chains " + String.join(", ", installed.chains().stream()
                        .map(c -> c.catalogId() + " (" + c.name() + ")").toList()));
    }

    private void uninstall(PrintStream out) {
        WritableCatalog catalog = writableCatalog(Command.UNINSTALL);
        try (Arena arena = Arena.ofConfined()) {
            JwspEntries present = JwspEntries.in(catalog.protocols(arena));
            if (!present.installed()) {
                out.println("jwsp is not installed; the catalog is unchanged");
                return;
            }
            if (!present.layeredAbove().isEmpty()) {
                throw new InstallerFailure(InstallerError.LAYERED_ABOVE, "these entries are layered over jwsp and"
                        + " would break: " + JwspEntries.describe(present.layeredAbove())
                        + "; uninstall that provider first, or run 'jwsp-admin uninstall' (beside jwsp.dll), which"
                        + " rewrites its chains without jwsp");
            }
            int removed = present.layered().size() + present.chains().size();
            LayeredInstall.uninstall(catalog, ProviderId.JWSP_LAYERED, ProviderId.JWSP_CHAINS);
            JwspEntries left = JwspEntries.in(catalog.protocols(arena));
            if (left.installed()) {
                throw new InstallerFailure(InstallerError.CATALOG_REFUSED, "jwsp's entries are still in the catalog"
                        + " after WSCDeinstallProvider: " + JwspEntries.describe(left.layered())
                        + describeMore(left.chains()));
            }
            out.println("jwsp uninstalled: " + removed + " catalog entries removed");
        }
    }

    private void list(PrintStream out, boolean brief) {
        CatalogSource catalog = context.windowsX64() ? context.windowsCatalog().get() : context.hostCatalog().get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] entries = catalog.protocols(arena);
            out.print(brief ? CatalogListing.brief(entries, catalog) : CatalogListing.format(entries, catalog));
            JwspEntries jwsp = JwspEntries.in(entries);
            out.println();
            out.println(entries.length + " catalog entries; jwsp is " + (jwsp.installed()
                    ? "installed (" + (jwsp.layered().size() + jwsp.chains().size()) + " entries)" : "not installed"));
        }
    }

    /**
     * Windows x64's catalog (refused unless elevated), or off Windows the Linux host's, which
     * belongs to this process alone and is always writable.
     */
    private WritableCatalog writableCatalog(Command command) {
        if (!context.windowsX64()) {
            if (context.osName().startsWith("Windows")) {
                throw new InstallerFailure(InstallerError.NOT_WINDOWS, command.name().toLowerCase(java.util.Locale.ROOT)
                        + " changes the 64-bit Winsock catalog, which only Windows x64 has (this is " + context.osName()
                        + " " + context.osArch() + "); run the installer with a 64-bit Java");
            }
        }
        WritableCatalog catalog = context.windowsX64() ? context.windowsCatalog().get() : context.hostCatalog().get();
        if (!catalog.elevated()) {
            throw new InstallerFailure(InstallerError.NOT_ELEVATED, "changing the Winsock catalog needs an"
                    + " elevated process: run from an Administrator prompt ('Run as administrator')");
        }
        return catalog;
    }

    private static String describeMore(List<MemorySegment> entries) {
        return entries.isEmpty() ? "" : ", " + JwspEntries.describe(entries);
    }

    private static String hint(CatalogException e) {
        if (InstallerError.of(e) == InstallerError.NOT_ELEVATED) {
            return " (run from an Administrator prompt)";
        }
        return e.code() == ws2spi_h.WSANO_RECOVERY()
                ? " (WSANO_RECOVERY is also what Windows answers a process that may not write the catalog)" : "";
    }
}
