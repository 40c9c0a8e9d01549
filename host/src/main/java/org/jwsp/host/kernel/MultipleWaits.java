package org.jwsp.host.kernel;

import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.pollfd;
import org.jwsp.kernel.KernelPort;

/**
 * {@code WaitForMultipleObjectsEx} (what {@code WSAWaitForMultipleEvents} is) on up to {@link #MAX}
 * events, as one {@code poll} loop on the calling thread: {@code pollfd[0]} is the wake fd lent
 * for an alertable wait ({@link WakeFds}), {@code pollfd[1..n]} the events' eventfds. Any: the
 * lowest index signalled wins (an auto-reset event only if this thread's read takes it), as
 * Windows reports the lowest. All: every event signalled at one look (auto-reset ones are refused
 * by {@link LinuxKernelPort#waitForMultiple}: taking several atomically is not reproduced).
 * An alertable wait runs the thread's APCs first and answers {@code WAIT_IO_COMPLETION}.
 *
 * <p>Static; uses the calling thread's {@link HostThread#manyPollfds()}. The caller holds a
 * reference on every event for the wait.
 */
final class MultipleWaits {

    /** {@code WSA_MAXIMUM_WAIT_EVENTS}, {@code MAXIMUM_WAIT_OBJECTS}. */
    static final int MAX = 64;

    private MultipleWaits() {
    }

    static int waitFor(EventObject[] events, int n, boolean all, int timeoutMillis, boolean alertable) {
        HostThread thread = HostThread.current();
        if (!alertable) {
            return loop(thread, events, n, all, timeoutMillis, false);
        }
        thread.beginAlertable();
        try {
            return loop(thread, events, n, all, timeoutMillis, true);
        } finally {
            thread.endAlertable();
        }
    }

    private static int loop(HostThread thread, EventObject[] events, int n, boolean all, int timeoutMillis, boolean alertable) {
        long deadline = Waits.deadline(timeoutMillis);
        MemorySegment fds = thread.manyPollfds();
        long size = pollfd.sizeof();
        for (;;) {
            if (alertable && !thread.apcs.isEmpty()) {
                thread.runApcs();
                return KernelPort.WAIT_IO_COMPLETION;
            }
            fds.set(pollfd.fd$layout(), pollfd.fd$offset(), alertable ? thread.wakeFd() : -1);
            fds.set(pollfd.events$layout(), pollfd.events$offset(), (short) linux_h.POLLIN());
            fds.set(pollfd.revents$layout(), pollfd.revents$offset(), (short) 0);
            for (int i = 0; i < n; i++) {
                long at = (i + 1) * size;
                fds.set(pollfd.fd$layout(), at + pollfd.fd$offset(), events[i].fd);
                fds.set(pollfd.events$layout(), at + pollfd.events$offset(), (short) linux_h.POLLIN());
                fds.set(pollfd.revents$layout(), at + pollfd.revents$offset(), (short) 0);
            }
            // All: first look without waiting; wait only while some are not signalled, and then on those.
            int r = Libc.poll(fds, n + 1, all ? 0 : Waits.remainingMillis(deadline));
            if (r < 0 && r != -linux_h.EINTR()) {
                return KernelPort.WAIT_FAILED;
            }
            if (alertable && r > 0) {
                thread.drainWake(fds, 0);
            }
            int signalled = 0;
            for (int i = 0; i < n; i++) {
                boolean readable = (fds.get(pollfd.revents$layout(), (i + 1) * size + pollfd.revents$offset())
                        & linux_h.POLLIN()) != 0;
                if (readable && !all && (events[i].manualReset || events[i].tryTake())) {
                    return KernelPort.WAIT_OBJECT_0 + i;
                }
                if (readable) {
                    signalled++;
                }
                if (all) { // the second look waits only on the ones not signalled yet (poll ignores fd -1)
                    fds.set(pollfd.fd$layout(), (i + 1) * size + pollfd.fd$offset(), readable ? -1 : events[i].fd);
                }
            }
            if (all && signalled == n) {
                return KernelPort.WAIT_OBJECT_0;
            }
            if (all) {
                for (int i = 0; i <= n; i++) {
                    fds.set(pollfd.revents$layout(), i * size + pollfd.revents$offset(), (short) 0);
                }
                int w = Libc.poll(fds, n + 1, Waits.remainingMillis(deadline));
                if (w < 0 && w != -linux_h.EINTR()) {
                    return KernelPort.WAIT_FAILED;
                }
                if (alertable && w > 0) {
                    thread.drainWake(fds, 0);
                }
                if (w != 0) {
                    continue; // something changed: look at all of them again
                }
            } else if (r != 0) {
                continue; // an auto-reset event another waiter took, or the wake fd
            }
            if (Waits.remainingMillis(deadline) == 0) {
                return KernelPort.WAIT_TIMEOUT;
            }
        }
    }
}
