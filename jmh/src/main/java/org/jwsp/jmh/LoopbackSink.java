package org.jwsp.jmh;

import static org.jwsp.bindings.linux.linux_h.AF_INET;
import static org.jwsp.bindings.linux.linux_h.INADDR_LOOPBACK;
import static org.jwsp.bindings.linux.linux_h.SOCK_CLOEXEC;
import static org.jwsp.bindings.linux.linux_h.SOCK_STREAM;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.linux.in_addr;
import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.sockaddr_in;

/**
 * The receiving end of a benchmark's loopback TCP connection, made with plain Linux sockets: a
 * listener on 127.0.0.1, the one connection it accepts, and a daemon thread that drains it as
 * fast as it can, so a benchmark measures the sending side. Owns the descriptors and the drain
 * buffer; {@link #close()} waits for the sender's end of stream, then frees everything.
 */
final class LoopbackSink implements AutoCloseable {

    private final Arena arena = Arena.ofShared();
    private final int listener;
    private final MemorySegment address;
    private int receiver = -1;
    private Thread drain;
    private volatile long received;

    /** Listens on 127.0.0.1 at a free port. */
    LoopbackSink() {
        address = sockaddr_in.allocate(arena);
        sockaddr_in.sin_family(address, (short) AF_INET());
        in_addr.s_addr(sockaddr_in.sin_addr(address), Integer.reverseBytes(INADDR_LOOPBACK()));
        MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, (int) sockaddr_in.sizeof());
        listener = check(linux_h.socket(AF_INET(), SOCK_STREAM() | SOCK_CLOEXEC(), 0), "socket");
        check(linux_h.bind(listener, address, (int) sockaddr_in.sizeof()), "bind");
        check(linux_h.listen(listener, 1), "listen");
        check(linux_h.getsockname(listener, address, len), "getsockname");
    }

    /** The Linux {@code sockaddr_in} it listens on (127.0.0.1:port). */
    MemorySegment address() {
        return address;
    }

    /** The port it listens on. */
    int port() {
        return Short.toUnsignedInt(Short.reverseBytes(sockaddr_in.sin_port(address)));
    }

    /** Accepts the one connection (already made by the sender) and starts draining it. */
    void acceptAndDrain() {
        receiver = check(linux_h.accept4(listener, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC()), "accept4");
        MemorySegment sink = arena.allocate(1 << 20);
        drain = Thread.ofPlatform().daemon().name("loopback-drain").start(() -> {
            long n;
            while ((n = linux_h.recv(receiver, sink, sink.byteSize(), 0)) > 0) {
                received += n;
            }
        });
    }

    /** Bytes the drain has read so far. */
    long received() {
        return received;
    }

    /** Waits (bounded) for the drain to see the sender's end of stream, then closes and frees all. */
    @Override
    public void close() throws InterruptedException {
        if (drain != null) {
            drain.join(10_000);
        }
        if (receiver >= 0) {
            linux_h.close(receiver);
        }
        linux_h.close(listener);
        arena.close();
    }

    static int check(int result, String call) {
        if (result < 0) {
            throw new IllegalStateException(call + " failed");
        }
        return result;
    }
}
