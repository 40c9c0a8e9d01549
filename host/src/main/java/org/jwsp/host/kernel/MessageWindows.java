package org.jwsp.host.kernel;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * win32k's windows and message queues, as far as {@code WSAAsyncSelect} needs them, and no
 * further: an emulation. A window here is message-only (no class, no window procedure, nothing
 * drawn); it belongs to the thread that created it, and the messages posted to it wait, in the
 * order they were posted, in that thread's queue until the thread takes them ({@code GetMessageW},
 * {@code PeekMessageW}). That is what a Winsock provider (posting {@code FD_*} notifications
 * through {@code WPUPostMessage}) and a program or an LSP (reading them) rely on. Sent messages,
 * window procedures, input, timers, paint and thread messages are not emulated.
 *
 * <p>Window handles are small even numbers of their own, as Windows' {@code HWND}s are; they are
 * never kernel handles. Thread-safe: any thread posts; only the owner reads (as on Windows).
 * Reached through {@link LinuxKernelPort#windows()}; the user32 exports over it are
 * {@code org.jwsp.host.upcall.User32Exports}. Owns no native memory.
 */
public final class MessageWindows {

    /** One posted message: {@code MSG}'s first four fields. */
    public record Message(long window, int message, long wParam, long lParam) {
    }

    private record Window(long handle, int ownerThread) {
    }

    /** One thread's queue; guarded by itself. */
    private static final class Queue {
        final ArrayDeque<Message> messages = new ArrayDeque<>();
    }

    private final Map<Long, Window> windows = new ConcurrentHashMap<>();
    private final Map<Integer, Queue> queues = new ConcurrentHashMap<>();
    private long next = 0x10000;

    MessageWindows() {
    }

    /** {@code CreateWindowExW} of a message-only window owned by {@code thread}: its handle. */
    public long create(int thread) {
        long h;
        synchronized (this) {
            next += 2;
            h = next;
        }
        windows.put(h, new Window(h, thread));
        queues.computeIfAbsent(thread, t -> new Queue());
        return h;
    }

    /** {@code IsWindow}. */
    public boolean isWindow(long window) {
        return windows.containsKey(window);
    }

    /**
     * {@code DestroyWindow}: only by its owner (false otherwise, or for no window); the messages
     * still queued for it are dropped, later posts to it fail.
     */
    public boolean destroy(long window, int thread) {
        Window w = windows.get(window);
        if (w == null || w.ownerThread != thread) {
            return false;
        }
        windows.remove(window);
        Queue q = queues.get(thread);
        synchronized (q) {
            q.messages.removeIf(m -> m.window == window);
        }
        return true;
    }

    /** {@code PostMessageW}: false when {@code window} is no window. */
    public boolean post(long window, int message, long wParam, long lParam) {
        Window w = windows.get(window);
        if (w == null) {
            return false;
        }
        Queue q = queues.get(w.ownerThread);
        synchronized (q) {
            if (!windows.containsKey(window)) {
                return false;
            }
            q.messages.addLast(new Message(window, message, wParam, lParam));
            q.notifyAll();
        }
        return true;
    }

    /** Whether {@code window} is 0 (any of the thread's windows) or a window of {@code thread}. */
    public boolean filterValid(long window, int thread) {
        if (window == 0) {
            return true;
        }
        Window w = windows.get(window);
        return w != null && w.ownerThread == thread;
    }

    /**
     * {@code GetMessageW}/{@code PeekMessageW}/{@code MsgWaitForMultipleObjects} in one: the first
     * message of {@code thread}'s queue for {@code window} (0: any) whose number is in
     * {@code [min, max]} (both 0: any), waiting up to {@code millis} (-1: for ever, 0: a look);
     * removed if {@code remove}. Null when none came in time.
     */
    public Message take(int thread, long window, int min, int max, long millis, boolean remove) throws InterruptedException {
        Queue q = queues.computeIfAbsent(thread, t -> new Queue());
        long deadline = millis < 0 ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        synchronized (q) {
            for (;;) {
                for (Iterator<Message> it = q.messages.iterator(); it.hasNext(); ) {
                    Message m = it.next();
                    boolean inRange = min == 0 && max == 0
                            || Integer.compareUnsigned(m.message, min) >= 0 && Integer.compareUnsigned(m.message, max) <= 0;
                    if ((window == 0 || m.window == window) && inRange) {
                        if (remove) {
                            it.remove();
                        }
                        return m;
                    }
                }
                long left = deadline - System.nanoTime();
                if (millis == 0 || left <= 0) {
                    return null;
                }
                TimeUnit.NANOSECONDS.timedWait(q, millis < 0 ? Long.MAX_VALUE : left);
            }
        }
    }

    /** Windows still existing, for leak checks. */
    public int count() {
        return windows.size();
    }
}
