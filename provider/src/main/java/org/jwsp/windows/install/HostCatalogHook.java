package org.jwsp.windows.install;

/**
 * Where {@code jwsp list} finds a catalog on a system without Winsock: the Linux host's catalog
 * (the host plays ws2_32 and keeps its own {@code WSAPROTOCOL_INFOW} entries).
 *
 * <p>The hook: a class named {@value #HOST_CATALOG_CLASS} with a
 * {@code public static CatalogSource instance()}. The host (org.jwsp.host.*, built on its own
 * branch) provides it; this branch does not, so until the two are merged {@code list} on Linux
 * answers {@link InstallerError#NO_HOST_CATALOG} naming that class. Loaded by name so the
 * Windows side never depends on the host's classes.
 */
public final class HostCatalogHook {

    /** The class the Linux host provides: {@code public static CatalogSource instance()}. */
    public static final String HOST_CATALOG_CLASS = "org.jwsp.host.catalog.HostCatalogSource";

    private HostCatalogHook() {
    }

    /** The host's catalog from {@value #HOST_CATALOG_CLASS}. */
    public static CatalogSource load() {
        return load(HOST_CATALOG_CLASS);
    }

    static CatalogSource load(String className) {
        Object source;
        try {
            source = Class.forName(className).getMethod("instance").invoke(null);
        } catch (ClassNotFoundException e) {
            throw new InstallerFailure(InstallerError.NO_HOST_CATALOG, "there is no Winsock catalog on "
                    + System.getProperty("os.name") + " and the Linux host's catalog (" + className
                    + ") is not on the class path", e);
        } catch (ReflectiveOperationException | RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new InstallerFailure(InstallerError.NO_HOST_CATALOG,
                    "the host's catalog " + className + ".instance() failed: " + cause, e);
        }
        if (!(source instanceof CatalogSource catalog)) {
            throw new InstallerFailure(InstallerError.NO_HOST_CATALOG, className + ".instance() gave "
                    + (source == null ? "null" : source.getClass().getName()) + ", not a CatalogSource");
        }
        return catalog;
    }
}
