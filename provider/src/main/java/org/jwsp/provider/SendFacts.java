package org.jwsp.provider;

import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.CallerMemory;
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
    private long acceptedNanos;
    private long callerThread;
    private long fileBytes;

    SendFacts aim(SocketContext socket, boolean overlapped, long wsabufs, int count, long total, int flags, long ticket,
                  long acceptedNanos, long callerThread) {
        this.acceptedNanos = acceptedNanos;
        this.callerThread = callerThread;
        this.socket = socket;
        this.overlapped = overlapped;
        this.wsabufs = wsabufs;
        this.count = count;
        this.total = total;
        this.flags = flags;
        this.ticket = ticket;
        this.fileBytes = 0;
        return this;
    }

    /** A TransmitFile's file bytes ({@link SendView#fileBytes}), after {@link #aim}. */
    SendFacts fileBytes(long bytes) {
        this.fileBytes = bytes;
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
    @Override public long fileBytes() { return fileBytes; }
    @Override public int flags() { return flags; }
    @Override public MemorySegment peer() { return socket.peerView; }
    @Override public long ticket() { return ticket; }
    @Override public long acceptedNanos() { return acceptedNanos; }
    @Override public long callerThreadId() { return callerThread; }

    @Override
    public void copyPayload(long offset, MemorySegment into, long intoOffset, long length) {
        if (offset < 0 || length < 0 || offset + length > total) {
            throw new IndexOutOfBoundsException("bytes [" + offset + ", " + (offset + length) + ") of a " + total + "-byte send");
        }
        java.util.Objects.checkFromIndexSize(intoOffset, length, into.byteSize()); // before any byte is read
        if (into.isReadOnly()) {
            throw new IllegalArgumentException("a read-only segment cannot take the payload");
        }
        for (int i = 0; i < count && length > 0; i++) {
            long len = WsaBufCapture.length(wsabufs, i); // a ULONG, unsigned
            if (offset >= len) {
                offset -= len;
                continue;
            }
            long n = Math.min(len - offset, length);
            CallerMemory.copyOut(WsaBufCapture.address(wsabufs, i) + offset, into, intoOffset, n);
            intoOffset += n;
            length -= n;
            offset = 0;
        }
        if (length > 0) {
            // A capture of more WSABUFs than a gather array holds, sent in parts: its first entries were trimmed.
            throw new IllegalStateException("this send's buffers were trimmed by a partial lower send; its payload is not whole");
        }
    }

    @Override
    public long bufferLength(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException(i);
        }
        return WsaBufCapture.length(wsabufs, i);
    }
}
