package org.jwsp.windows.install;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The files jwsp.dll loads, made safe before the catalog names them: jwsp's own (the install
 * folder, which is the DLL's folder, its {@code lib} folder, the DLL, {@code jwsp-admin.exe} and
 * every jar there) get {@link InstallAcl#FOLDER} / {@link InstallAcl#FILE} when they are not
 * already safe, and are read back; the JDK's ({@code jvm.dll}, {@code bin\server}, {@code bin}
 * and the JDK folder, which the JVM loads more code from) are only verified: jwsp does not change
 * another product's permissions. The first thing that stays unsafe is refused with
 * {@link InstallerError#UNSAFE_LAYOUT} and the exact reason, before any catalog call.
 *
 * <p>Called by {@link Installer} on Windows, on its thread; file access through {@link FileSecurity}.
 */
public final class InstallLayout {

    private final Path dll;
    private final Path jvmDll;

    /** @param dll jwsp.dll's absolute path (its folder is the install folder); @param jvmDll the JDK's jvm.dll */
    public InstallLayout(Path dll, Path jvmDll) {
        this.dll = dll;
        this.jvmDll = jvmDll;
    }

    /** jwsp's own files: the install folder first, then what is in it. */
    List<Path> ownFiles() {
        Path folder = dll.getParent();
        List<Path> own = new ArrayList<>(List.of(folder, dll));
        Path admin = folder.resolve("jwsp-admin.exe");
        if (Files.isRegularFile(admin)) {
            own.add(admin);
        }
        own.addAll(jars(folder));
        Path lib = folder.resolve("lib");
        if (Files.isDirectory(lib)) {
            own.add(lib);
            own.addAll(jars(lib));
        }
        return own;
    }

    /** The JDK's files jwsp.dll loads code from: jvm.dll and three folders up, as the bootstrap checks. */
    List<Path> jdkFiles() {
        List<Path> jdk = new ArrayList<>(List.of(jvmDll));
        Path at = jvmDll.getParent();
        for (int k = 0; k < 3 && at != null && at.getParent() != null; k++, at = at.getParent()) {
            jdk.add(at);
        }
        return jdk;
    }

    /**
     * Sets or verifies every ACL; prints one line per descriptor it set.
     *
     * @throws InstallerFailure {@link InstallerError#UNSAFE_LAYOUT} naming the file and who may change it
     */
    public void secure(FileSecurity security, PrintStream out) {
        if (!Files.isRegularFile(jvmDll)) {
            throw unsafe("the JDK's jvm.dll is not a file: " + jvmDll + " (pass --jvm=<path to bin\\server\\jvm.dll>)");
        }
        for (Path own : ownFiles()) {
            Optional<String> refused = check(security, own);
            if (refused.isPresent()) {
                security.write(own, Files.isDirectory(own) ? InstallAcl.FOLDER : InstallAcl.FILE);
                out.println("ACL set on " + own + " (was: " + refused.get() + ")");
                Optional<String> still = check(security, own);
                if (still.isPresent()) {
                    throw unsafe(still.get() + ", even after jwsp set its ACL");
                }
            }
        }
        for (Path jdk : jdkFiles()) {
            Optional<String> refused = check(security, jdk);
            if (refused.isPresent()) {
                throw unsafe(refused.get() + "; jwsp does not change the JDK's permissions: install the JDK under"
                        + " %ProgramFiles% or give it an ACL like jwsp's (docs/WINDOWS.md)");
            }
        }
    }

    private static Optional<String> check(FileSecurity security, Path path) {
        String sddl = security.read(path);
        try {
            return InstallAcl.refusal(SecurityDescriptor.parse(sddl), path.toString());
        } catch (IllegalArgumentException e) {
            return Optional.of(path + " has a security descriptor jwsp cannot read (" + e.getMessage() + ")");
        }
    }

    private static List<Path> jars(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".jar"))
                    .sorted().toList();
        } catch (IOException e) {
            throw unsafe("cannot list " + folder + ": " + e.getMessage());
        }
    }

    static InstallerFailure unsafe(String reason) {
        return new InstallerFailure(InstallerError.UNSAFE_LAYOUT, reason);
    }
}
