package org.jwsp.host.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.linux.linux_h;

/**
 * A Windows event object over an eventfd ({@code EFD_NONBLOCK}): signalled = counter &gt; 0.
 * {@link #set} adds 1; {@link #reset} reads the counter to 0. A manual-reset event stays
 * signalled for every waiter until reset; an auto-reset event is taken by the one waiter whose
 * {@code read} of the counter succeeds (the read resets it), as {@code CreateEvent} specifies.
 *
 * <p>Any thread may set, reset or wait. Owns the fd and a 16-byte word (the value 1 to write,
 * a sink to read into) in its own {@link CountedArena}. A reference count keeps both alive while
 * any thread is inside {@link #set}/{@link #reset}/a wait: a completion thread may still be in
 * {@code SetEvent} when the program, which saw the completion, closes the event. {@link #close()}
 * drops the handle's reference; the last reference frees the fd and the word.
 */
final class EventObject implements KernelObject {

    final int fd;
    final boolean manualReset;
    private final CountedArena arena = new CountedArena();
    private final MemorySegment one;
    private final MemorySegment sink;
    private final References refs = new References();

    private EventObject(int fd, boolean manualReset) {
        this.fd = fd;
        this.manualReset = manualReset;
        MemorySegment word = arena.allocate(16, 8);
        word.set(ValueLayout.JAVA_LONG, 0, 1L);
        this.one = word.asSlice(0, 8);
        this.sink = word.asSlice(8, 8);
    }

    static EventObject create(boolean manualReset, boolean signalled) {
        int fd = Libc.eventfd(signalled ? 1 : 0, linux_h.EFD_NONBLOCK() | linux_h.EFD_CLOEXEC());
        if (fd < 0) {
            throw new org.jwsp.kernel.KernelException("eventfd", -fd);
        }
        return new EventObject(fd, manualReset);
    }

    /** Takes a reference for the duration of one operation; false once closed. */
    boolean acquire() {
        return refs.acquire();
    }

    void release() {
        if (refs.release()) {
            Libc.close(fd);
            arena.close();
        }
    }

    boolean set() {
        if (!acquire()) {
            return false;
        }
        try {
            return Libc.write8(fd, one);
        } finally {
            release();
        }
    }

    boolean reset() {
        if (!acquire()) {
            return false;
        }
        try {
            Libc.read8(fd, sink); // fails with EAGAIN when already non-signalled: that is success
            return true;
        } finally {
            release();
        }
    }

    /** Auto-reset: takes the signal if it is there (the read resets the counter). Caller holds a reference. */
    boolean tryTake() {
        return Libc.read8(fd, sink);
    }

    @Override
    public void close() {
        refs.markClosed();
        release();
    }
}
