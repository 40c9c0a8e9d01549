package org.jwsp.host.upcall;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.windows.MSG;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.host.kernel.MessageWindows;

/**
 * The few user32 exports a Winsock program and a layered provider use for {@code WSAAsyncSelect},
 * found by {@code procAddress("user32.dll", name)}, over {@link MessageWindows} (an emulation:
 * message-only windows and posted messages, nothing else):
 * <ul>
 * <li>{@code HWND CreateWindowExW(...)}: a message-only window owned by the calling thread, whatever
 * class, name, style, size or parent is given (none has a window procedure);</li>
 * <li>{@code BOOL DestroyWindow(HWND)} (its owner only), {@code BOOL IsWindow(HWND)};</li>
 * <li>{@code BOOL PostMessageW(HWND, UINT, WPARAM, LPARAM)} (a NULL or unknown window:
 * {@code ERROR_INVALID_WINDOW_HANDLE}; thread messages are not emulated);</li>
 * <li>{@code BOOL GetMessageW(LPMSG, HWND, UINT, UINT)} (0 for {@code WM_QUIT}, -1 for a NULL
 * {@code MSG} or a window not the caller's) and {@code BOOL PeekMessageW(..., UINT wRemoveMsg)};</li>
 * <li>{@code DWORD MsgWaitForMultipleObjects(0, NULL, FALSE, ms, mask)}: {@code WAIT_OBJECT_0} once
 * a message is in the caller's queue, {@code WAIT_TIMEOUT}; with handles to wait on too it is
 * {@code WAIT_FAILED} with {@code ERROR_NOT_SUPPORTED}, the wake mask is not looked at.</li>
 * </ul>
 * The failure's code goes where {@code GetLastError} (here {@code WSAGetLastError}) finds it.
 *
 * <p>Any thread calls, pthreads included; every body catches {@link Throwable} and answers the
 * function's failure value. Registered once with the upcall table ({@link #register()}); the
 * stubs live for the process.
 */
public final class User32Exports {

    public static final String MODULE = "user32.dll";
    private static final Logger LOG = LogManager.getLogger(User32Exports.class);
    private static final LinuxKernelPort KERNEL = LinuxKernelPort.instance();
    private static final MessageWindows WINDOWS = KERNEL.windows();

    static {
        export("CreateWindowExW", "createWindowEx", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
        export("DestroyWindow", "destroyWindow", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        export("IsWindow", "isWindow", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        export("PostMessageW", "postMessage", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
        export("GetMessageW", "getMessage", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT));
        export("PeekMessageW", "peekMessage", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
        export("MsgWaitForMultipleObjects", "msgWaitForMultipleObjects",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private User32Exports() {
    }

    /** Makes sure the exports are registered (class initialisation does it once). */
    public static void register() {
        // the static initialiser is the registration
    }

    private static void export(String name, String method, FunctionDescriptor d) {
        try {
            var handle = MethodHandles.lookup().findStatic(User32Exports.class, method, d.toMethodType());
            KERNEL.registerExport(MODULE, name, Linker.nativeLinker().upcallStub(handle, d, Arena.global()));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static long createWindowEx(int exStyle, MemorySegment className, MemorySegment windowName, int style, int x, int y,
                                       int width, int height, long parent, long menu, long instance, MemorySegment param) {
        try {
            return WINDOWS.create(KERNEL.currentThreadId());
        } catch (Throwable t) {
            return fault("CreateWindowExW", t);
        }
    }

    private static int destroyWindow(long window) {
        try {
            return WINDOWS.destroy(window, KERNEL.currentThreadId()) ? TRUE() : invalidWindow();
        } catch (Throwable t) {
            return fault("DestroyWindow", t);
        }
    }

    private static int isWindow(long window) {
        try {
            return WINDOWS.isWindow(window) ? TRUE() : FALSE();
        } catch (Throwable t) {
            return fault("IsWindow", t);
        }
    }

    private static int postMessage(long window, int message, long wParam, long lParam) {
        try {
            return WINDOWS.post(window, message, wParam, lParam) ? TRUE() : invalidWindow();
        } catch (Throwable t) {
            return fault("PostMessageW", t);
        }
    }

    private static int getMessage(MemorySegment msg, long window, int min, int max) {
        try {
            int thread = KERNEL.currentThreadId();
            if (msg.address() == 0 || !WINDOWS.filterValid(window, thread)) {
                Ws2Exports.setLastError(msg.address() == 0 ? ERROR_INVALID_PARAMETER() : ERROR_INVALID_WINDOW_HANDLE());
                return -1;
            }
            MessageWindows.Message m = WINDOWS.take(thread, window, min, max, -1, true);
            write(msg, m);
            return m.message() == WM_QUIT() ? 0 : 1;
        } catch (Throwable t) {
            fault("GetMessageW", t);
            return -1;
        }
    }

    private static int peekMessage(MemorySegment msg, long window, int min, int max, int removeMsg) {
        try {
            int thread = KERNEL.currentThreadId();
            if (msg.address() == 0 || !WINDOWS.filterValid(window, thread)) {
                Ws2Exports.setLastError(msg.address() == 0 ? ERROR_INVALID_PARAMETER() : ERROR_INVALID_WINDOW_HANDLE());
                return FALSE();
            }
            MessageWindows.Message m = WINDOWS.take(thread, window, min, max, 0, (removeMsg & PM_REMOVE()) != 0);
            if (m == null) {
                return FALSE();
            }
            write(msg, m);
            return TRUE();
        } catch (Throwable t) {
            return fault("PeekMessageW", t);
        }
    }

    private static int msgWaitForMultipleObjects(int count, MemorySegment handles, int waitAll, int millis, int wakeMask) {
        try {
            if (count != 0) {
                Ws2Exports.setLastError(ERROR_NOT_SUPPORTED());
                return WAIT_FAILED();
            }
            MessageWindows.Message m = WINDOWS.take(KERNEL.currentThreadId(), 0, 0, 0, millis == INFINITE() ? -1 : Integer.toUnsignedLong(millis), false);
            return m == null ? WAIT_TIMEOUT() : WAIT_OBJECT_0();
        } catch (Throwable t) {
            LOG.error("MsgWaitForMultipleObjects failed inside the host", t);
            return WAIT_FAILED();
        }
    }

    private static void write(MemorySegment msg, MessageWindows.Message m) {
        MemorySegment s = msg.reinterpret(MSG.sizeof());
        s.fill((byte) 0);
        MSG.hwnd(s, MemorySegment.ofAddress(m.window()));
        MSG.message(s, m.message());
        MSG.wParam(s, m.wParam());
        MSG.lParam(s, m.lParam());
    }

    private static int invalidWindow() {
        Ws2Exports.setLastError(ERROR_INVALID_WINDOW_HANDLE());
        return FALSE();
    }

    private static int fault(String export, Throwable t) {
        LOG.error("{} failed inside the host", export, t);
        Ws2Exports.setLastError(ERROR_INVALID_PARAMETER());
        return 0;
    }
}
