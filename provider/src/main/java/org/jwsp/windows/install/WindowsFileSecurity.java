package org.jwsp.windows.install;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * {@link FileSecurity} on Windows, through advapi32 by FFM: reads owner and DACL with
 * {@code GetNamedSecurityInfoW} and turns them into SDDL with
 * {@code ConvertSecurityDescriptorToStringSecurityDescriptorW}; writes with
 * {@code ConvertStringSecurityDescriptorToSecurityDescriptorW} and {@code SetFileSecurityW}
 * (owner, DACL, and {@code PROTECTED_DACL_SECURITY_INFORMATION}: nothing inherited). Every buffer
 * Windows allocates is {@code LocalFree}d before returning; the rest lives in a confined arena per call.
 *
 * <p>Windows only (the bindings resolve advapi32 when first called); the installer's thread.
 * Not run on Linux: see docs/WINDOWS.md "Not run".
 */
public final class WindowsFileSecurity implements FileSecurity {

    public WindowsFileSecurity() {
        System.loadLibrary("kernel32");
        System.loadLibrary("advapi32");
    }

    @Override
    public String read(Path path) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment sd = call.allocate(ValueLayout.ADDRESS);
            int info = OWNER_SECURITY_INFORMATION() | DACL_SECURITY_INFORMATION();
            int rc = GetNamedSecurityInfoW(wide(call, path), SE_FILE_OBJECT(), info, MemorySegment.NULL,
                    MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, sd);
            if (rc != ERROR_SUCCESS()) {
                throw InstallLayout.unsafe("cannot read who may change " + path + ": GetNamedSecurityInfoW error " + rc);
            }
            MemorySegment descriptor = sd.get(ValueLayout.ADDRESS, 0);
            try {
                MemorySegment text = call.allocate(ValueLayout.ADDRESS);
                if (ConvertSecurityDescriptorToStringSecurityDescriptorW(descriptor, SDDL_REVISION_1(), info, text,
                        MemorySegment.NULL) == 0) {
                    throw InstallLayout.unsafe("cannot convert the security descriptor of " + path + " to SDDL");
                }
                MemorySegment chars = text.get(ValueLayout.ADDRESS, 0);
                try {
                    return chars.reinterpret(Long.MAX_VALUE).getString(0, StandardCharsets.UTF_16LE);
                } finally {
                    LocalFree(chars);
                }
            } finally {
                LocalFree(descriptor);
            }
        }
    }

    @Override
    public void write(Path path, String sddl) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment sd = call.allocate(ValueLayout.ADDRESS);
            if (ConvertStringSecurityDescriptorToSecurityDescriptorW(call.allocateFrom(sddl, StandardCharsets.UTF_16LE),
                    SDDL_REVISION_1(), sd, MemorySegment.NULL) == 0) {
                throw InstallLayout.unsafe("jwsp's own SDDL was refused by Windows: " + sddl);
            }
            MemorySegment descriptor = sd.get(ValueLayout.ADDRESS, 0);
            try {
                int info = OWNER_SECURITY_INFORMATION() | DACL_SECURITY_INFORMATION()
                        | PROTECTED_DACL_SECURITY_INFORMATION();
                if (SetFileSecurityW(wide(call, path), info, descriptor) == 0) {
                    throw InstallLayout.unsafe("cannot set the ACL of " + path + " (SetFileSecurityW failed;"
                            + " is this an elevated prompt, on NTFS?)");
                }
            } finally {
                LocalFree(descriptor);
            }
        }
    }

    private static MemorySegment wide(Arena arena, Path path) {
        return arena.allocateFrom(path.toString(), StandardCharsets.UTF_16LE);
    }
}
