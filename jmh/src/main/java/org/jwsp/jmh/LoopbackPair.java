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
 * benchmark thread and a {@link LoopbackSink} (a drain process) at the other end. Owns both;
 * {@link #close()} closes the sender, lets the drain finish and frees everything.
 */
final class LoopbackPair implements AutoCloseable {

    private final LoopbackSink sink;
    /** The sending end, for the benchmark thread. */
    final int sender;

    /** {@code label} names the benchmark in the receiver log. */
    LoopbackPair(String label) {
        sink = new LoopbackSink(label);
        sender = check(linux_h.socket(AF_INET(), SOCK_STREAM() | SOCK_CLOEXEC(), 0), "socket");
        check(linux_h.connect(sender, sink.address(), (int) sockaddr_in.sizeof()), "connect");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
            check(linux_h.setsockopt(sender, IPPROTO_TCP(), TCP_NODELAY(), one, 4), "setsockopt");
        }
    }

    /** The drain of this pair (for its receiver log line). */
    LoopbackSink sink() {
        return sink;
    }

    /** Bytes the drain read, once {@link #close()} returned (a benchmark's sanity check, not its measure). */
    long received() {
        return sink.received();
    }

    static int check(int result, String call) {
        if (result < 0) {
            throw new IllegalStateException(call + " failed");
        }
        return result;
    }

    @Override
    public void close() throws InterruptedException {
        linux_h.close(sender);
        sink.close();
    }
}
