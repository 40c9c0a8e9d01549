package org.jwsp.host.ws2;

import static org.jwsp.bindings.windows.ws2spi_h.AF_INET;
import static org.jwsp.bindings.windows.ws2spi_h.AF_INET6;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.sockaddr_in;
import org.jwsp.bindings.windows.sockaddr_in6;

/**
 * Windows loopback socket addresses for tests and samples ({@code 127.0.0.1} / {@code ::1}: the
 * only addresses jwsp's tests ever send to), and reading a port back. Static.
 */
public final class SockAddr {

    private SockAddr() {
    }

    /** A Windows {@code sockaddr_in}/{@code sockaddr_in6} for loopback:{@code port} (0 = any port). */
    public static MemorySegment loopback(int af, int port, SegmentAllocator allocator) {
        if (af == AF_INET6()) {
            MemorySegment a = sockaddr_in6.allocate(allocator);
            a.fill((byte) 0);
            sockaddr_in6.sin6_family(a, (short) AF_INET6());
            sockaddr_in6.sin6_port(a, Short.reverseBytes((short) port));
            sockaddr_in6.sin6_addr(a).set(ValueLayout.JAVA_BYTE, 15, (byte) 1);
            return a;
        }
        MemorySegment a = sockaddr_in.allocate(allocator);
        a.fill((byte) 0);
        sockaddr_in.sin_family(a, (short) AF_INET());
        sockaddr_in.sin_port(a, Short.reverseBytes((short) port));
        sockaddr_in.sin_addr(a).set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 0, 0x7F000001);
        return a;
    }

    /** The port (host order) of a Windows {@code sockaddr_in}/{@code sockaddr_in6}. */
    public static int port(MemorySegment address) {
        return Short.toUnsignedInt(Short.reverseBytes(sockaddr_in.sin_port(address)));
    }

    /** Size of the address for {@code af}. */
    public static int size(int af) {
        return (int) (af == AF_INET6() ? sockaddr_in6.sizeof() : sockaddr_in.sizeof());
    }
}
