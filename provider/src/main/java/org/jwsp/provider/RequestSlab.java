package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The pool of {@link OverlappedRequest}s: native records in chunks, each record with its Java twin,
 * grown on demand up to a bound ({@link ProviderSettings#requestPoolSize}). Because every
 * request's OVERLAPPED is a field of its record, the completion worker maps a dequeued
 * {@code lpOverlapped} back to its request by arithmetic on the chunk that holds it
 * ({@link #ofOverlapped}), with no lookup table.
 *
 * <p>Growth: the first chunk holds {@link #FIRST_CHUNK} records (or the bound), each later one as
 * many as all before it, so there are at most ~log2(bound) chunks and {@link #ofOverlapped}
 * looks at a handful. A grown pool is published as one new {@link View} (chunk bounds and
 * requests) through the volatile {@link #view} that readers go through, so a
 * completion worker or a filter's ticket lookup racing a growth sees either the old view (whose
 * requests are all still valid: nothing moves, nothing is freed before the arena) or the new one.
 * Growth allocates (a chunk, new arrays); a send that finds a free request allocates nothing.
 *
 * <p>Threads: {@link #acquire} on callers of WSPSend and other overlapped entries,
 * {@link #unref} on whichever thread drops the last reference (completion worker, APC thread, or
 * caller on an immediate error). The free stack is guarded by this object's lock, held for a few
 * instructions (a growth holds it longer, once per chunk). Memory: every chunk belongs to the
 * provider's arena and is freed at the last WSPCleanup.
 */
final class RequestSlab {

    /** Records in the first chunk. */
    static final int FIRST_CHUNK = 256;

    /** What lock-free readers see: chunk bounds and every request, published together. */
    private record View(long[] bases, int[] firsts, int[] counts, OverlappedRequest[] requests) {
    }

    private final Arena arena;
    private final long stride;
    private final int bound;
    private volatile View view;
    /** Indices of free requests; guarded by this. */
    private int[] free;
    private int freeTop;
    /** Blocks for captures of more than OverlappedRequest.CAPACITY WSABUFs: one per 64 requests of a full first 4096, at least one. */
    final LargeCaptures large;

    RequestSlab(Arena arena, int bound) {
        this.arena = arena;
        this.bound = bound;
        this.stride = OverlappedRequest.RECORD.byteSize();
        this.large = new LargeCaptures(arena, Math.max(1, Math.min(bound, 4096) / 64));
        this.view = new View(new long[0], new int[0], new int[0], new OverlappedRequest[0]);
        this.free = new int[0];
        synchronized (this) {
            grow();
        }
    }

    /** Adds one chunk; false at the bound. Caller holds the lock. */
    private boolean grow() {
        View v = view;
        int have = v.requests.length;
        if (have >= bound) {
            return false;
        }
        int add = Math.min(bound - have, Math.max(FIRST_CHUNK, have));
        MemorySegment chunk = arena.allocate(stride * add, OverlappedRequest.RECORD.byteAlignment());
        OverlappedRequest[] requests = Arrays.copyOf(v.requests, have + add);
        for (int i = 0; i < add; i++) {
            requests[have + i] = new OverlappedRequest(have + i, chunk.asSlice(i * stride, stride), large);
        }
        int chunks = v.bases.length;
        long[] bases = Arrays.copyOf(v.bases, chunks + 1);
        int[] firsts = Arrays.copyOf(v.firsts, chunks + 1);
        int[] counts = Arrays.copyOf(v.counts, chunks + 1);
        bases[chunks] = chunk.address();
        firsts[chunks] = have;
        counts[chunks] = add;
        int[] f = Arrays.copyOf(free, have + add);
        for (int i = 0; i < add; i++) {
            f[freeTop + i] = have + add - 1 - i; // lowest index on top
        }
        free = f;
        freeTop += add;
        view = new View(bases, firsts, counts, requests);
        return true;
    }

    /**
     * A reset request with one reference, or null when all are in use and the pool is at its
     * bound (the caller answers WSAEWOULDBLOCK).
     */
    OverlappedRequest acquire() {
        return acquire(true);
    }

    /** {@link #acquire()}, or null when none is free and {@code mayGrow} is false (the pool is not grown). */
    OverlappedRequest acquire(boolean mayGrow) {
        OverlappedRequest r;
        synchronized (this) {
            if (freeTop == 0 && (!mayGrow || !grow())) {
                return null;
            }
            r = view.requests[free[--freeTop]];
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

    /** <em>Hot.</em> The request whose own OVERLAPPED is at {@code address}, or null if it is not one of ours. */
    OverlappedRequest ofOverlapped(long address) {
        View v = view;
        long record = address - OverlappedRequest.OVERLAPPED_OFFSET;
        long[] bases = v.bases;
        for (int c = 0; c < bases.length; c++) {
            long offset = record - bases[c];
            if (offset >= 0 && offset < stride * v.counts[c]) {
                return offset % stride == 0 ? v.requests[v.firsts[c] + (int) (offset / stride)] : null;
            }
        }
        return null;
    }

    /** The live request a filter ticket names, or null if it completed meanwhile. */
    OverlappedRequest ofTicket(long ticket) {
        int index = (int) ticket;
        OverlappedRequest[] requests = view.requests;
        if (index < 0 || index >= requests.length) {
            return null;
        }
        OverlappedRequest r = requests[index];
        return r.uses == (int) (ticket >>> 32) && r.refs.get() > 0 ? r : null;
    }

    /** Requests currently out of the pool (for tests and the leak check at cleanup). */
    synchronized int inUse() {
        return view.requests.length - freeTop;
    }

    /** Requests made so far (grows up to the bound). */
    int size() {
        return view.requests.length;
    }
}
