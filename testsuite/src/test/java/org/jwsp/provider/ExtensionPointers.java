package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.jwsp.bindings.windows.ws2spi_h.SIO_GET_EXTENSION_FUNCTION_POINTER;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.UUID;

import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;

/**
 * What the extension-function tests ask of ws2_32 the way a program does: an extension function's
 * pointer by its GUID ({@code SIO_GET_EXTENSION_FUNCTION_POINTER}, the GUID laid out by jwsp's own
 * {@link ExtensionFunctions#writeGuid}), and the thread's last error through the host's exported
 * {@code WSAGetLastError}, where extension functions report.
 */
final class ExtensionPointers {

    private static final MethodHandle WSA_GET_LAST_ERROR = Linker.nativeLinker().downcallHandle(
            KernelPort.system().procAddress("ws2_32.dll", "WSAGetLastError"), FunctionDescriptor.of(ValueLayout.JAVA_INT));

    private ExtensionPointers() {
    }

    /** {@code id} as a Windows GUID in 16 bytes of {@code arena}. */
    static MemorySegment guid(UUID id, Arena arena) {
        MemorySegment g = arena.allocate(16, 8);
        ExtensionFunctions.writeGuid(id, g);
        return g;
    }

    /** The extension function {@code id} of socket {@code s}'s provider; the ioctl must succeed with 8 bytes. */
    static MemorySegment function(Ws2 ws2, long s, UUID id, Arena arena) {
        MemorySegment fn = arena.allocate(ValueLayout.JAVA_LONG);
        MemorySegment returned = arena.allocate(ValueLayout.JAVA_INT);
        assertEquals(0, ws2.ioctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER(), guid(id, arena), 16, fn, 8, returned, MemorySegment.NULL,
                MemorySegment.NULL), () -> "SIO_GET_EXTENSION_FUNCTION_POINTER: " + ws2.lastError());
        assertEquals(8, returned.get(ValueLayout.JAVA_INT, 0));
        return MemorySegment.ofAddress(fn.get(ValueLayout.JAVA_LONG, 0));
    }

    /** ws2_32's {@code WSAGetLastError} on this thread. */
    static int lastError() throws Throwable {
        return (int) WSA_GET_LAST_ERROR.invokeExact();
    }
}
