package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The bounded pool of {@link OverlappedRequest}s: one native slab of {@code size} records, each with
 * its Java twin. Because every request's OVERLAPPED is a field of its record, the completion
 * worker maps a dequeued {@code lpOverlapped} back to its request by arithmetic on the slab
 * ({@link #ofOverlapped}), with no lookup.
 *
 * <p>Threads: {@link #acquire} on callers of WSPSend and other overlapped entries,
 * {@link #release} on whichever thread drops the last reference (completion worker, APC
 * thread, or caller on an immediate error). The free stack is guarded by this object's lock,
 * held for a few instructions. Memory: the slab belongs to the provider's arena and is freed at
 * the last WSPCleanup; nothing is allocated after construction.
 */
final class RequestSlab {

    private final MemorySegment slab;
    private final long base;
    private final long stride;
    private final OverlappedRequest[] requests;
    private final int[] free;
    private int freeTop;
    /** Blocks for captures of more than OverlappedRequest.CAPACITY WSABUFs: one per 64 requests, at least one. */
    final LargeCaptures large;

    RequestSlab(Arena arena, int size) {
        this.stride = OverlappedRequest.RECORD.byteSize();
        this.slab = arena.allocate(stride * size, OverlappedRequest.RECORD.byteAlignment());
        this.base = slab.address();
        this.requests = new OverlappedRequest[size];
        this.free = new int[size];
        this.large = new LargeCaptures(arena, Math.max(1, size / 64));
        for (int i = 0; i < size; i++) {
            requests[i] = new OverlappedRequest(i, slab.asSlice(i * stride, stride), large);
            free[i] = size - 1 - i;
        }
        this.freeTop = size;
    }

    /** A reset request with one reference, or null when all are in use (the caller answers WSAEWOULDBLOCK). */
    OverlappedRequest acquire() {
        OverlappedRequest r;
        synchronized (this) {
            if (freeTop == 0) {
                return null;
            }
            r = requests[free[--freeTop]];
        }
        r.acquired();
        return r;
    }

    /** Drops one reference; the last one returns the request to the pool. */
    void unref(OverlappedRequest r) {
        if (r.refs.decrementAndGet() == 0) {
            r.released();
            synchronized (this) {
                free[freeTop++] = r.index;
            }
        }
    }

    /** The request whose own OVERLAPPED is at {@code address}, or null if it is not one of ours. */
    OverlappedRequest ofOverlapped(long address) {
        long offset = address - base - OverlappedRequest.OVERLAPPED_OFFSET;
        if (offset < 0 || offset >= stride * requests.length || offset % stride != 0) {
            return null;
        }
        return requests[(int) (offset / stride)];
    }

    /** The live request a filter ticket names, or null if it completed meanwhile. */
    OverlappedRequest ofTicket(long ticket) {
        int index = (int) ticket;
        if (index < 0 || index >= requests.length) {
            return null;
        }
        OverlappedRequest r = requests[index];
        return r.uses == (int) (ticket >>> 32) && r.refs.get() > 0 ? r : null;
    }

    /** Requests currently out of the pool (for tests and the leak check at cleanup). */
    synchronized int inUse() {
        return requests.length - freeTop;
    }

    int size() {
        return requests.length;
    }
}
