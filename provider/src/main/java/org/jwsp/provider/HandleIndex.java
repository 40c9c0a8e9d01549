package org.jwsp.provider;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * jwsp's own map from the client handles it made (WPUCreateSocketHandle) to their context values:
 * what {@code WPUQuerySocketHandleContext} answers, without a call into ws2_32 on every entry
 * (on the Linux host that call is a downcall and an upcall; on Windows a ws2_32 handle-table
 * lookup). The answer is the same for every handle jwsp made; any other handle is not found,
 * which is what the query says of it too (WSAENOTSOCK).
 *
 * <p>Open addressing with linear probing over immutable entries. A removed entry becomes a
 * tombstone, never moved, so a lookup racing a removal or an insertion can only find the entry
 * it looks for or nothing, never lose a live one. When live entries and tombstones fill half the
 * array, a new array with only the live entries is published; a lookup still on the old array
 * finds what was there when it started (a handle removed since is caught by the caller's
 * {@link SocketContext#stillOpen} check under the socket lock, as with the query).
 *
 * <p>Threads: {@link #put} and {@link #remove} under the owning {@link SocketTable}'s lock;
 * {@link #valueOf} on every entry call, without a lock and without allocating.
 */
final class HandleIndex {

    private record Entry(long handle, long contextValue) {
    }

    private static final Entry TOMBSTONE = new Entry(0, 0);
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Entry[].class);
    private static final int FIRST_CAPACITY = 128;

    private volatile Entry[] table = new Entry[FIRST_CAPACITY];
    /** Live entries and tombstones in {@link #table}; guarded by the table's lock. */
    private int used;
    private int live;

    /** The context value jwsp gave handle {@code s}, or 0 when jwsp made no such handle (or closed it). */
    long valueOf(long s) {
        Entry[] t = table;
        int mask = t.length - 1;
        for (int i = spread(s) & mask; ; i = (i + 1) & mask) {
            Entry e = (Entry) SLOT.getAcquire(t, i);
            if (e == null) {
                return 0;
            }
            if (e != TOMBSTONE && e.handle == s) {
                return e.contextValue;
            }
        }
    }

    /** Handle {@code s} now names the socket with {@code contextValue}. Caller holds the table's lock. */
    void put(long s, long contextValue) {
        if ((used + 1) * 2 > table.length) {
            rebuild(Math.max(FIRST_CAPACITY, Integer.highestOneBit(Math.max(1, live + 1) * 4)));
        }
        Entry[] t = table;
        int mask = t.length - 1;
        int i = spread(s) & mask;
        while (t[i] != null && t[i] != TOMBSTONE) {
            i = (i + 1) & mask;
        }
        if (t[i] == null) {
            used++;
        }
        live++;
        SLOT.setRelease(t, i, new Entry(s, contextValue));
    }

    /** Handle {@code s} names nothing any more (before WPUCloseSocketHandle lets it be reused). Caller holds the table's lock. */
    void remove(long s) {
        Entry[] t = table;
        int mask = t.length - 1;
        for (int i = spread(s) & mask; t[i] != null; i = (i + 1) & mask) {
            if (t[i] != TOMBSTONE && t[i].handle == s) {
                SLOT.setRelease(t, i, TOMBSTONE);
                live--;
                return;
            }
        }
    }

    /** Live handles (for tests and WSPCleanup's checks). Caller holds the table's lock. */
    int size() {
        return live;
    }

    private void rebuild(int capacity) {
        Entry[] old = table;
        Entry[] t = new Entry[capacity];
        int mask = capacity - 1;
        for (Entry e : old) {
            if (e != null && e != TOMBSTONE) {
                int i = spread(e.handle) & mask;
                while (t[i] != null) {
                    i = (i + 1) & mask;
                }
                t[i] = e;
            }
        }
        used = live;
        table = t; // volatile: the entries above are published with it
    }

    /** Windows handles are multiples of 4 and the host's small integers: mix the bits before masking. */
    private static int spread(long s) {
        long h = s * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32);
    }
}
