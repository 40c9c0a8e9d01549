package org.jwsp.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.ws2spi_h;
import org.junit.jupiter.api.Test;

/**
 * HANDLE arguments are rewritten from pointer to long only where asked, only when they are
 * pointer-sized addresses. The descriptors are built from the same generated C_* layouts as the
 * real kernel32 ones (whose holders cannot be initialised off Windows).
 */
class HandleLayoutsTest {

    /** As ws2spi_h.PostQueuedCompletionStatus$descriptor(): BOOL (HANDLE, DWORD, ULONG_PTR, LPOVERLAPPED). */
    private static final FunctionDescriptor POST = FunctionDescriptor.of(ws2spi_h.C_INT,
            ws2spi_h.C_POINTER, ws2spi_h.C_LONG, ws2spi_h.C_LONG_LONG, ws2spi_h.C_POINTER);

    @Test
    void onlyTheNamedHandleArgumentsBecomeLongs() {
        FunctionDescriptor d = HandleLayouts.withHandleArgs(POST, 0);
        assertEquals(FunctionDescriptor.of(ws2spi_h.C_INT, ValueLayout.JAVA_LONG, ws2spi_h.C_LONG,
                ws2spi_h.C_LONG_LONG, ws2spi_h.C_POINTER), d);
        assertEquals(d.toMethodType().parameterType(3), java.lang.foreign.MemorySegment.class);
    }

    @Test
    void aReturnedHandleBecomesALong() {
        FunctionDescriptor create = FunctionDescriptor.of(ws2spi_h.C_POINTER, ws2spi_h.C_POINTER,
                ws2spi_h.C_POINTER, ws2spi_h.C_LONG_LONG, ws2spi_h.C_LONG);
        FunctionDescriptor d = HandleLayouts.returningHandle(create, 0, 1);
        assertEquals(long.class, d.toMethodType().returnType());
        assertEquals(long.class, d.toMethodType().parameterType(0));
        assertEquals(long.class, d.toMethodType().parameterType(1));
        assertEquals(int.class, d.toMethodType().parameterType(3));
    }

    @Test
    void aNonPointerArgumentIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> HandleLayouts.withHandleArgs(POST, 1));
        assertThrows(IllegalArgumentException.class, () -> HandleLayouts.withHandleArgs(POST, 4));
        assertThrows(IllegalArgumentException.class, () -> HandleLayouts.returningHandle(POST));
    }
}
