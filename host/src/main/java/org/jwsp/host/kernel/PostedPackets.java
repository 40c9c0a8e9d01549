package org.jwsp.host.kernel;

/**
 * The pool of packets posted to one {@link CompletionPortObject} and not yet dequeued: the NOP that
 * carries a packet through the ring has room only for a slot number in its {@code user_data},
 * the packet itself ({@code bytes}, {@code key}, {@code overlapped}) waits here.
 *
 * <p>Parallel arrays and a free-slot stack under the pool's monitor; posting allocates nothing
 * unless the pool must grow (it doubles). Any thread posts; the reaper frees. No native memory.
 */
final class PostedPackets {

    private long[] keys = new long[64];
    private long[] overlappeds = new long[64];
    private int[] bytes = new int[64];
    private int[] free = new int[64];
    private int freeCount;
    private int used;

    synchronized int take(int byteCount, long key, long overlapped) {
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (used == keys.length) {
                int n = used * 2;
                keys = java.util.Arrays.copyOf(keys, n);
                overlappeds = java.util.Arrays.copyOf(overlappeds, n);
                bytes = java.util.Arrays.copyOf(bytes, n);
                free = java.util.Arrays.copyOf(free, n);
            }
            slot = used++;
        }
        keys[slot] = key;
        overlappeds[slot] = overlapped;
        bytes[slot] = byteCount;
        return slot;
    }

    synchronized long key(int slot) {
        return keys[slot];
    }

    synchronized long overlapped(int slot) {
        return overlappeds[slot];
    }

    synchronized int bytes(int slot) {
        return bytes[slot];
    }

    synchronized void free(int slot) {
        free[freeCount++] = slot;
    }

    /** Packets posted and not yet dequeued. */
    synchronized int inFlight() {
        return used - freeCount;
    }
}
