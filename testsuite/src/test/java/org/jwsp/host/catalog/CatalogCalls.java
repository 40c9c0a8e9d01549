package org.jwsp.host.catalog;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.jwsp.bindings.windows.GUID;
import org.jwsp.kernel.KernelPort;

/**
 * The host's catalog-writing exports called as a native program calls them: through the function
 * pointers {@code procAddress("ws2_32.dll", ...)} returns. Each call returns the export's result;
 * {@link #errno} holds what the last one wrote to {@code lpErrno} (-1 if nothing). Test thread only.
 */
final class CatalogCalls {

    private static final ValueLayout A = ValueLayout.ADDRESS;
    private static final ValueLayout I = ValueLayout.JAVA_INT;
    static final MethodHandle INSTALL = downcall("WSCInstallProvider", FunctionDescriptor.of(I, A, A, A, I, A));
    static final MethodHandle DEINSTALL = downcall("WSCDeinstallProvider", FunctionDescriptor.of(I, A, A));
    static final MethodHandle WRITE_ORDER = downcall("WSCWriteProviderOrder", FunctionDescriptor.of(I, A, I));

    static int errno = -1;

    private CatalogCalls() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        Catalog.system(); // the host registers its exports with its catalog
        return Linker.nativeLinker().downcallHandle(KernelPort.system().procAddress("ws2_32.dll", name), descriptor);
    }

    static MemorySegment guid(UUID id, Arena arena) {
        MemorySegment g = GUID.allocate(arena);
        Guids.write(id, g);
        return g;
    }

    static int install(UUID id, String path, MemorySegment infos, int count, Arena arena) {
        return install(guid(id, arena), arena.allocateFrom(path, StandardCharsets.UTF_16LE), infos, count, arena);
    }

    static int install(MemorySegment guid, MemorySegment path, MemorySegment infos, int count, Arena arena) {
        MemorySegment lpErrno = arena.allocateFrom(ValueLayout.JAVA_INT, -1);
        try {
            int rc = (int) INSTALL.invokeExact(guid, path, infos, count, lpErrno);
            errno = lpErrno.get(ValueLayout.JAVA_INT, 0);
            return rc;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int deinstall(UUID id, Arena arena) {
        return deinstall(guid(id, arena), arena);
    }

    static int deinstall(MemorySegment guid, Arena arena) {
        MemorySegment lpErrno = arena.allocateFrom(ValueLayout.JAVA_INT, -1);
        try {
            int rc = (int) DEINSTALL.invokeExact(guid, lpErrno);
            errno = lpErrno.get(ValueLayout.JAVA_INT, 0);
            return rc;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int writeOrder(int[] ids) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) WRITE_ORDER.invokeExact(arena.allocateFrom(ValueLayout.JAVA_INT, ids), ids.length);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
