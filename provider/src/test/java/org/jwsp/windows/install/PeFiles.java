package org.jwsp.windows.install;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes minimal PE headers (as the PE/COFF specification lays them out) for the DLL checks. Test-only. */
final class PeFiles {

    static final int AMD64 = 0x8664;
    static final int I386 = 0x14C;
    static final int DLL = 0x2000 | 0x0020 | 0x0002; // IMAGE_FILE_DLL | LARGE_ADDRESS_AWARE | EXECUTABLE_IMAGE
    static final int EXE = 0x0020 | 0x0002;

    private PeFiles() {
    }

    static Path write(Path file, int machine, int characteristics) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) 'M').put(1, (byte) 'Z');
        b.putInt(0x3C, 0x80);
        b.putInt(0x80, 0x0000_4550); // "PE\0\0"
        b.putShort(0x84, (short) machine);
        b.putShort(0x80 + 22, (short) characteristics);
        Files.write(file, b.array());
        return file;
    }

    static Path x64Dll(Path dir) throws IOException {
        return write(dir.resolve("jwsp.dll"), AMD64, DLL);
    }
}
