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
 * <p>Install: enumerate; refuse if jwsp is there already; choose the bases
 * ({@link ProtocolChains#basesToLayerOver}); install the hidden layered entry under
 * {@link ProviderId#JWSP_LAYERED}; enumerate again for the catalog id Windows gave it; install one
 * chain per base under {@link ProviderId#JWSP_CHAINS}; write the order with the chains first. If
 * any step fails, what was added is removed again. Uninstall removes both ids (chains first) and
 * checks nothing of jwsp is left; since install only appended entries and moved its own to the
 * front, the others are then exactly where they were.
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
                case LIST -> list(out);
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
        String dll = ProviderDll.check(options.dll());
        WritableCatalog catalog = writableCatalog(Command.INSTALL);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] before = catalog.protocols(arena);
            JwspEntries present = JwspEntries.in(before);
            if (present.installed()) {
                throw new InstallerFailure(InstallerError.ALREADY_INSTALLED, "jwsp's entries are in the catalog ("
                        + JwspEntries.describe(present.layered()) + describeMore(present.chains())
                        + "); run 'jwsp uninstall' first");
            }
            List<MemorySegment> bases = ProtocolChains.basesToLayerOver(before);
            if (bases.isEmpty()) {
                throw new InstallerFailure(InstallerError.NO_BASE_PROVIDERS, "the catalog has no visible base"
                        + " provider for TCP or UDP over IPv4 or IPv6 (see 'jwsp list')");
            }
            catalog.install(ProviderId.JWSP_LAYERED, dll, ProtocolChains.layeredEntry(bases.getFirst(),
                    options.name(), arena), 1);
            try {
                int layeredId = JwspEntries.in(catalog.protocols(arena)).layeredCatalogId();
                if (layeredId == 0) {
                    throw new CatalogException("WSCInstallProvider " + ProviderId.JWSP_LAYERED,
                            "the layered entry is not in the catalog after it was installed", null);
                }
                catalog.install(ProviderId.JWSP_CHAINS, dll,
                        ProtocolChains.chainEntries(bases, layeredId, options.name(), arena), bases.size());
                catalog.writeOrder(ProtocolChains.orderWithChainsFirst(catalog.protocols(arena), layeredId));
            } catch (CatalogException | InstallerFailure e) {
                rollBack(catalog, arena, e);
                throw e;
            }
            JwspEntries installed = JwspEntries.in(catalog.protocols(arena));
            out.println("jwsp installed from " + dll + ": layered entry "
                    + JwspEntries.describe(installed.layered()) + ", chains " + JwspEntries.describe(installed.chains()));
        }
    }

    /** Removes whatever of jwsp a failed install added; a failure here is added to the first one. */
    private static void rollBack(WritableCatalog catalog, Arena arena, RuntimeException first) {
        JwspEntries added = JwspEntries.in(catalog.protocols(arena));
        try {
            if (!added.chains().isEmpty()) {
                catalog.deinstall(ProviderId.JWSP_CHAINS);
            }
            if (!added.layered().isEmpty()) {
                catalog.deinstall(ProviderId.JWSP_LAYERED);
            }
        } catch (CatalogException e) {
            first.addSuppressed(e);
        }
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
            if (!present.chains().isEmpty()) {
                catalog.deinstall(ProviderId.JWSP_CHAINS);
            }
            if (!present.layered().isEmpty()) {
                catalog.deinstall(ProviderId.JWSP_LAYERED);
            }
            JwspEntries left = JwspEntries.in(catalog.protocols(arena));
            if (left.installed()) {
                throw new InstallerFailure(InstallerError.CATALOG_REFUSED, "jwsp's entries are still in the catalog"
                        + " after WSCDeinstallProvider: " + JwspEntries.describe(left.layered())
                        + describeMore(left.chains()));
            }
            out.println("jwsp uninstalled: " + removed + " catalog entries removed");
        }
    }

    private void list(PrintStream out) {
        CatalogSource catalog = context.windowsX64() ? context.windowsCatalog().get() : context.hostCatalog().get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] entries = catalog.protocols(arena);
            out.print(CatalogListing.format(entries, catalog));
            JwspEntries jwsp = JwspEntries.in(entries);
            out.println();
            out.println(entries.length + " catalog entries; jwsp is " + (jwsp.installed()
                    ? "installed (" + (jwsp.layered().size() + jwsp.chains().size()) + " entries)" : "not installed"));
        }
    }

    private WritableCatalog writableCatalog(Command command) {
        if (!context.windowsX64()) {
            throw new InstallerFailure(InstallerError.NOT_WINDOWS, command.name().toLowerCase(java.util.Locale.ROOT)
                    + " changes the 64-bit Winsock catalog, which only Windows x64 has (this is " + context.osName()
                    + " " + context.osArch() + "); 'jwsp list' shows the host's catalog here");
        }
        WritableCatalog catalog = context.windowsCatalog().get();
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
