package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * WSABUF arrays for overlapped sends of more than {@link OverlappedRequest#CAPACITY} buffers, up to
 * {@link #MAX_BUFFERS}: a few blocks of one slab, lent to a request's {@link WsaBufCapture} for
 * the life of its send and given back when the request returns to the pool. Most sends fit the
 * request's own record; these keep a long gather list (a Netty {@code IovArray} holds up to
 * IOV_MAX, 1024) from being refused.
 *
 * <p>Threads: {@link #borrow} on the caller of WSPSend, {@link #giveBack} on whichever thread
 * releases the request; the free stack is guarded by this object's lock, held for a few
 * instructions. Memory: the slab belongs to the provider's arena; nothing is allocated per send.
 */
final class LargeCaptures {

    /** WSABUF entries one block holds: the most one overlapped send may have (Linux's IOV_MAX). */
    static final int MAX_BUFFERS = 1024;

    private final MemorySegment[] blocks;
    private final int[] free;
    private int freeTop;

    LargeCaptures(Arena arena, int count) {
        long blockBytes = MAX_BUFFERS * WsaBufCapture.SIZEOF_WSABUF;
        MemorySegment slab = arena.allocate(blockBytes * count, 8);
        blocks = new MemorySegment[count];
        free = new int[count];
        for (int i = 0; i < count; i++) {
            blocks[i] = slab.asSlice(i * blockBytes, blockBytes);
            free[i] = count - 1 - i;
        }
        freeTop = count;
    }

    /** A free block's number, or -1 when all are lent (the send answers WSAEWOULDBLOCK). */
    synchronized int borrow() {
        return freeTop == 0 ? -1 : free[--freeTop];
    }

    MemorySegment block(int number) {
        return blocks[number];
    }

    synchronized void giveBack(int number) {
        free[freeTop++] = number;
    }

    /** Blocks lent right now (for tests and the leak check at cleanup). */
    synchronized int inUse() {
        return blocks.length - freeTop;
    }
}
