package org.jwsp.provider;

import java.lang.foreign.MemorySegment;

import org.jwsp.provider.filter.SendView;

/**
 * The {@link SendView} flyweight handed to filters: one per thread ({@link ThreadScratch}),
 * re-aimed at each send, so a filter call allocates nothing (the WSABUF array is held as an
 * address: a segment made per synchronous send cost 40 B). Only its own thread uses it.
 */
final class SendFacts implements SendView {

    private SocketContext socket;
    private boolean overlapped;
    /** Address of the send's WSABUF array: jwsp's capture, or a synchronous caller's own array (validated). */
    private long wsabufs;
    private int count;
    private long total;
    private int flags;
    private long ticket;

    SendFacts aim(SocketContext socket, boolean overlapped, long wsabufs, int count, long total, int flags, long ticket) {
        this.socket = socket;
        this.overlapped = overlapped;
        this.wsabufs = wsabufs;
        this.count = count;
        this.total = total;
        this.flags = flags;
        this.ticket = ticket;
        return this;
    }

    void clear() {
        socket = null;
        wsabufs = 0;
    }

    @Override public long socket() { return socket.handle; }
    @Override public int socketType() { return socket.type; }
    @Override public int addressFamily() { return socket.addressFamily; }
    @Override public int protocol() { return socket.protocol; }
    @Override public boolean overlapped() { return overlapped; }
    @Override public boolean nonBlocking() { return socket.nonBlocking; }
    @Override public boolean connected() { return socket.connected; }
    @Override public int maxMessageSize() { return socket.maxMessageSize; }
    @Override public int bufferCount() { return count; }
    @Override public long totalBytes() { return total; }
    @Override public int flags() { return flags; }
    @Override public MemorySegment peer() { return socket.peerView; }
    @Override public long ticket() { return ticket; }

    @Override
    public int bufferLength(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException(i);
        }
        return WsaBufCapture.length(wsabufs, i);
    }
}
