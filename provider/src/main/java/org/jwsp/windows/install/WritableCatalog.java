package org.jwsp.windows.install;

import java.lang.foreign.MemorySegment;

/**
 * The catalog calls that change the Winsock catalog, one method per ws2_32 function. Every
 * method either succeeds or throws {@link CatalogException} with the WSAE code Windows gave.
 * Implemented by {@link Ws2CatalogExports} (Windows and the Linux host); called by
 * {@link LayeredInstall} and {@link Installer}, on the caller's thread.
 */
public interface WritableCatalog extends CatalogSource {

    /**
     * Whether this process may change the catalog (on Windows: its token is elevated). When it is
     * false the installer refuses before calling anything, because the catalog functions
     * themselves only answer {@code WSANO_RECOVERY} to a process that is not elevated.
     */
    boolean elevated();

    /** {@code WSCInstallProvider(id, dllPath, entries, count)}: {@code entries} is {@code WSAPROTOCOL_INFOW[count]}. */
    void install(ProviderId id, String dllPath, MemorySegment entries, int count);

    /** {@code WSCDeinstallProvider(id)}: removes every entry installed under {@code id}. */
    void deinstall(ProviderId id);

    /** {@code WSCWriteProviderOrder(catalogIds)}: a permutation of every catalog id. */
    void writeOrder(int[] catalogIds);

    /** {@code WSCSetProviderInfo(id, ProviderInfoLspCategories, categories)}: the LSP categories of {@code id}'s entries. */
    void setProviderCategories(ProviderId id, int categories);

    /** {@code WSCGetApplicationCategory(path)}: the program's permitted LSP categories, 0 when none are set. */
    int applicationCategories(String path);

    /** {@code WSCSetApplicationCategory(path, categories)}: only LSPs of these categories are loaded into it. */
    void setApplicationCategories(String path, int categories);
}
