package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.AF_INET;
import static org.jwsp.bindings.windows.ws2spi_h.AF_INET6;
import static org.jwsp.bindings.windows.ws2spi_h.WSAEAFNOSUPPORT;
import static org.jwsp.bindings.windows.ws2spi_h.WSAEFAULT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.windows.sockaddr;
import org.jwsp.bindings.windows.sockaddr_in;
import org.jwsp.bindings.windows.sockaddr_in6;

/**
 * Converts socket addresses between Windows' and Linux's {@code sockaddr_in}/{@code sockaddr_in6}.
 * The layouts agree byte for byte on x64 (16 and 28 bytes; port, flow info, address and scope id at
 * the same offsets, all in network order) except the family value ({@code AF_INET6} is 23 on
 * Windows, 10 on Linux), so a conversion is a bounded copy and a family rewrite.
 *
 * <p>Static; works on caller memory and the calling thread's scratch.
 */
final class SockAddrs {

    private SockAddrs() {
    }

    /** Linux family for a Windows one, or -1. */
    static int linuxFamily(int windowsFamily) {
        if (windowsFamily == AF_INET()) {
            return linux_h.AF_INET();
        }
        return windowsFamily == AF_INET6() ? linux_h.AF_INET6() : -1;
    }

    static long windowsSize(int windowsFamily) {
        return windowsFamily == AF_INET6() ? sockaddr_in6.sizeof() : sockaddr_in.sizeof();
    }

    /**
     * Copies the caller's Windows address ({@code namelen} bytes at {@code name}) into
     * {@code out} as a Linux address of family {@code expectedFamily} (Windows value).
     *
     * @return the Linux address length, or {@code -WSAEFAULT} (null, too short) or
     *         {@code -WSAEAFNOSUPPORT} (another family)
     */
    static int toLinux(MemorySegment name, int namelen, int expectedFamily, MemorySegment out) {
        if (name.address() == 0 || namelen < sockaddr.sizeof()) {
            return -WSAEFAULT();
        }
        MemorySegment win = name.reinterpret(namelen);
        int family = Short.toUnsignedInt(sockaddr.sa_family(win));
        if (family != expectedFamily || linuxFamily(family) < 0) {
            return -WSAEAFNOSUPPORT();
        }
        long size = windowsSize(family);
        if (namelen < size) {
            return -WSAEFAULT();
        }
        MemorySegment.copy(win, 0, out, 0, size);
        out.set(ValueLayout.JAVA_SHORT, sockaddr.sa_family$offset(), (short) linuxFamily(family));
        return (int) size;
    }

    /**
     * Writes the Linux address in {@code linux} to the caller's {@code name}/{@code namelen}
     * (in: buffer size, out: bytes written). Returns 0 or {@code -WSAEFAULT}.
     */
    static int toWindows(MemorySegment linux, MemorySegment name, MemorySegment namelen) {
        if (name.address() == 0 || namelen.address() == 0) {
            return -WSAEFAULT();
        }
        MemorySegment len = namelen.reinterpret(4);
        int family = linux.get(ValueLayout.JAVA_SHORT, 0) == linux_h.AF_INET6() ? AF_INET6() : AF_INET();
        long size = windowsSize(family);
        if (len.get(ValueLayout.JAVA_INT_UNALIGNED, 0) < size) {
            return -WSAEFAULT();
        }
        MemorySegment win = name.reinterpret(size);
        MemorySegment.copy(linux, 0, win, 0, size);
        sockaddr.sa_family(win, (short) family);
        len.set(ValueLayout.JAVA_INT_UNALIGNED, 0, (int) size);
        return 0;
    }
}
