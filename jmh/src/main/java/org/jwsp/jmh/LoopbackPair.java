package org.jwsp.jmh;

import static org.jwsp.bindings.linux.linux_h.AF_INET;
import static org.jwsp.bindings.linux.linux_h.INADDR_LOOPBACK;
import static org.jwsp.bindings.linux.linux_h.IPPROTO_TCP;
import static org.jwsp.bindings.linux.linux_h.SOCK_CLOEXEC;
import static org.jwsp.bindings.linux.linux_h.SOCK_STREAM;
import static org.jwsp.bindings.linux.linux_h.TCP_NODELAY;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jwsp.bindings.linux.in_addr;
import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.sockaddr_in;

/**
 * A TCP connection over 127.0.0.1 made with plain Linux sockets, whose receiving end a daemon
 * thread drains as fast as it can, so a benchmark measures the sending side. Owns both
 * descriptors and the drain buffer; {@link #close()} ends the drain and frees everything.
 */
final class LoopbackPair implements AutoCloseable {

    private final Arena arena = Arena.ofShared();
    private final int listener;
    /** The sending end, for the benchmark thread. */
    final int sender;
    private final int receiver;
    private final Thread drain;
    private volatile long received;

    LoopbackPair() {
        MemorySegment addr = sockaddr_in.allocate(arena);
        sockaddr_in.sin_family(addr, (short) AF_INET());
        in_addr.s_addr(sockaddr_in.sin_addr(addr), Integer.reverseBytes(INADDR_LOOPBACK()));
        MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, (int) sockaddr_in.sizeof());
        listener = check(linux_h.socket(AF_INET(), SOCK_STREAM() | SOCK_CLOEXEC(), 0), "socket");
        check(linux_h.bind(listener, addr, (int) sockaddr_in.sizeof()), "bind");
        check(linux_h.listen(listener, 1), "listen");
        check(linux_h.getsockname(listener, addr, len), "getsockname");
        sender = check(linux_h.socket(AF_INET(), SOCK_STREAM() | SOCK_CLOEXEC(), 0), "socket");
        check(linux_h.connect(sender, addr, (int) sockaddr_in.sizeof()), "connect");
        receiver = check(linux_h.accept4(listener, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC()), "accept4");
        MemorySegment one = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
        check(linux_h.setsockopt(sender, IPPROTO_TCP(), TCP_NODELAY(), one, 4), "setsockopt");
        MemorySegment sink = arena.allocate(1 << 20);
        drain = Thread.ofPlatform().daemon().name("loopback-drain").start(() -> {
            long n;
            while ((n = linux_h.recv(receiver, sink, sink.byteSize(), 0)) > 0) {
                received += n;
            }
        });
    }

    /** Bytes the drain has read so far (a benchmark's sanity check, not its measure). */
    long received() {
        return received;
    }

    @Override
    public void close() throws InterruptedException {
        linux_h.close(sender);
        drain.join(10_000);
        linux_h.close(receiver);
        linux_h.close(listener);
        arena.close();
    }

    private static int check(int result, String call) {
        if (result < 0) {
            throw new IllegalStateException(call + " failed");
        }
        return result;
    }
}
