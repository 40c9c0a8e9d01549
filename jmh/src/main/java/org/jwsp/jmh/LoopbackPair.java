package org.jwsp.jmh;

import static org.jwsp.bindings.linux.linux_h.AF_INET;
import static org.jwsp.bindings.linux.linux_h.IPPROTO_TCP;
import static org.jwsp.bindings.linux.linux_h.SOCK_CLOEXEC;
import static org.jwsp.bindings.linux.linux_h.SOCK_STREAM;
import static org.jwsp.bindings.linux.linux_h.TCP_NODELAY;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.sockaddr_in;

/**
 * A TCP connection over 127.0.0.1 made with plain Linux sockets: a sending descriptor for the
 * benchmark thread and a {@link LoopbackSink} that drains the other end. Owns both;
 * {@link #close()} closes the sender, lets the drain finish and frees everything.
 */
final class LoopbackPair implements AutoCloseable {

    private final LoopbackSink sink = new LoopbackSink();
    /** The sending end, for the benchmark thread. */
    final int sender;

    LoopbackPair() {
        sender = LoopbackSink.check(linux_h.socket(AF_INET(), SOCK_STREAM() | SOCK_CLOEXEC(), 0), "socket");
        LoopbackSink.check(linux_h.connect(sender, sink.address(), (int) sockaddr_in.sizeof()), "connect");
        sink.acceptAndDrain();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
            LoopbackSink.check(linux_h.setsockopt(sender, IPPROTO_TCP(), TCP_NODELAY(), one, 4), "setsockopt");
        }
    }

    /** Bytes the drain has read so far (a benchmark's sanity check, not its measure). */
    long received() {
        return sink.received();
    }

    @Override
    public void close() throws InterruptedException {
        linux_h.close(sender);
        sink.close();
    }
}
