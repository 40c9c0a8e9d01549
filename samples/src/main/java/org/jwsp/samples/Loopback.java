package org.jwsp.samples;

import static org.jwsp.bindings.windows.ws2spi_h.AF_INET6;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import org.jwsp.bindings.windows.sockaddr_in;
import org.jwsp.bindings.windows.sockaddr_in6;

/**
 * Windows loopback socket addresses ({@code 127.0.0.1:port} as a {@code SOCKADDR_IN},
 * {@code [::1]:port} as a {@code SOCKADDR_IN6}), built as a Windows program builds them: the
 * samples send nowhere else. Static.
 */
public final class Loopback {

    private Loopback() {
    }

    /** A zeroed {@code sockaddr_in}/{@code sockaddr_in6} (by {@code af}) for loopback:{@code port}. */
    public static MemorySegment address(int af, int port, SegmentAllocator allocator) {
        if (af == AF_INET6()) {
            MemorySegment a = sockaddr_in6.allocate(allocator).fill((byte) 0);
            sockaddr_in6.sin6_family(a, (short) af);
            sockaddr_in6.sin6_port(a, Short.reverseBytes((short) port));
            sockaddr_in6.sin6_addr(a).set(ValueLayout.JAVA_BYTE, 15, (byte) 1);
            return a;
        }
        MemorySegment a = sockaddr_in.allocate(allocator).fill((byte) 0);
        sockaddr_in.sin_family(a, (short) af);
        sockaddr_in.sin_port(a, Short.reverseBytes((short) port));
        sockaddr_in.sin_addr(a).set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 0, 0x7F000001);
        return a;
    }

    /** The size of the address for {@code af} (the {@code namelen} argument). */
    public static int size(int af) {
        return (int) (af == AF_INET6() ? sockaddr_in6.sizeof() : sockaddr_in.sizeof());
    }
}
