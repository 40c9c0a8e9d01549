package org.jwsp.host.kernel;

import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.pollfd;
import org.jwsp.kernel.KernelPort;

/**
 * The waits of kernel32 ({@code WaitForSingleObjectEx} on an event, {@code SleepEx}) as
 * {@code poll} loops on the calling thread: {@code pollfd[0]} is the object's eventfd (or nothing),
 * {@code pollfd[1]} the wake fd lent to the thread for this wait when it is alertable ({@link WakeFds}). An alertable wait first runs
 * the thread's queued APCs (then returns {@link KernelPort#WAIT_IO_COMPLETION}), as Windows does
 * when APCs are pending at the start of, or arrive during, an alertable wait.
 *
 * <p>Static, stateless; uses only the calling thread's {@link HostThread} scratch.
 */
final class Waits {

    private Waits() {
    }

    /** Milliseconds left until {@code deadline} (nanoTime), rounded up; -1 for no deadline. */
    static int remainingMillis(long deadline) {
        if (deadline == Long.MAX_VALUE) {
            return -1;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return 0;
        }
        return (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000);
    }

    static long deadline(int timeoutMillis) {
        return timeoutMillis == KernelPort.INFINITE ? Long.MAX_VALUE : System.nanoTime() + (timeoutMillis & 0xFFFFFFFFL) * 1_000_000L;
    }

    /** Fills {@code pollfd[1]}: the thread's wake fd if alertable, else -1 (ignored by poll). */
    static void setWake(HostThread thread, boolean alertable) {
        MemorySegment fds = thread.pollfds;
        long wake = pollfd.sizeof();
        fds.set(pollfd.fd$layout(), wake + pollfd.fd$offset(), alertable ? thread.wakeFd() : -1); // lent for this wait
        fds.set(pollfd.events$layout(), wake + pollfd.events$offset(), (short) linux_h.POLLIN());
        fds.set(pollfd.revents$layout(), wake + pollfd.revents$offset(), (short) 0);
    }

    /** {@code WaitForSingleObjectEx} on an event. */
    static int waitEvent(EventObject event, int timeoutMillis, boolean alertable) {
        HostThread thread = HostThread.current();
        if (!alertable) {
            return waitEventLoop(thread, event, timeoutMillis, alertable);
        }
        thread.beginAlertable(); // before the first look at the queue: see HostThread.beginAlertable
        try {
            return waitEventLoop(thread, event, timeoutMillis, alertable);
        } finally {
            thread.endAlertable();
        }
    }

    private static int waitEventLoop(HostThread thread, EventObject event, int timeoutMillis, boolean alertable) {
        long deadline = deadline(timeoutMillis);
        for (;;) {
            if (alertable && !thread.apcs.isEmpty()) {
                thread.runApcs();
                return KernelPort.WAIT_IO_COMPLETION;
            }
            if (!event.manualReset && event.tryTake()) {
                return KernelPort.WAIT_OBJECT_0;
            }
            int wait = remainingMillis(deadline);
            MemorySegment fds = thread.pollfds;
            pollfd.fd(fds, event.fd);
            pollfd.events(fds, (short) linux_h.POLLIN());
            pollfd.revents(fds, (short) 0);
            setWake(thread, alertable);
            int n = Libc.poll(fds, 2, wait);
            if (alertable && n > 0) {
                thread.drainWake(fds);
            }
            if (n > 0 && (pollfd.revents(fds) & linux_h.POLLIN()) != 0 && event.manualReset) {
                return KernelPort.WAIT_OBJECT_0;
            }
            if (n == 0 && remainingMillis(deadline) == 0) {
                return KernelPort.WAIT_TIMEOUT;
            }
            if (n < 0 && n != -linux_h.EINTR()) {
                return KernelPort.WAIT_FAILED;
            }
        }
    }

    /** {@code SleepEx}: 0 when the time elapsed, {@link KernelPort#WAIT_IO_COMPLETION} when APCs ran. */
    static int sleep(int timeoutMillis, boolean alertable) {
        HostThread thread = HostThread.current();
        if (!alertable) {
            return sleepLoop(thread, timeoutMillis, alertable);
        }
        thread.beginAlertable(); // before the first look at the queue: see HostThread.beginAlertable
        try {
            return sleepLoop(thread, timeoutMillis, alertable);
        } finally {
            thread.endAlertable();
        }
    }

    private static int sleepLoop(HostThread thread, int timeoutMillis, boolean alertable) {
        long deadline = deadline(timeoutMillis);
        for (;;) {
            if (alertable && !thread.apcs.isEmpty()) {
                thread.runApcs();
                return KernelPort.WAIT_IO_COMPLETION;
            }
            int wait = remainingMillis(deadline);
            if (wait == 0) {
                return 0;
            }
            MemorySegment fds = thread.pollfds;
            pollfd.fd(fds, -1);
            pollfd.revents(fds, (short) 0);
            setWake(thread, alertable);
            if (Libc.poll(fds, 2, wait) > 0 && alertable) {
                thread.drainWake(fds);
            }
        }
    }
}
