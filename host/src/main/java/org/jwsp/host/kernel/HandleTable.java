package org.jwsp.host.kernel;

/**
 * The host's handle space: ports, events, thread handles and Winsock {@code SOCKET}s all get
 * their values here, as Windows kernel handles do. A handle is
 * {@code ((generation << 20) | (slot + 1)) << 2}: never 0, a multiple of 4 like a Windows
 * {@code HANDLE}, and a closed handle whose slot was reused does not resolve (the generation differs).
 *
 * <p>{@link #get} is lock-free (an array index and a compare) and is on the hot path;
 * {@link #open} and {@link #close} take the table's lock. Holds no native memory.
 */
public final class HandleTable {

    private static final int MAX_SLOTS = 1 << 20;

    private record Entry(long handle, Object object) {
    }

    private volatile Entry[] slots = new Entry[256];
    private int[] generations = new int[256];
    private int[] free = new int[256];
    private int freeCount;
    private int used;

    /** Gives {@code object} a new handle. */
    public synchronized long open(Object object) {
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (used == slots.length) {
                grow();
            }
            slot = used++;
        }
        int generation = ++generations[slot] & 0xFFFFF;
        long handle = ((((long) generation) << 20) | (slot + 1)) << 2;
        slots[slot] = new Entry(handle, object);
        return handle;
    }

    private void grow() {
        if (slots.length >= MAX_SLOTS) {
            throw new org.jwsp.kernel.KernelException("handle table full", 24 /* EMFILE */);
        }
        int n = slots.length * 2;
        Entry[] bigger = java.util.Arrays.copyOf(slots, n);
        generations = java.util.Arrays.copyOf(generations, n);
        free = java.util.Arrays.copyOf(free, n);
        slots = bigger;
    }

    /** The object behind {@code handle}, or null if it is not open. <em>Hot</em>, lock-free. */
    public Object get(long handle) {
        if ((handle & 3) != 0 || handle <= 0) {
            return null;
        }
        long slot = ((handle >>> 2) & 0xFFFFF) - 1;
        Entry[] s = slots;
        if (slot < 0 || slot >= s.length) {
            return null;
        }
        Entry e = s[(int) slot];
        return e != null && e.handle == handle ? e.object : null;
    }

    /** Closes {@code handle}; returns its object, or null if it was not open (double close). */
    public synchronized Object close(long handle) {
        Object object = get(handle);
        if (object == null) {
            return null;
        }
        int slot = (int) (((handle >>> 2) & 0xFFFFF) - 1);
        slots[slot] = null;
        free[freeCount++] = slot;
        return object;
    }

    /** Open handles, for leak checks. */
    public synchronized int openCount() {
        return used - freeCount;
    }
}
