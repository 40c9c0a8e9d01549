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
    /**
     * {@code generation << 32 | slot} while the slot is this socket's, 0 when free. Volatile: an
     * entry compares the value its handle resolved to with it under the socket lock
     * ({@link #stillOpen}), and a reuse writes it under the table's lock, not this one.
     */
    volatile long contextValue;
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
    /**
     * Whether the lower provider queues a packet on jwsp's port also for a call it completed at
     * once (Windows' default): then a send completed at once stays "in flight" until the worker
     * reaps that packet. False once {@link CompletionPort#associate} set
     * FILE_SKIP_COMPLETION_PORT_ON_SUCCESS on the lower socket. Written before {@link #publish}.
     */
    boolean lowerPostsImmediate = true;
    /**
     * jwsp's port, once {@link CompletionPort#associate} associated the lower socket with it: the
     * queue posts there the packet that keeps an at-once send in flight so the next ones merge
     * behind it ({@link SubmissionQueue}, "Holding": with the skip mode, the packet the lower
     * provider no longer posts; without it, the lower's packet when it came while the send was
     * still being issued). Written before {@link #publish}.
     */
    CompletionPort port;
    volatile boolean nonBlocking;
    volatile boolean connected;
    volatile boolean shutdownSend;
    /** Set by WSPCloseSocket; no new operation is accepted afterwards. Guarded by the lock. */
    boolean closing;
    /** A lower misbehaviour of this socket was logged at WARN (once per socket). Guarded by this. */
    boolean lowerMisbehaviourLogged;

    SocketContext(int slot, MemorySegment gather, MemorySegment peer) {
        this.slot = slot;
        this.gather = gather;
        this.peer = peer;
        this.peerView = peer.asReadOnly();
        this.queue = new SubmissionQueue(this);
    }

    /**
     * Fills a fresh context for a lower socket (WSPSocket, WSPAccept), before it has a client
     * handle. Under no lock: the context is not reachable until {@link #publish}.
     */
    void adopt(LowerProvider lower, long lowerHandle, int catalogEntryId, int addressFamily, int type, int protocol,
               boolean overlapped, boolean connected, boolean lowerPostsImmediate) {
        this.lower = lower;
        this.lowerHandle = lowerHandle;
        this.catalogEntryId = catalogEntryId;
        this.addressFamily = addressFamily;
        this.type = type;
        this.protocol = protocol;
        this.overlapped = overlapped;
        this.connected = connected;
        this.messageOriented = type != org.jwsp.bindings.windows.ws2spi_h.SOCK_STREAM();
        this.maxMessageSize = Integer.MAX_VALUE;
        this.lowerPostsImmediate = lowerPostsImmediate;
        this.port = null;
    }

    /** The largest message the lower provider takes (message-oriented sockets). */
    void maxMessageSize(int size) {
        this.maxMessageSize = size;
    }

    /** The client's handle is made: from now on the context resolves ({@link SocketTable#of}). */
    void publish(long clientHandle) {
        this.handle = clientHandle;
        this.open = true;
    }

    /** WSPConnect succeeded (or is under way): the socket is connected to {@code name}. */
    void connected(MemorySegment name, int nameLen) {
        connected = true;
        if (name.address() != 0 && nameLen > 0) {
            long n = Math.min(nameLen, peer.byteSize());
            MemorySegment.copy(name.reinterpret(n), 0, peer, 0, n);
        }
    }

    /**
     * Under this object's lock: the socket an entry resolved to {@code resolvedContextValue}
     * (before it took the lock) is still this slot's and not closing. WSPCloseSocket and a
     * WSPSocket that reuses the slot may have run in between; the new socket has a new value.
     */
    boolean stillOpen(long resolvedContextValue) {
        return !closing && contextValue == resolvedContextValue;
    }

    /** FIONBIO, WSPEventSelect, WSPAsyncSelect. */
    void nonBlocking(boolean on) {
        nonBlocking = on;
    }

    /**
     * WSPShutdown(SD_SEND or SD_BOTH): no new send is accepted from now on. The sends jwsp
     * accepted before must precede the FIN: when jwsp's queue is drained the caller shuts the
     * lower socket down now (true); otherwise the queue does it, with {@code how}, once it
     * drains (false), so WSPShutdown never waits, however long a filter holds a send.
     */
    synchronized boolean shutDownSend(int how) {
        shutdownSend = true;
        if (queue.drained()) {
            return true;
        }
        queue.shutdownWhenDrained(how);
        return false;
    }

    /**
     * DisconnectEx: no new send is accepted; waits until the sends jwsp accepted before have gone
     * out (or the socket closes), so they precede the FIN the lower DisconnectEx sends. Unlike
     * {@link #shutDownSend(int)} this waits, as a synchronous send does: DisconnectEx has no
     * deferred form in jwsp yet (a filter holding a send holds an overlapped DisconnectEx's caller).
     */
    synchronized void shutDownSendForDisconnect() throws InterruptedException {
        shutdownSend = true;
        queue.await(SubmissionQueue.Until.DRAINED_OR_CLOSING, 0);
    }

    /**
     * DisconnectEx with {@code TF_REUSE_SOCKET} succeeded: the socket is unconnected again and may
     * connect or be accepted into anew; sends are accepted once it is.
     */
    void disconnectedForReuse() {
        connected = false;
        shutdownSend = false;
        peer.fill((byte) 0);
    }

    /** The lower provider refused the shutdown: sends are accepted again. */
    void shutDownSendFailed() {
        shutdownSend = false;
    }

    /**
     * WSPCloseSocket and the last WSPCleanup: no new operation is accepted, the sends waiting in
     * the queue end with WSA_OPERATION_ABORTED (take them with {@link #takeDone}), threads
     * waiting for the queue wake. False if the socket was closing already.
     */
    synchronized boolean markClosing() {
        if (closing) {
            return false;
        }
        closing = true;
        queue.abortWaiting();
        notifyAll();
        return true;
    }

    /**
     * The lower provider refused WSPCloseSocket (its socket is still open): jwsp's socket stays
     * open too and accepts operations again. The sends {@link #markClosing} aborted stay aborted.
     */
    synchronized void closeRefused() {
        closing = false;
    }

    /**
     * WSPCloseSocket, after {@link #markClosing}: waits until no lower send is being issued
     * outside the lock ({@link LowerIssue}), so the lower socket is not closed under a lower call
     * that is about to use its handle. A lower call does not block; nothing new is issued once closing.
     */
    synchronized void awaitIssued() throws InterruptedException {
        queue.await(SubmissionQueue.Until.ISSUED, 0);
    }

    /** SIO_FLUSH: the sends waiting in the queue end with WSA_OPERATION_ABORTED. */
    synchronized void abortWaiting() {
        queue.abortWaiting();
    }

    /** Requests finished since the last call, to deliver after the lock ({@link SubmissionQueue#takeDone}). */
    synchronized OverlappedRequest takeDone() {
        return queue.takeDone();
    }

    /** WSPCloseSocket gave up on the lower provider: {@link SubmissionQueue#abandonInFlight}, then the done list to deliver. */
    synchronized OverlappedRequest abandonInFlight() {
        queue.abandonInFlight();
        return queue.takeDone();
    }

    /**
     * Waits (at most {@code millis}) until nothing of this socket is at the lower provider or on
     * its way to the client ({@link SubmissionQueue#quiet}).
     */
    synchronized boolean awaitQuiet(long millis) throws InterruptedException {
        return queue.await(SubmissionQueue.Until.QUIET, millis);
    }

    /** A free slot is handed out again: reset, with a new generation and context value. Under the table's lock. */
    void reuse() {
        reset();
        generation++;
        contextValue = ((long) generation << 32) | slot;
    }

    /** The slot goes back to the table: the context value stops resolving first. Under the table's lock. */
    void unpublish() {
        open = false;
        contextValue = 0;
    }

    /** See {@link SocketTable#retire}. */
    void retire() {
        open = false;
    }

    private void reset() {
        lowerMisbehaviourLogged = false;
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
