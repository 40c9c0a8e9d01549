package org.jwsp.host.kernel;

import org.jwsp.bindings.linux.linux_h;
import org.jwsp.kernel.KernelException;

/**
 * The eventfds that wake alertable waits ({@code EFD_NONBLOCK}), lent to a thread for the length
 * of one alertable wait ({@link HostThread#beginAlertable}) and given back when it returns, so no
 * thread holds an fd between its waits, and a thread that ends (JVM-started or native) holds none:
 * nothing waits for the GC to collect its {@link Thread}. The process holds at most as many as
 * threads are in alertable waits at once, plus up to {@link #MAX_IDLE} idle ones kept for reuse
 * (so a wait costs no {@code eventfd}/{@code close} system calls); more idle ones are closed.
 *
 * <p>A lent fd may come back with a count still in it (an APC queued just before the wait
 * ended): harmless, the next wait on it wakes once, finds no APC and drains it
 * ({@link HostThread#drainWake}). Any thread; a small stack under the class monitor. Owns the
 * idle fds for the life of the process.
 */
final class WakeFds {

    static final int MAX_IDLE = 16;

    private static final int[] IDLE = new int[MAX_IDLE];
    private static int idle;

    private WakeFds() {
    }

    /** An fd to wake the calling thread's alertable wait: an idle one, or a new eventfd. */
    static int take() {
        synchronized (WakeFds.class) {
            if (idle > 0) {
                return IDLE[--idle];
            }
        }
        int fd = Libc.eventfd(0, linux_h.EFD_NONBLOCK() | linux_h.EFD_CLOEXEC());
        if (fd < 0) {
            throw new KernelException("eventfd for a thread's alertable wait", -fd);
        }
        return fd;
    }

    /** Gives {@code fd} back after the wait: kept idle, or closed when enough are idle. */
    static void give(int fd) {
        synchronized (WakeFds.class) {
            if (idle < MAX_IDLE) {
                IDLE[idle++] = fd;
                return;
            }
        }
        Libc.close(fd);
    }

    /** Idle fds kept for reuse (for leak checks: they are the host's cache, not a thread's). */
    static synchronized int idle() {
        return idle;
    }
}
