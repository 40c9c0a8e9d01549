package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import org.jwsp.bindings.windows.WSABUF;
import org.jwsp.bindings.windows.sockaddr_storage;

/**
 * The socket slots of one provider runtime, grown on demand up to a bound
 * ({@link ProviderSettings#socketSlots}). A socket's WPU context value is
 * {@code generation << 32 | slot}; {@link #of} checks both, so a closed or reused slot answers
 * null (WSAENOTSOCK) for an old handle.
 *
 * <p>Growth: {@link #FIRST_CHUNK} slots first, then each chunk as many as all before; a grown
 * table is a new array of the same contexts plus new ones, published through the volatile
 * {@link #slots}, so a lock-free {@link #of} racing a growth reads either array and finds the
 * same context for every slot both hold.
 *
 * <p>Threads: {@link #open}/{@link #free} under this object's lock (socket creation and
 * close); {@link #of} without a lock on every call (reads the slot's volatile {@code open}).
 * Memory: one slab per chunk for its slots' gather arrays and peer addresses, in the provider's
 * arena (freed at the last WSPCleanup).
 */
final class SocketTable {

    /** WSABUF entries of one merged lower send. */
    static final int GATHER_CAPACITY = 256;
    /** Slots of the first chunk. */
    static final int FIRST_CHUNK = 64;

    private final Arena arena;
    private final int bound;
    private final UpcallTable upcalls;
    private volatile SocketContext[] slots = new SocketContext[0];
    /** Free slot numbers; guarded by this. */
    private int[] free = new int[0];
    private int freeTop;

    SocketTable(Arena arena, int bound, UpcallTable upcalls) {
        this.arena = arena;
        this.bound = bound;
        this.upcalls = upcalls;
        synchronized (this) {
            grow();
        }
    }

    /** Adds one chunk of slots; false at the bound. Caller holds the lock. */
    private boolean grow() {
        SocketContext[] old = slots;
        int have = old.length;
        if (have >= bound) {
            return false;
        }
        int add = Math.min(bound - have, Math.max(FIRST_CHUNK, have));
        long gatherBytes = GATHER_CAPACITY * WSABUF.layout().byteSize();
        long peerBytes = sockaddr_storage.layout().byteSize();
        MemorySegment slab = arena.allocate((gatherBytes + peerBytes) * add, 8);
        SocketContext[] grown = Arrays.copyOf(old, have + add);
        int[] f = Arrays.copyOf(free, have + add);
        for (int i = 0; i < add; i++) {
            long at = i * (gatherBytes + peerBytes);
            grown[have + i] = new SocketContext(have + i, slab.asSlice(at, gatherBytes), slab.asSlice(at + gatherBytes, peerBytes));
            f[freeTop + i] = have + add - 1 - i;
        }
        free = f;
        freeTop += add;
        slots = grown;
        return true;
    }

    /** A fresh context with a new context value, or null when every slot is in use and the table is at its bound. */
    synchronized SocketContext open() {
        if (freeTop == 0 && !grow()) {
            return null;
        }
        SocketContext c = slots[free[--freeTop]];
        c.reuse();
        return c;
    }

    /** Returns a slot to the table; its context value stops resolving first. */
    synchronized void free(SocketContext c) {
        c.unpublish();
        free[freeTop++] = c.slot;
    }

    /**
     * A socket whose lower provider still holds an operation after WSPCloseSocket gave up
     * waiting: its handle stops resolving, but the slot is not reused until WSPCleanup, so a
     * late completion cannot touch another socket.
     */
    void retire(SocketContext c) {
        c.retire();
    }

    /** The open jwsp socket behind a client handle (WPUQuerySocketHandleContext), or null. Hot: no allocation. */
    SocketContext socketOf(long s, ThreadScratch sc) {
        if (upcalls.querySocketHandleContext(s, sc.context, sc.errno) != 0) {
            return null;
        }
        return of(sc.context.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0));
    }

    /** <em>Hot.</em> The open socket whose context value this is, or null. */
    SocketContext of(long contextValue) {
        int slot = (int) contextValue;
        SocketContext[] s = slots;
        if (slot < 0 || slot >= s.length) {
            return null;
        }
        SocketContext c = s[slot];
        return c.open && c.contextValue == contextValue ? c : null;
    }

    /** Every open socket (for WSPCleanup). */
    synchronized SocketContext[] openSockets() {
        return Arrays.stream(slots).filter(c -> c.open).toArray(SocketContext[]::new);
    }

    synchronized int openCount() {
        return slots.length - freeTop;
    }

    /** Slots made so far (grows up to the bound). */
    synchronized int size() {
        return slots.length;
    }
}
