package org.jwsp.provider;

import java.lang.foreign.MemorySegment;

/**
 * What jwsp knows about one of its sockets: the handle it gave the client (from
 * WPUCreateSocketHandle), the lower provider's socket behind it, and the state WSPSend decides
 * by (type, overlapped flag, blocking mode, connected and shutdown state, max message size).
 *
 * <p>One per {@link SocketTable} slot, reused: the client's handle carries the slot and a
 * generation as its WPU socket context, so a stale handle is recognised without a map.
 * Threads: fields marked <em>volatile</em> are read on every send without the lock and written
 * by the entry that changes them (WSPConnect, WSPShutdown, WSPIoctl FIONBIO, WSPEventSelect);
 * the queue and {@link #closing} are guarded by this object's monitor, which is also the
 * condition that synchronous senders and WSPCloseSocket wait on. Memory: {@link #gather} and
 * {@link #peer} are slices of the table's slab, owned by the provider's arena.
 */
final class SocketContext {

    final int slot;
    /** WSABUF[SocketTable.GATHER_CAPACITY]: the array of a merged lower send. Guarded by the lock. */
    final MemorySegment gather;
    /** sockaddr_storage: the peer given to WSPConnect (family 0 until then). */
    final MemorySegment peer;
    /** Read-only view of {@link #peer}, made once, handed to filters. */
    final MemorySegment peerView;
    final SubmissionQueue queue;

    int generation;
    long contextValue;
    volatile boolean open;
    long handle;
    long lowerHandle;
    LowerProvider lower;
    int catalogEntryId;
    int addressFamily;
    int type;
    int protocol;
    boolean overlapped;
    boolean messageOriented;
    int maxMessageSize;
    volatile boolean nonBlocking;
    volatile boolean connected;
    volatile boolean shutdownSend;
    /** Set by WSPCloseSocket; no new operation is accepted afterwards. Guarded by the lock. */
    boolean closing;

    SocketContext(int slot, MemorySegment gather, MemorySegment peer) {
        this.slot = slot;
        this.gather = gather;
        this.peer = peer;
        this.peerView = peer.asReadOnly();
        this.queue = new SubmissionQueue(this);
    }

    void reset() {
        handle = 0;
        lowerHandle = 0;
        lower = null;
        catalogEntryId = 0;
        addressFamily = 0;
        type = 0;
        protocol = 0;
        overlapped = false;
        messageOriented = false;
        maxMessageSize = Integer.MAX_VALUE;
        nonBlocking = false;
        connected = false;
        shutdownSend = false;
        closing = false;
        peer.fill((byte) 0);
        queue.reset();
    }
}
