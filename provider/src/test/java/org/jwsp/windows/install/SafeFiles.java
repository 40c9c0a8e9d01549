package org.jwsp.windows.install;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * For installer tests about the catalog: a file security under which every file already has jwsp's
 * ACL (so nothing is set; {@link InstallLayoutTest} covers the layout itself), and a JDK folder
 * with a {@code bin\server\jvm.dll}. Test-only; stateless.
 */
final class SafeFiles implements FileSecurity {

    static final SafeFiles ALL = new SafeFiles();

    private SafeFiles() {
    }

    /** A JDK folder under {@code dir} holding {@code bin/server/jvm.dll}; returns the JDK folder. */
    static String jdk(Path dir) throws IOException {
        Path server = Files.createDirectories(dir.resolve("jdk").resolve("bin").resolve("server"));
        Files.writeString(server.resolve("jvm.dll"), "MZ");
        return dir.resolve("jdk").toString();
    }

    @Override
    public String read(Path path) {
        return InstallAcl.FILE;
    }

    @Override
    public void write(Path path, String sddl) {
        throw new AssertionError("nothing to set on " + path);
    }
}
