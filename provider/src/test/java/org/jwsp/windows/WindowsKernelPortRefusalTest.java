package org.jwsp.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;

import org.jwsp.kernel.KernelException;
import org.jwsp.kernel.KernelPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Off Windows, the Windows kernel port must refuse cleanly: a {@link KernelException} with
 * {@code ERROR_NOT_SUPPORTED} and a message that says why, every time, without binding kernel32
 * (which would fail class initialisation and turn the next call into a NoClassDefFoundError).
 */
@EnabledOnOs(value = OS.LINUX, disabledReason = "the refusal is checked where the suite runs, on Linux; on Windows the port binds kernel32: WindowsKernelPortOnWindowsTest")
class WindowsKernelPortRefusalTest {

    private static final int ERROR_NOT_SUPPORTED = 50;

    @Test
    void instanceRefusesOffWindowsWithErrorNotSupportedAndSaysWhy() {
        KernelException refused = assertThrows(KernelException.class, WindowsKernelPort::instance);
        assertEquals(ERROR_NOT_SUPPORTED, refused.code());
        assertTrue(refused.getMessage().contains("only on Windows x64"), refused.getMessage());
        assertTrue(refused.getMessage().contains(System.getProperty("os.name")), refused.getMessage());
    }

    @Test
    void aSecondCallRefusesTheSameWayBecauseNoClassInitialisationFailed() {
        assertThrows(KernelException.class, WindowsKernelPort::instance);
        KernelException again = assertThrows(KernelException.class, WindowsKernelPort::instance);
        assertEquals(ERROR_NOT_SUPPORTED, again.code());
    }

    @Test
    void theByNameLookupKernelPortSystemUsesSeesTheRefusalAsItsCause() throws Exception {
        // KernelPort.system() loads the port exactly like this on Windows.
        Class<?> port = Class.forName("org.jwsp.windows.WindowsKernelPort");
        assertTrue(KernelPort.class.isAssignableFrom(port));
        InvocationTargetException e = assertThrows(InvocationTargetException.class,
                () -> port.getMethod("instance").invoke(null));
        KernelException cause = assertInstanceOf(KernelException.class, e.getCause());
        assertEquals(ERROR_NOT_SUPPORTED, cause.code());
    }

    @Test
    void refusalNamesTheOnlySupportedPlatform() {
        assertNull(WindowsKernelPort.refusal("Windows 11", "amd64"));
        assertNull(WindowsKernelPort.refusal("Windows Server 2022", "amd64"));
        assertTrue(WindowsKernelPort.refusal("Linux", "amd64").contains("os.name=Linux"));
        assertTrue(WindowsKernelPort.refusal("Windows 11", "x86").contains("64-bit"));
        assertTrue(WindowsKernelPort.refusal("Windows 11", "aarch64").contains("os.arch=aarch64"));
    }
}
