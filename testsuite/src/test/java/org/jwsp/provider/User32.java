package org.jwsp.provider;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import org.jwsp.bindings.windows.MSG;
import org.jwsp.kernel.KernelPort;

/**
 * A GUI program's side of WSAAsyncSelect, through the user32 exports the host offers
 * ({@code procAddress("user32.dll", ...)}, native function pointers): a message-only window of the
 * calling thread, and its message loop ({@code MsgWaitForMultipleObjects} with a timeout, then
 * {@code PeekMessageW(PM_REMOVE)}). One per test thread; not thread-safe.
 */
final class User32 {

    /** One message as the program's loop took it. */
    record Message(long window, int message, long wParam, int event, int error) {
    }

    private final MethodHandle createWindow;
    private final MethodHandle destroyWindow;
    private final MethodHandle peekMessage;
    private final MethodHandle msgWait;
    final MethodHandle postMessage;
    private final MemorySegment msg;

    User32(KernelPort kernel, Arena arena) {
        Linker linker = Linker.nativeLinker();
        createWindow = linker.downcallHandle(fn(kernel, "CreateWindowExW"), FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
        destroyWindow = linker.downcallHandle(fn(kernel, "DestroyWindow"), FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        peekMessage = linker.downcallHandle(fn(kernel, "PeekMessageW"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
        msgWait = linker.downcallHandle(fn(kernel, "MsgWaitForMultipleObjects"),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
        postMessage = linker.downcallHandle(fn(kernel, "PostMessageW"), FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
        msg = MSG.allocate(arena);
    }

    private static MemorySegment fn(KernelPort kernel, String name) {
        MemorySegment f = kernel.procAddress("user32.dll", name);
        assertNotEquals(0, f.address(), () -> "user32.dll exports " + name);
        return f;
    }

    /** {@code CreateWindowExW(0, "STATIC", NULL, 0, 0, 0, 0, 0, HWND_MESSAGE, ...)}. */
    long createWindow() throws Throwable {
        long w = (long) createWindow.invokeExact(0, MemorySegment.NULL, MemorySegment.NULL, 0, 0, 0, 0, 0, -3L, 0L, 0L, MemorySegment.NULL);
        assertNotEquals(0L, w, "CreateWindowExW");
        return w;
    }

    boolean destroyWindow(long w) throws Throwable {
        return (int) destroyWindow.invokeExact(w) != 0;
    }

    /** The next message of this thread's queue, waiting up to 10 s; null if none came. */
    Message next() throws Throwable {
        int woke = (int) msgWait.invokeExact(0, MemorySegment.NULL, 0, 10_000, QS_ALLINPUT());
        if (woke == WAIT_TIMEOUT()) {
            return null;
        }
        assertEquals(WAIT_OBJECT_0(), woke, "MsgWaitForMultipleObjects");
        assertEquals(TRUE(), (int) peekMessage.invokeExact(msg, 0L, 0, 0, PM_REMOVE()), "PeekMessageW after a wake");
        long lParam = MSG.lParam(msg);
        return new Message(MSG.hwnd(msg).address(), MSG.message(msg), MSG.wParam(msg), (int) (lParam & 0xFFFF), (int) ((lParam >>> 16) & 0xFFFF));
    }

    /** Whether a message for {@code window} is waiting now (PeekMessageW without removing it). */
    boolean anyWaiting(long window) throws Throwable {
        return (int) peekMessage.invokeExact(msg, window, 0, 0, PM_NOREMOVE()) != 0;
    }
}
