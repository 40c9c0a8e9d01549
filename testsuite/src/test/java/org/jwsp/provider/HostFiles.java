package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jwsp.host.ws2.NativeWs2;
import org.jwsp.kernel.KernelPort;
import org.jwsp.testkit.Buffers;

/**
 * The files the TransmitFile and TransmitPackets tests send: a pattern file of {@link #SIZE} bytes
 * on disk, opened the way a program opens it (the host's kernel32 {@code CreateFileW}, read-only)
 * and closed with {@code CloseHandle}, and the check of what of it reached the peer.
 */
final class HostFiles {

    /** Bytes of a pattern file. */
    static final int SIZE = 100_000;
    private static final int SEED = 3;
    private static final MethodHandle CREATE_FILE;
    private static final MethodHandle CLOSE_HANDLE;

    static {
        NativeWs2.install(); // registers the host's kernel32 exports
        KernelPort k = KernelPort.system();
        CREATE_FILE = Linker.nativeLinker().downcallHandle(k.procAddress("kernel32.dll", "CreateFileW"), FunctionDescriptor.of(
                ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        CLOSE_HANDLE = Linker.nativeLinker().downcallHandle(k.procAddress("kernel32.dll", "CloseHandle"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    }

    private HostFiles() {
    }

    /** Writes a pattern file {@code name} of {@link #SIZE} bytes into {@code dir}. */
    static Path patternFile(Path dir, String name, Arena arena) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, Buffers.pattern(arena, SIZE, SEED).toArray(ValueLayout.JAVA_BYTE));
        return f;
    }

    /** {@code CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING)}: a handle, which must be valid. */
    static long createFile(Path path, Arena arena) throws Throwable {
        byte[] name = (path.toString() + "\0").getBytes(StandardCharsets.UTF_16LE);
        MemorySegment wide = arena.allocate(name.length, 2);
        wide.copyFrom(MemorySegment.ofArray(name));
        long h = (long) CREATE_FILE.invokeExact(wide, GENERIC_READ(), FILE_SHARE_READ(), MemorySegment.NULL, OPEN_EXISTING(), 0, 0L);
        assertNotEquals(-1L, h, "CreateFileW");
        return h;
    }

    static int closeHandle(long h) throws Throwable {
        return (int) CLOSE_HANDLE.invokeExact(h);
    }

    /** Bytes {@code [from, from + n)} of the pattern file must be what {@code got} holds at {@code at}. */
    static void assertFileBytes(MemorySegment got, long at, int from, int n) {
        for (int i = 0; i < n; i++) {
            assertEquals((byte) (SEED * 31 + from + i), got.get(ValueLayout.JAVA_BYTE, at + i), "file byte " + (from + i));
        }
    }
}
