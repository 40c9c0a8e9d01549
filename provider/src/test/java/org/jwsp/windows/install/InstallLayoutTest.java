package org.jwsp.windows.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The install layout over real files with a file security that keeps SDDL per path (what
 * {@link WindowsFileSecurity} reads and writes on Windows): jwsp's own files that are unsafe get
 * jwsp's ACL and are read back; the JDK is only verified; what stays unsafe is refused naming it.
 */
class InstallLayoutTest {

    private static final String UNDER_C = "O:BAD:AI(A;ID;FA;;;BA)(A;ID;FA;;;SY)(A;ID;0x1301bf;;;AU)";

    @TempDir
    Path root;
    private Path dll;
    private Path jvm;
    private final Map<Path, String> acls = new HashMap<>();
    private final List<Path> written = new ArrayList<>();
    private boolean writesIgnored;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private final FileSecurity security = new FileSecurity() {
        @Override
        public String read(Path path) {
            String sddl = acls.get(path);
            if (sddl == null) {
                throw InstallLayout.unsafe("cannot read who may change " + path);
            }
            return sddl;
        }

        @Override
        public void write(Path path, String sddl) {
            written.add(path);
            if (!writesIgnored) {
                acls.put(path, sddl);
            }
        }
    };

    @BeforeEach
    void layOut() throws IOException {
        Path jwsp = Files.createDirectories(root.resolve("jwsp"));
        dll = Files.writeString(jwsp.resolve("jwsp.dll"), "MZ");
        Files.createDirectories(jwsp.resolve("lib"));
        Files.writeString(jwsp.resolve("lib").resolve("jwsp-provider.jar"), "PK");
        Files.writeString(jwsp.resolve("lib").resolve("notes.txt"), "not loaded");
        jvm = Files.writeString(Files.createDirectories(root.resolve("jdk").resolve("bin").resolve("server")).resolve("jvm.dll"), "MZ");
        for (Path p : List.of(jwsp, dll, jwsp.resolve("lib"), jwsp.resolve("lib").resolve("jwsp-provider.jar"))) {
            acls.put(p, UNDER_C);
        }
        for (Path p : List.of(jvm, jvm.getParent(), jvm.getParent().getParent(), root.resolve("jdk"))) {
            acls.put(p, InstallAcl.FILE);
        }
    }

    private void secure() {
        new InstallLayout(dll, jvm).secure(security, new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    @Test
    void jwspsUnsafeFilesGetItsAclAndTheJdkIsOnlyRead() {
        secure();
        Path folder = dll.getParent();
        assertEquals(List.of(folder, dll, folder.resolve("lib"), folder.resolve("lib").resolve("jwsp-provider.jar")), written);
        assertEquals(InstallAcl.FOLDER, acls.get(folder));
        assertEquals(InstallAcl.FILE, acls.get(dll));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("ACL set on " + dll + " (was: " + dll
                + " may be changed by S-1-5-11"), out.toString(StandardCharsets.UTF_8));
        written.clear();
        secure();
        assertEquals(List.of(), written, "a safe layout is only verified");
    }

    @Test
    void aFileThatStaysWritableAfterJwspSetItsAclIsRefused() {
        writesIgnored = true;
        InstallerFailure f = assertThrows(InstallerFailure.class, this::secure);
        assertEquals(InstallerError.UNSAFE_LAYOUT, f.error());
        assertTrue(f.getMessage().contains(dll.getParent() + " may be changed by S-1-5-11")
                && f.getMessage().contains("even after jwsp set its ACL"), f.getMessage());
    }

    @Test
    void aJdkOthersMayChangeIsRefusedAndNotChanged() {
        acls.put(root.resolve("jdk"), "O:BAD:(A;;FA;;;SY)(A;;0x1301bf;;;BU)");
        InstallerFailure f = assertThrows(InstallerFailure.class, this::secure);
        assertEquals(InstallerError.UNSAFE_LAYOUT, f.error());
        assertTrue(f.getMessage().startsWith(root.resolve("jdk") + " may be changed by S-1-5-32-545"), f.getMessage());
        assertTrue(f.getMessage().contains("jwsp does not change the JDK's permissions"), f.getMessage());
        assertTrue(written.stream().noneMatch(p -> p.startsWith(root.resolve("jdk"))));
    }

    @Test
    void aMissingJvmDllIsRefusedBeforeAnythingIsWritten() throws IOException {
        Files.delete(jvm);
        InstallerFailure f = assertThrows(InstallerFailure.class, this::secure);
        assertTrue(f.getMessage().contains("jvm.dll is not a file"), f.getMessage());
        assertEquals(List.of(), written);
    }
}
