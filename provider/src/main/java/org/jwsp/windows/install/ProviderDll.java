package org.jwsp.windows.install;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The provider DLL path given to {@code jwsp install}, checked before anything touches the
 * catalog: absolute, shorter than {@code MAX_PATH}, a regular file, and a PE image that is a DLL
 * for x64 (IMAGE_FILE_MACHINE_AMD64). Winsock in a 64-bit process can load nothing else, and a
 * catalog entry naming a DLL that cannot load makes every socket of its protocol fail.
 *
 * <p>PE header read here: {@code "MZ"} at 0, {@code e_lfanew} (int) at 0x3C, then {@code "PE\0\0"},
 * {@code Machine} (short) at +4 and {@code Characteristics} (short) at +22, all little-endian.
 * Plain Java I/O; any thread.
 */
public final class ProviderDll {

    private static final int MAX_PATH = 260;
    private static final int HEADER_BYTES = 4096;
    private static final int MACHINE_AMD64 = 0x8664;
    private static final int MACHINE_I386 = 0x14C;
    private static final int MACHINE_ARM64 = 0xAA64;
    private static final int FILE_DLL = 0x2000;

    private ProviderDll() {
    }

    /**
     * The checked, absolute path of the DLL.
     *
     * @throws InstallerFailure {@link InstallerError#BAD_CONFIGURATION} saying what is wrong
     */
    public static String check(String path) {
        if (path == null || path.isBlank()) {
            throw bad("no provider DLL: pass --dll <absolute path to the jwsp DLL> or set JWSP_DLL");
        }
        Path dll = Path.of(path);
        if (!dll.isAbsolute()) {
            throw bad("the provider DLL path must be absolute (Winsock loads it from every process): " + path);
        }
        if (path.length() >= MAX_PATH) {
            throw bad("the provider DLL path is " + path.length() + " characters, Winsock takes fewer than "
                    + MAX_PATH + ": " + path);
        }
        if (!Files.isRegularFile(dll)) {
            throw bad("the provider DLL does not exist or is not a file: " + path);
        }
        int machine = machineOf(dll);
        if (machine != MACHINE_AMD64) {
            throw bad("the provider DLL is built for " + machineName(machine)
                    + ", Winsock in 64-bit processes loads only x64 DLLs: " + path);
        }
        return dll.toString();
    }

    /** The PE {@code Machine} of a DLL, or refuses when the file is not a PE DLL. */
    static int machineOf(Path dll) {
        byte[] head;
        try (InputStream in = Files.newInputStream(dll)) {
            head = in.readNBytes(HEADER_BYTES);
        } catch (IOException e) {
            throw new InstallerFailure(InstallerError.BAD_CONFIGURATION,
                    "the provider DLL cannot be read: " + dll + " (" + e.getMessage() + ")", e);
        }
        ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        if (head.length < 0x40 || b.get(0) != 'M' || b.get(1) != 'Z') {
            throw bad("the provider DLL is not a Windows PE image (no MZ header): " + dll);
        }
        int pe = b.getInt(0x3C);
        if (pe < 0x40 || pe > head.length - 24 || b.getInt(pe) != 0x0000_4550) { // "PE\0\0"
            throw bad("the provider DLL is not a Windows PE image (no PE header): " + dll);
        }
        int machine = Short.toUnsignedInt(b.getShort(pe + 4));
        int characteristics = Short.toUnsignedInt(b.getShort(pe + 22));
        if ((characteristics & FILE_DLL) == 0) {
            throw bad("the provider file is a PE image but not a DLL (an .exe?): " + dll);
        }
        return machine;
    }

    private static String machineName(int machine) {
        return switch (machine) {
            case MACHINE_I386 -> "32-bit x86";
            case MACHINE_ARM64 -> "ARM64";
            default -> String.format(Locale.ROOT, "machine 0x%04X", machine);
        };
    }

    private static InstallerFailure bad(String reason) {
        return new InstallerFailure(InstallerError.BAD_CONFIGURATION, reason);
    }
}
