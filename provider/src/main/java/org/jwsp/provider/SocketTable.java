package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.windows.WSABUF;
import org.jwsp.bindings.windows.sockaddr_storage;

/**
 * The fixed set of socket slots of one provider runtime. A socket's WPU context value is
 * {@code generation << 32 | slot}; {@link #of} checks both, so a closed or reused slot answers
 * null (WSAENOTSOCK) for an old handle.
 *
 * <p>Threads: {@link #open}/{@link #free} under this object's lock (socket creation and
 * close); {@link #of} without a lock on every call (reads the slot's volatile {@code open}).
 * Memory: one slab for every slot's gather array and peer address, in the provider's arena.
 */
final class SocketTable {

    /** WSABUF entries of one merged lower send. */
    static final int GATHER_CAPACITY = 256;

    private final UpcallTable upcalls;
    private final SocketContext[] slots;
    private final int[] free;
    private int freeTop;

    SocketTable(Arena arena, int size, UpcallTable upcalls) {
        this.upcalls = upcalls;
        long gatherBytes = GATHER_CAPACITY * WSABUF.layout().byteSize();
        long peerBytes = sockaddr_storage.layout().byteSize();
        MemorySegment slab = arena.allocate((gatherBytes + peerBytes) * size, 8);
        slots = new SocketContext[size];
        free = new int[size];
        for (int i = 0; i < size; i++) {
            long at = i * (gatherBytes + peerBytes);
            slots[i] = new SocketContext(i, slab.asSlice(at, gatherBytes), slab.asSlice(at + gatherBytes, peerBytes));
            free[i] = size - 1 - i;
        }
        freeTop = size;
    }

    /** A fresh context with a new context value, or null when every slot is in use. */
    synchronized SocketContext open() {
        if (freeTop == 0) {
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

    /** The open socket whose context value this is, or null. */
    SocketContext of(long contextValue) {
        int slot = (int) contextValue;
        if (slot < 0 || slot >= slots.length) {
            return null;
        }
        SocketContext c = slots[slot];
        return c.open && c.contextValue == contextValue ? c : null;
    }

    /** Every open socket (for WSPCleanup). */
    synchronized SocketContext[] openSockets() {
        return java.util.Arrays.stream(slots).filter(c -> c.open).toArray(SocketContext[]::new);
    }

    synchronized int openCount() {
        return slots.length - freeTop;
    }
}
