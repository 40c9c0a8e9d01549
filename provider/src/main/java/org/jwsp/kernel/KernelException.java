package org.jwsp.kernel;

/**
 * A kernel call that creates or configures something was refused. Never thrown on the hot
 * path and never allowed to reach native code: upcalls catch it and map {@link #code()}.
 */
public final class KernelException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int code;

    public KernelException(String message, int code) {
        super(message);
        this.code = code;
    }

    public KernelException(String message, int code, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** The system's error code: a Win32 error on Windows, an errno on Linux, 0 if none. */
    public int code() {
        return code;
    }
}
