package org.jwsp.provider;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.windows.LPWSPASYNCSELECT;
import org.jwsp.bindings.windows.MSG;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.kernel.KernelPort;

/**
 * WSPAsyncSelect through jwsp, as Microsoft's nonifslsp ({@code asyncselect.cpp}) does it: the
 * lower provider is asked to post its network events for the lower socket to jwsp's own hidden
 * (message-only) window; jwsp's window thread takes each of them, finds the jwsp socket by the
 * lower socket in {@code wParam}, and posts the program's message to the program's window with
 * jwsp's handle in {@code wParam} and the lower provider's {@code lParam}
 * ({@code WSAMAKESELECTREPLY(event, error)}) unchanged. Without it a GUI program would see a socket
 * it never created in {@code wParam}.
 *
 * <p>The window and its thread ("jwsp-async-select") are made at the first WSPAsyncSelect and
 * ended by {@link #close} (the runtime's last WSPCleanup). user32's {@code CreateWindowExW},
 * {@code GetMessageW}, {@code PostMessageW}, {@code IsWindow} and {@code DestroyWindow} are found
 * through {@link KernelPort#procAddress} (the host emulates them). Client threads call
 * {@link #select}, {@link #inherit} and {@link #forget}; the map of selections is concurrent. A
 * message for a socket closed meanwhile is dropped; one already posted to the program stays
 * there, as on Windows. Owns the window, the thread and its one {@code MSG}.
 */
final class AsyncSelectWindow {

    private static final Logger LOG = LogManager.getLogger(AsyncSelectWindow.class);
    /** What the lower provider posts to jwsp's window, and what ends the window thread. */
    static final int LOWER_EVENT = ws2spi_h.WM_USER() + 1;
    private static final int STOP = ws2spi_h.WM_USER() + 2;
    private static final long HWND_MESSAGE = -3;

    /** A program's selection on one jwsp socket, keyed by its lower socket. */
    private record Selection(long handle, long window, int message, int events) {
    }

    private final KernelPort kernel;
    private final Map<Long, Selection> selections = new ConcurrentHashMap<>();
    private MethodHandle getMessage;
    private MethodHandle postMessage;
    private MethodHandle isWindow;
    private Thread thread;
    private volatile long window;

    AsyncSelectWindow(KernelPort kernel) {
        this.kernel = kernel;
    }

    /**
     * WSPAsyncSelect on {@code c}: events for a window that is not one are {@code WSAEINVAL}; the
     * lower provider is told to post to jwsp's window; its refusal restores the selection before.
     */
    int select(SocketContext c, MemorySegment programWindow, int message, int events, MemorySegment lpErrno) throws Throwable {
        long own = ownWindow();
        if (own == 0) {
            return Errno.fail(lpErrno, WsaCondition.NO_MESSAGE_WINDOW);
        }
        if (events != 0 && (int) isWindow.invokeExact(programWindow.address()) == 0) {
            return Errno.fail(lpErrno, WsaCondition.NOT_A_WINDOW);
        }
        Selection before = events == 0 ? selections.remove(c.lowerHandle)
                : selections.put(c.lowerHandle, new Selection(c.handle, programWindow.address(), message, events));
        int rc = LPWSPASYNCSELECT.invoke(WSPPROC_TABLE.lpWSPAsyncSelect(c.lower.table), c.lowerHandle, MemorySegment.ofAddress(own),
                events == 0 ? 0 : LOWER_EVENT, events, lpErrno);
        if (rc != 0) {
            if (before == null) {
                selections.remove(c.lowerHandle);
            } else {
                selections.put(c.lowerHandle, before);
            }
        }
        return rc;
    }

    /**
     * A socket WSPAccept made from {@code listener} has its selection. The lower accepted socket
     * inherited the lower selection and may have posted to jwsp's window before jwsp knew the
     * socket (those messages were dropped), so the selection is made again: the lower provider
     * then posts what already holds (FD_WRITE at least), as a repeated WSAAsyncSelect does.
     */
    void inherit(SocketContext listener, SocketContext accepted, MemorySegment lpErrno) {
        Selection l = selections.get(listener.lowerHandle);
        long own = window;
        if (l != null && own != 0) {
            selections.put(accepted.lowerHandle, new Selection(accepted.handle, l.window, l.message, l.events));
            if (LPWSPASYNCSELECT.invoke(WSPPROC_TABLE.lpWSPAsyncSelect(accepted.lower.table), accepted.lowerHandle,
                    MemorySegment.ofAddress(own), LOWER_EVENT, l.events, lpErrno) != 0) {
                LOG.debug("WSPAsyncSelect of an accepted socket refused by the lower provider");
            }
        }
    }

    /** WSPCloseSocket: no more messages for {@code c}. */
    void forget(SocketContext c) {
        selections.remove(c.lowerHandle);
    }

    private synchronized long ownWindow() throws InterruptedException {
        if (thread != null) {
            return window;
        }
        MemorySegment create = kernel.procAddress("user32.dll", "CreateWindowExW");
        MemorySegment get = kernel.procAddress("user32.dll", "GetMessageW");
        MemorySegment post = kernel.procAddress("user32.dll", "PostMessageW");
        MemorySegment is = kernel.procAddress("user32.dll", "IsWindow");
        MemorySegment destroy = kernel.procAddress("user32.dll", "DestroyWindow");
        if (create.address() == 0 || get.address() == 0 || post.address() == 0 || is.address() == 0 || destroy.address() == 0) {
            LOG.warn("WSPAsyncSelect: user32 offers no CreateWindowExW/GetMessageW/PostMessageW/IsWindow/DestroyWindow here");
            return 0;
        }
        Linker linker = Linker.nativeLinker();
        getMessage = linker.downcallHandle(get, FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT));
        postMessage = linker.downcallHandle(post, FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
        isWindow = linker.downcallHandle(is, FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        MethodHandle createWindow = linker.downcallHandle(create, FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
        MethodHandle destroyWindow = linker.downcallHandle(destroy, FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        CountDownLatch created = new CountDownLatch(1);
        thread = Thread.ofPlatform().daemon().name("jwsp-async-select").start(() -> run(createWindow, destroyWindow, created));
        created.await();
        return window;
    }

    /** The window thread: makes the window, then translates until STOP. */
    private void run(MethodHandle createWindow, MethodHandle destroyWindow, CountDownLatch created) {
        long own = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment className = arena.allocateFrom("STATIC\0", StandardCharsets.UTF_16LE);
            own = (long) createWindow.invokeExact(0, className, MemorySegment.NULL, 0, 0, 0, 0, 0, HWND_MESSAGE, 0L, 0L,
                    MemorySegment.NULL);
            window = own;
            created.countDown();
            if (own == 0) {
                LOG.error("WSPAsyncSelect: CreateWindowExW made no window");
                return;
            }
            MemorySegment msg = MSG.allocate(arena);
            for (;;) {
                int got = (int) getMessage.invokeExact(msg, 0L, 0, 0);
                if (got <= 0 || MSG.message(msg) == STOP) {
                    break;
                }
                if (MSG.message(msg) == LOWER_EVENT) {
                    translate(MSG.wParam(msg), MSG.lParam(msg));
                }
            }
        } catch (Throwable t) {
            LOG.error("jwsp's WSPAsyncSelect window failed", t);
        } finally {
            created.countDown();
            if (own != 0) {
                try {
                    int ignored = (int) destroyWindow.invokeExact(own);
                } catch (Throwable t) {
                    LOG.error("DestroyWindow failed", t);
                }
            }
        }
    }

    private void translate(long lowerSocket, long lParam) throws Throwable {
        Selection s = selections.get(lowerSocket);
        if (s == null) {
            return; // closed or unselected meanwhile
        }
        if ((int) postMessage.invokeExact(s.window, s.message, s.handle, lParam) == 0) {
            LOG.debug("PostMessageW to the program's window {} refused (it is gone)", s.window);
        }
    }

    /** Ends the window thread and its window (the last WSPCleanup). */
    void close() throws InterruptedException {
        Thread t;
        synchronized (this) {
            t = thread;
            if (t == null) {
                return;
            }
            thread = null;
        }
        try {
            long own = window;
            if (own != 0) {
                int ignored = (int) postMessage.invokeExact(own, STOP, 0L, 0L);
            }
        } catch (Throwable e) {
            LOG.error("jwsp's WSPAsyncSelect window could not be told to stop", e);
        }
        t.join();
        selections.clear();
        window = 0;
    }
}
