package org.jwsp.windows.install;

import org.jwsp.bindings.windows.ws2spi_h;

/**
 * The one table of every way {@code jwsp install | uninstall | list} can refuse or fail: its
 * process exit code and what it means. docs/WINDOWS.md repeats this table; InstallerErrorTest
 * holds the two together. Success is exit code 0 (including {@code uninstall} when jwsp is not
 * installed: nothing to do, catalog unchanged).
 */
public enum InstallerError {

    /** No, or an unknown, command or option; an option without its value or on the wrong command. */
    USAGE(2, "usage"),
    /** Missing or wrong configuration: no DLL path, not a file, not an x64 DLL (on the host: no such module), bad name. */
    BAD_CONFIGURATION(3, "bad configuration"),
    /** install/uninstall on Windows in a JVM that is not x64 (off Windows they go to the Linux host's catalog). */
    NOT_WINDOWS(4, "not on Windows"),
    /** The process is not elevated, or a catalog call answered WSAEACCES / ERROR_ACCESS_DENIED. */
    NOT_ELEVATED(5, "not elevated"),
    /** install found jwsp's entries already in the catalog. */
    ALREADY_INSTALLED(6, "already installed"),
    /** install found no visible TCP/UDP over IPv4/IPv6 base provider to layer over. */
    NO_BASE_PROVIDERS(7, "no base TCP/IP providers"),
    /** uninstall found a provider layered over jwsp that it cannot reinstall without jwsp (nothing was changed). */
    LAYERED_ABOVE(8, "a provider layered over jwsp cannot be repaired"),
    /** A catalog call failed with any other code (printed); install rolled back what it had added. */
    CATALOG_REFUSED(9, "the Winsock catalog refused"),
    /** Any command off Windows without the Linux host (jwsp-host.jar) on the class path. */
    NO_HOST_CATALOG(10, "no host catalog"),
    /** install/upgrade on Windows: a file jwsp.dll would load stays writable by others (or is missing). */
    UNSAFE_LAYOUT(11, "files others may change");

    private final int exitCode;
    private final String meaning;

    InstallerError(int exitCode, String meaning) {
        this.exitCode = exitCode;
        this.meaning = meaning;
    }

    public int exitCode() {
        return exitCode;
    }

    public String meaning() {
        return meaning;
    }

    /** The answer to a failed catalog call: access refusals mean "not elevated", anything else is a refusal. */
    public static InstallerError of(CatalogException e) {
        return e.code() == ws2spi_h.WSAEACCES() || e.code() == ws2spi_h.ERROR_ACCESS_DENIED()
                ? NOT_ELEVATED : CATALOG_REFUSED;
    }
}
