package org.jwsp.windows.install;

import java.nio.file.Path;

/**
 * Reads and writes a file's owner and DACL as SDDL: {@link WindowsFileSecurity} on Windows
 * ({@code GetNamedSecurityInfoW}, {@code SetFileSecurityW}); tests give a map of paths to
 * descriptors. Called by {@link InstallLayout} on the installer's thread.
 */
public interface FileSecurity {

    /**
     * The owner and DACL of {@code path} in SDDL.
     *
     * @throws InstallerFailure {@link InstallerError#UNSAFE_LAYOUT} when they cannot be read
     */
    String read(Path path);

    /**
     * Sets owner and DACL of {@code path} to {@code sddl} (a protected DACL replaces what was inherited).
     *
     * @throws InstallerFailure {@link InstallerError#UNSAFE_LAYOUT} when Windows refuses
     */
    void write(Path path, String sddl);
}
