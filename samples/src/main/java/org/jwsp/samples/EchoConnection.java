package org.jwsp.samples;

import static org.jwsp.bindings.windows.ws2spi_h.AF_INET;
import static org.jwsp.bindings.windows.ws2spi_h.INVALID_SOCKET;
import static org.jwsp.bindings.windows.ws2spi_h.IPPROTO_TCP;
import static org.jwsp.bindings.windows.ws2spi_h.SD_SEND;
import static org.jwsp.bindings.windows.ws2spi_h.SOCK_STREAM;
import static org.jwsp.bindings.windows.ws2spi_h.WSA_FLAG_OVERLAPPED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

import org.jwsp.bindings.windows.WSABUF;

/**
 * One overlapped TCP socket made through {@link Winsock} ({@code WSASocketW} with
 * {@code WSA_FLAG_OVERLAPPED}, {@code connect} to 127.0.0.1) to an {@link EchoServer}, and the
 * thread that receives the echo with blocking {@code WSARecv} and checks every byte against the
 * {@link StreamPattern}, in order.
 *
 * <p>The sending side is the caller's: {@link #next} fills a buffer with the next bytes of the
 * stream and {@link #takeBack} undoes that for a send that was refused. One sending thread at a
 * time. Owns its arena (the receive buffer); {@link #close()} shuts the socket down, lets the
 * receiver see the end of the echo, closes the socket and frees the arena.
 */
public final class EchoConnection implements Checked, AutoCloseable {

    private final Winsock ws2;
    private final long socket;
    private final Arena arena = Arena.ofShared();
    private final Thread receiver;
    private long planned;
    private volatile long received;
    private volatile String failure;
    private volatile boolean closing;

    /** Connects to the echo server on 127.0.0.1:{@code port}. */
    public EchoConnection(Winsock ws2, int port) {
        this.ws2 = ws2;
        long s = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
        if (s == INVALID_SOCKET()) {
            arena.close();
            throw new SampleFailure("WSASocketW failed: WSA error " + ws2.lastError());
        }
        socket = s;
        MemorySegment to = Loopback.address(AF_INET(), port, arena);
        if (ws2.connect(s, to, Loopback.size(AF_INET())) != 0) {
            int error = ws2.lastError();
            ws2.closesocket(s);
            arena.close();
            throw new SampleFailure("connect to 127.0.0.1:" + port + " failed: WSA error " + error);
        }
        receiver = Thread.ofPlatform().daemon().name("echo-receiver-" + s).start(this::receive);
    }

    /** The socket handle, as the program (and jwsp's filter) sees it. */
    @Override
    public long socket() {
        return socket;
    }

    /** Fills {@code buffer} with the next bytes of this connection's stream; they must then be sent. */
    public MemorySegment next(MemorySegment buffer) {
        StreamPattern.fill(buffer, planned);
        planned += buffer.byteSize();
        return buffer;
    }

    /** The last {@code bytes} filled by {@link #next} were not sent (the send was refused). */
    public void takeBack(long bytes) {
        planned -= bytes;
    }

    /** Bytes handed to sends so far. */
    public long planned() {
        return planned;
    }

    /** Bytes echoed back and verified so far. */
    @Override
    public long received() {
        return received;
    }

    /**
     * Waits until everything planned has come back, verified.
     *
     * @throws SampleFailure if a byte differs, the connection ends early, or time runs out
     */
    @Override
    public void awaitEcho(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (this) {
            while (received < planned && failure == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SampleFailure("socket " + socket + ": " + received + " of " + planned
                            + " bytes echoed after " + timeoutMillis + " ms");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
        if (failure != null) {
            throw new SampleFailure("socket " + socket + ": " + failure);
        }
        if (received != planned) {
            throw new SampleFailure("socket " + socket + ": " + received + " bytes echoed, " + planned + " sent");
        }
    }

    private void receive() {
        MemorySegment data = arena.allocate(64 * 1024);
        MemorySegment buf = WSABUF.allocate(arena);
        WSABUF.buf(buf, data);
        WSABUF.len(buf, (int) data.byteSize());
        MemorySegment got = arena.allocate(ValueLayout.JAVA_INT);
        MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
        long offset = 0;
        while (true) {
            flags.set(ValueLayout.JAVA_INT, 0, 0);
            if (ws2.recv(socket, buf, 1, got, flags, MemorySegment.NULL, MemorySegment.NULL) != 0) {
                fail(closing ? "WSARecv failed while closing: WSA error " + ws2.lastError()
                        : "the echo ended: WSARecv failed with WSA error " + ws2.lastError() + " after " + offset + " bytes");
                return;
            }
            int n = got.get(ValueLayout.JAVA_INT, 0);
            if (n == 0) {
                if (!closing) {
                    fail("the echo server closed the connection after " + offset + " bytes");
                    return;
                }
                break;
            }
            if (!StreamPattern.matches(data.asSlice(0, n), offset)) {
                fail("echoed bytes [" + offset + ", " + (offset + n) + ") differ from what was sent");
                return;
            }
            offset += n;
            synchronized (this) {
                received = offset;
                notifyAll();
            }
        }
        synchronized (this) {
            notifyAll();
        }
    }

    private synchronized void fail(String why) {
        failure = why;
        notifyAll();
    }

    /** shutdown(SD_SEND), waits for the echo to end, closesocket, frees the receive buffer. */
    @Override
    public void close() throws InterruptedException {
        closing = true;
        ws2.shutdown(socket, SD_SEND());
        receiver.join(5_000);
        ws2.closesocket(socket);
        if (!receiver.isAlive()) {
            arena.close();
        }
    }
}
