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
 * <p>Client handles resolve through jwsp's own {@link HandleIndex} (the value
 * WPUQuerySocketHandleContext would answer, without calling ws2_32 on every entry).
 *
 * <p>Threads: {@link #open}/{@link #publish}/{@link #unpublish}/{@link #free} under this object's
 * lock (socket creation and close); {@link #socketOf} and {@link #of} without a lock on every
 * call (the index's acquire reads, then the slot's volatile {@code open}).
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
    /** Client handle to context value: what WPUQuerySocketHandleContext would answer, kept here. */
    private final HandleIndex handles = new HandleIndex();
    private volatile SocketContext[] slots = new SocketContext[0];
    /** Free slot numbers; guarded by this. */
    private int[] free = new int[0];
    private int freeTop;

    SocketTable(Arena arena, int bound) {
        this.arena = arena;
        this.bound = bound;
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

    /** The client's handle for {@code c} is made (WPUCreateSocketHandle): from now on it resolves. */
    synchronized void publish(SocketContext c, long clientHandle) {
        c.publish(clientHandle);
        handles.put(clientHandle, c.contextValue);
    }

    /**
     * The client's handle for {@code c} stops resolving; called before WPUCloseSocketHandle, after
     * which ws2_32 may hand the same handle value to a new socket.
     */
    synchronized void unpublish(SocketContext c) {
        handles.remove(c.handle);
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

    /**
     * <em>Hot.</em> The open jwsp socket behind a client handle, or null; the context value the
     * handle resolved to is left in {@link ThreadScratch#resolved}, for the caller to check again
     * under the socket lock ({@link SocketContext#stillOpen}). No call into ws2_32, no allocation.
     */
    SocketContext socketOf(long s, ThreadScratch sc) {
        long value = handles.valueOf(s);
        sc.resolved = value;
        return value == 0 ? null : of(value);
    }

    /** Client handles that resolve (for tests). */
    synchronized int publishedHandles() {
        return handles.size();
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
