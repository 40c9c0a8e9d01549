package org.jwsp.testkit;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.host.ws2.SockAddr;
import org.jwsp.host.ws2.Ws2;

/** A connected TCP loopback pair made through {@link Ws2} the way a program makes one. */
public record Pair(Ws2 ws2, long listener, long client, long server) implements AutoCloseable {

    public static Pair tcp(Ws2 ws2, int af, int clientFlags, Arena arena) {
        long l = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), clientFlags); // accepted sockets inherit the flags
        assertNotEquals(INVALID_SOCKET(), l, () -> "socket: " + ws2.lastError());
        MemorySegment any = SockAddr.loopback(af, 0, arena);
        assertEquals(0, ws2.bind(l, any, SockAddr.size(af)), () -> "bind: " + ws2.lastError());
        assertEquals(0, ws2.listen(l, 8));
        MemorySegment bound = SockAddr.loopback(af, 0, arena);
        MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, SockAddr.size(af));
        assertEquals(0, ws2.getsockname(l, bound, len));
        long c = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), clientFlags);
        assertEquals(0, ws2.connect(c, bound, SockAddr.size(af)), () -> "connect: " + ws2.lastError());
        long s = ws2.accept(l, MemorySegment.NULL, MemorySegment.NULL);
        assertNotEquals(INVALID_SOCKET(), s, () -> "accept: " + ws2.lastError());
        return new Pair(ws2, l, c, s);
    }

    @Override
    public void close() {
        ws2.closesocket(client);
        ws2.closesocket(server);
        ws2.closesocket(listener);
    }
}
