package org.jwsp.windows.install;

/**
 * The installer refuses or fails: one {@link InstallerError} and a one-line reason for the user.
 * Thrown inside {@link Installer} and caught at its top, where it becomes the message on stderr
 * and the exit code.
 */
public final class InstallerFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final InstallerError error;

    public InstallerFailure(InstallerError error, String reason) {
        super(reason);
        this.error = error;
    }

    public InstallerFailure(InstallerError error, String reason, Throwable cause) {
        super(reason, cause);
        this.error = error;
    }

    public InstallerError error() {
        return error;
    }
}
