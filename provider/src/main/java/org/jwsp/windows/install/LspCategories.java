package org.jwsp.windows.install;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

import org.jwsp.bindings.windows.ws2spi_h;

/**
 * jwsp's honest LSP categories, and the system processes kept free of it, as Microsoft's
 * categorization asks of an LSP: jwsp observes traffic and its send filters may change what a
 * program sends, so its entries are {@code LSP_INSPECTOR | LSP_OUTBOUND_MODIFY}
 * ({@code WSCSetProviderInfo(ProviderInfoLspCategories)} on both GUIDs); {@code lsass},
 * {@code winlogon}, {@code services}, {@code wininit}, {@code csrss} and {@code smss} in system32
 * are given {@code LSP_SYSTEM} ({@code WSCSetApplicationCategory}) where no category is set yet, so
 * Windows loads no LSP that is not {@code LSP_SYSTEM} — jwsp included — into them. A process that
 * already has categories keeps them (said in one line). The same choices as
 * {@code jwsp-admin categorize}.
 *
 * <p>Called by {@link Installer} after the catalog entries exist; the installer's thread.
 */
public final class LspCategories {

    /** LSP_INSPECTOR | LSP_OUTBOUND_MODIFY. */
    public static final int JWSP = ws2spi_h.LSP_INSPECTOR() | ws2spi_h.LSP_OUTBOUND_MODIFY();
    /** The system processes kept free of jwsp, in system32. */
    public static final List<String> SYSTEM_PROCESSES = List.of("lsass.exe", "winlogon.exe", "services.exe",
            "wininit.exe", "csrss.exe", "smss.exe");

    private LspCategories() {
    }

    /** The path of each system process in {@code system32} (e.g. {@code C:\Windows\System32}). */
    public static List<String> systemProcesses(String system32) {
        return SYSTEM_PROCESSES.stream().map(p -> system32 + "\\" + p).toList();
    }

    /** Sets jwsp's categories and keeps the system processes out; one line per change on {@code out}. */
    public static void apply(WritableCatalog catalog, String system32, PrintStream out) {
        catalog.setProviderCategories(ProviderId.JWSP_LAYERED, JWSP);
        catalog.setProviderCategories(ProviderId.JWSP_CHAINS, JWSP);
        out.println(String.format(Locale.ROOT, "LSP categories of jwsp: 0x%08x (LSP_INSPECTOR | LSP_OUTBOUND_MODIFY)", JWSP));
        for (String process : systemProcesses(system32)) {
            int current = catalog.applicationCategories(process);
            if (current != 0) {
                out.println(String.format(Locale.ROOT, "%s keeps its LSP categories 0x%08x", process, current));
                continue;
            }
            catalog.setApplicationCategories(process, ws2spi_h.LSP_SYSTEM());
            out.println(process + ": LSP_SYSTEM (jwsp is not loaded there)");
        }
    }
}
