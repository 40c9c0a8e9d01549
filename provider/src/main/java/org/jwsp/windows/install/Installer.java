package org.jwsp.windows.install;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.windows.install.InstallerOptions.Command;

/**
 * {@code jwsp install | upgrade | uninstall | list}: installs jwsp as a layered provider over the
 * base TCP/UDP-over-IPv4/IPv6 providers of the 64-bit Winsock catalog with honest LSP categories
 * ({@link LspCategories}), after securing its files on Windows ({@link InstallLayout}); upgrades
 * (uninstall and install in one command); removes it, reinstalling any provider layered over jwsp
 * without it ({@link JwspRemoval}); and lists the catalog like {@code netsh winsock show catalog}.
 *
 * <p>The catalog is Windows x64's ({@link WinsockCatalog}) or, on any other system, the Linux
 * host's in this process ({@link Ws2CatalogExports#ofThisProcess()}); both are
 * {@link Ws2CatalogExports} over ws2_32's catalog functions, and the mechanics are
 * {@link LayeredInstall}'s and {@link ProtocolChains}', so the host runs exactly what Windows runs.
 * What differs: the provider DLL check ({@link ProviderDll} on Windows, {@link HostProviderModule}
 * on the host) and elevation (the host's catalog belongs to this process and is always writable).
 * Uninstall checks nothing of jwsp is left afterwards.
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
                case INSTALL -> install(options, out, false);
                case UPGRADE -> install(options, out, true);
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

    /**
     * Checks the DLL and, on Windows, secures the layout; then (upgrade) removes jwsp if it is
     * there, installs, and sets the LSP categories. A failure to set the categories removes jwsp
     * again: jwsp is never left in the catalog loadable into system processes.
     */
    private void install(InstallerOptions options, PrintStream out, boolean upgrade) {
        String dll = context.windowsX64() ? ProviderDll.check(options.dll()) : HostProviderModule.check(options.dll());
        if (context.windowsX64()) {
            Path jvm = options.jvm() != null ? Path.of(options.jvm()) : Path.of(context.javaHome(), "bin", "server", "jvm.dll");
            new InstallLayout(Path.of(dll), jvm).secure(context.fileSecurity().get(), out);
        }
        WritableCatalog catalog = writableCatalog(upgrade ? Command.UPGRADE : Command.INSTALL);
        if (upgrade) {
            int removed = JwspRemoval.remove(catalog, out);
            out.println(removed == 0 ? "jwsp was not installed" : "jwsp uninstalled: " + removed + " catalog entries removed");
        }
        InstalledLayer installed = LayeredInstall.jwsp(catalog, dll, options.name());
        try {
            LspCategories.apply(catalog, context.system32(), out);
        } catch (CatalogException | InstallerFailure e) {
            try {
                LayeredInstall.uninstall(catalog, ProviderId.JWSP_LAYERED, ProviderId.JWSP_CHAINS);
            } catch (CatalogException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
        out.println("jwsp installed from " + dll + ": layered entry " + installed.layeredCatalogId() + " ("
                + options.name() + "), chains " + String.join(", ", installed.chains().stream()
                        .map(c -> c.catalogId() + " (" + c.name() + ")").toList()));
    }

    /** Removes jwsp, repairing providers layered over it ({@link JwspRemoval}). */
    private void uninstall(PrintStream out) {
        int removed = JwspRemoval.remove(writableCatalog(Command.UNINSTALL), out);
        out.println(removed == 0 ? "jwsp is not installed; the catalog is unchanged"
                : "jwsp uninstalled: " + removed + " catalog entries removed");
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

    private static String hint(CatalogException e) {
        if (InstallerError.of(e) == InstallerError.NOT_ELEVATED) {
            return " (run from an Administrator prompt)";
        }
        return e.code() == ws2spi_h.WSANO_RECOVERY()
                ? " (WSANO_RECOVERY is also what Windows answers a process that may not write the catalog)" : "";
    }
}
