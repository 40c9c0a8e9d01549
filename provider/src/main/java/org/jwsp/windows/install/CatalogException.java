package org.jwsp.windows.install;

/**
 * A ws2_32 catalog function failed. {@link #code()} is the WSAE (or Win32) code it reported
 * through {@code lpErrno} or its result; {@link InstallerError#of(CatalogException)} maps it to
 * the installer's answer. Thrown by catalog implementations, caught by {@link Installer}.
 */
public final class CatalogException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String call;
    private final int code;

    public CatalogException(String call, int code) {
        super(call + " failed with error " + code);
        this.call = call;
        this.code = code;
    }

    public CatalogException(String call, String reason, Throwable cause) {
        super(call + " failed: " + reason, cause);
        this.call = call;
        this.code = 0;
    }

    /** The ws2_32 function that failed. */
    public String call() {
        return call;
    }

    /** Its error code (WSAE* or Win32), 0 if the call could not be made at all. */
    public int code() {
        return code;
    }
}
