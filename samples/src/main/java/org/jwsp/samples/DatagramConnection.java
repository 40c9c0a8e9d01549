package org.jwsp.samples;

import static org.jwsp.bindings.windows.ws2spi_h.AF_INET6;
import static org.jwsp.bindings.windows.ws2spi_h.INVALID_SOCKET;
import static org.jwsp.bindings.windows.ws2spi_h.IPPROTO_UDP;
import static org.jwsp.bindings.windows.ws2spi_h.SOCK_DGRAM;
import static org.jwsp.bindings.windows.ws2spi_h.WSA_FLAG_OVERLAPPED;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;

import org.jwsp.bindings.windows.WSABUF;

/**
 * A UDP socket made through {@link Winsock} ({@code WSASocketW(af, SOCK_DGRAM, IPPROTO_UDP)},
 * {@code connect} to loopback, IPv4 or IPv6), sending datagrams with blocking {@code WSASend}, and
 * the receiver (a JDK {@link DatagramChannel} on the same loopback address, its own thread) that
 * checks every datagram against the {@link StreamPattern}: datagram {@code k} of {@code size}
 * bytes holds the pattern at {@code k * size}. Loopback does not reorder; the sender waits for
 * the receiver every {@value #BURST} datagrams, so none is dropped for lack of buffer space.
 *
 * <p>Why connect: jwsp's Java filter sits on {@code WSPSend}; {@code WSASendTo} passes through
 * to the base provider. One sending thread; owns its socket, channel, thread and arena.
 */
public final class DatagramConnection implements Checked, AutoCloseable {

    static final int BURST = 64;

    private final Winsock ws2;
    private final int af;
    private final long socket;
    private final DatagramChannel receiver;
    private final Thread thread;
    private final Arena arena = Arena.ofShared();
    private volatile int size;
    private long planned;
    private volatile long received;
    private volatile String failure;

    /** A UDP socket of family {@code af} (AF_INET or AF_INET6) connected to a new receiver on loopback. */
    public DatagramConnection(Winsock ws2, int af) throws IOException {
        this.ws2 = ws2;
        this.af = af;
        receiver = DatagramChannel.open();
        InetAddress loopback = InetAddress.getByName(af == AF_INET6() ? "::1" : "127.0.0.1");
        receiver.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
        receiver.bind(new InetSocketAddress(loopback, 0));
        int port = ((InetSocketAddress) receiver.getLocalAddress()).getPort();
        long s = ws2.socket(af, SOCK_DGRAM(), IPPROTO_UDP(), WSA_FLAG_OVERLAPPED());
        if (s == INVALID_SOCKET()) {
            int error = ws2.lastError();
            receiver.close();
            arena.close();
            throw new SampleFailure("WSASocketW(SOCK_DGRAM) failed: WSA error " + error);
        }
        socket = s;
        if (ws2.connect(s, Loopback.address(af, port, arena), Loopback.size(af)) != 0) {
            int error = ws2.lastError();
            ws2.closesocket(s);
            receiver.close();
            arena.close();
            throw new SampleFailure("connect (UDP) to " + loopback.getHostAddress() + " port " + port + " failed: WSA error " + error);
        }
        thread = Thread.ofPlatform().daemon().name("udp-receiver-" + s).start(this::receive);
    }

    @Override
    public long socket() {
        return socket;
    }

    /** "IPv4" or "IPv6". */
    public String family() {
        return af == AF_INET6() ? "IPv6" : "IPv4";
    }

    @Override
    public long received() {
        return received;
    }

    /** Blocking WSASend of {@code datagrams} datagrams of {@code size} bytes, each checked on arrival. */
    public void send(int datagrams, int size, SendTally t) throws InterruptedException {
        if (this.size != 0 && this.size != size) {
            throw new IllegalArgumentException("one datagram size per connection");
        }
        this.size = size;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate(size);
            MemorySegment buf = WSABUF.allocate(a);
            MemorySegment sent = a.allocate(ValueLayout.JAVA_INT);
            WSABUF.buf(buf, data);
            WSABUF.len(buf, size);
            for (int i = 0; i < datagrams; i++) {
                StreamPattern.fill(data, planned);
                t.sends++;
                if (ws2.send(socket, buf, 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL) != 0) {
                    throw new SampleFailure("UDP WSASend (" + family() + ") failed: WSA error " + ws2.lastError());
                }
                if (sent.get(ValueLayout.JAVA_INT, 0) != size) {
                    throw new SampleFailure("UDP WSASend sent " + sent.get(ValueLayout.JAVA_INT, 0) + " of " + size + " bytes");
                }
                planned += size;
                t.blocking++;
                t.bytes += size;
                if ((i + 1) % BURST == 0) {
                    awaitEcho(WinsockSends.WAIT_MILLIS);
                }
            }
        }
    }

    @Override
    public void awaitEcho(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (this) {
            while (received < planned && failure == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SampleFailure("UDP socket " + socket + " (" + family() + "): " + received + " of " + planned
                            + " bytes arrived after " + timeoutMillis + " ms");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
        if (failure != null) {
            throw new SampleFailure("UDP socket " + socket + " (" + family() + "): " + failure);
        }
    }

    private void receive() {
        ByteBuffer b = ByteBuffer.allocateDirect(65536);
        long offset = 0;
        try {
            while (true) {
                b.clear();
                receiver.receive(b);
                b.flip();
                int n = b.remaining();
                if (n != size || !StreamPattern.matches(MemorySegment.ofBuffer(b), offset)) {
                    fail("datagram at byte " + offset + " (" + n + " B) differs from what was sent");
                    return;
                }
                offset += n;
                synchronized (this) {
                    received = offset;
                    notifyAll();
                }
            }
        } catch (IOException closed) {
            // close() ends the receiver
        }
    }

    private synchronized void fail(String why) {
        failure = why;
        notifyAll();
    }

    /** closesocket, closes the receiver and joins its thread. */
    @Override
    public void close() throws IOException, InterruptedException {
        ws2.closesocket(socket);
        receiver.close();
        thread.join(5_000);
        arena.close();
    }
}
