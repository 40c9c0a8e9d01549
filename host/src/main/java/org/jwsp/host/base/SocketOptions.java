package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.CallerMemory;
import org.jwsp.bindings.WindowsSdkConstants;
import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.timeval;
import org.jwsp.bindings.windows.linger;
import org.jwsp.host.kernel.Libc;
import org.jwsp.host.upcall.WsaErrors;

/**
 * The socket options Windows programs use, translated between Winsock's values and layouts and
 * Linux's, for {@code WSPGetSockOpt}/{@code WSPSetSockOpt} ({@link OptionCalls}):
 *
 * <pre>
 *   level         Windows option                 Linux                          value (Windows side)
 *   SOL_SOCKET    SO_LINGER           stream     SO_LINGER {int,int}            struct linger {u_short on, u_short secs}
 *                 SO_DONTLINGER       stream     SO_LINGER l_onoff              BOOL (= !l_onoff)
 *                 SO_KEEPALIVE        stream     SO_KEEPALIVE                   BOOL
 *                 SO_OOBINLINE        stream     SO_OOBINLINE                   BOOL
 *                 SO_BROADCAST        datagram   SO_BROADCAST                   BOOL
 *                 SO_REUSEADDR                   SO_REUSEADDR                   BOOL (refused while exclusive)
 *                 SO_EXCLUSIVEADDRUSE            (none: Linux binds exclusively BOOL, recorded (refused while reuse is on)
 *                                                 unless SO_REUSEADDR is on)
 *                 SO_SNDBUF, SO_RCVBUF           SO_SNDBUF, SO_RCVBUF           int
 *                 SO_SNDTIMEO, SO_RCVTIMEO       SO_SNDTIMEO, SO_RCVTIMEO       DWORD milliseconds (Linux timeval)
 *                 SO_ERROR, SO_TYPE, SO_ACCEPTCONN, SO_MAX_MSG_SIZE   get only  int / BOOL (SO_ERROR as a WSAE code)
 *                 SO_UPDATE_ACCEPT_CONTEXT       set only: SOCKET of a listening socket; nothing to do here
 *                 SO_UPDATE_CONNECT_CONTEXT      set only, no value: the socket must be connected
 *   IPPROTO_TCP   TCP_NODELAY                    TCP_NODELAY                    BOOL       (stream only)
 *                 TCP_KEEPALIVE = TCP_KEEPIDLE   TCP_KEEPIDLE                   DWORD seconds
 *                 TCP_KEEPINTVL, TCP_KEEPCNT     TCP_KEEPINTVL, TCP_KEEPCNT     DWORD
 *   IPPROTO_IP    IP_TTL              IPv4       IP_TTL                         int
 *   IPPROTO_IPV6  IPV6_V6ONLY         IPv6       IPV6_V6ONLY                    BOOL
 * </pre>
 *
 * Codes, as Winsock's: an unknown level {@code WSAEINVAL}; an option unknown at its level, or one
 * that does not apply to this socket's type or family, or a set of a get-only option (or the
 * reverse) {@code WSAENOPROTOOPT}; a value shorter than the option's ({@code optlen}, or
 * {@code *optlen} on get) {@code WSAEFAULT}. A {@code BOOL} is nonzero for TRUE. On get,
 * {@code *optlen} is set to the size written.
 *
 * <p>Static; runs on the caller's thread inside its call on the socket (the caller holds its
 * reference and validated the pointers as non-null); Linux values go through the thread's
 * {@link CallScratch}.
 */
final class SocketOptions {

    /** sizeof(struct linger): Windows' two u_shorts, Linux's two ints (generated, layout-proven). */
    private static final int WINDOWS_LINGER = (int) linger.sizeof();
    private static final int LINUX_LINGER = (int) org.jwsp.bindings.linux.linger.sizeof();
    private static final int ANY = 0;
    private static final int STREAM = 1;
    private static final int DATAGRAM = 2;

    private SocketOptions() {
    }

    /** {@code getsockopt}: 0 with the value written at {@code optval} and its size at {@code optlen}, or a WSAE code. */
    static int get(BaseSocket s, int level, int name, long optval, long optlen) {
        int room = CallerMemory.getInt(optlen);
        int value;
        if (level == SOL_SOCKET()) {
            if (name == SO_MAX_MSG_SIZE()) {
                value = s.isStream() ? -1 : s.af == AF_INET6() ? 65527 : 65507;
            } else if (name == SO_TYPE()) {
                value = s.type;
            } else if (name == SO_ACCEPTCONN()) {
                value = s.listening ? 1 : 0;
            } else if (name == SO_EXCLUSIVEADDRUSE()) {
                value = s.exclusiveAddress ? 1 : 0;
            } else if (name == SO_ERROR()) {
                int e = linuxGet(s, linux_h.SOL_SOCKET(), linux_h.SO_ERROR());
                if (e < 0) {
                    return WsaErrors.fromErrno(-e);
                }
                value = e == 0 ? 0 : WsaErrors.fromErrno(e);
            } else if (name == SO_LINGER() || name == SO_DONTLINGER()) {
                if (!s.isStream()) {
                    return WSAENOPROTOOPT();
                }
                MemorySegment l = CallScratch.current().address;
                int r = linuxGetStruct(s, linux_h.SOL_SOCKET(), linux_h.SO_LINGER(), l, LINUX_LINGER);
                if (r < 0) {
                    return WsaErrors.fromErrno(-r);
                }
                int on = org.jwsp.bindings.linux.linger.l_onoff(l) != 0 ? 1 : 0;
                if (name == SO_DONTLINGER()) {
                    value = 1 - on;
                } else {
                    if (room < WINDOWS_LINGER) {
                        return WSAEFAULT();
                    }
                    int seconds = Math.min(org.jwsp.bindings.linux.linger.l_linger(l), 0xFFFF);
                    CallerMemory.putShort(optval + linger.l_onoff$offset(), on);
                    CallerMemory.putShort(optval + linger.l_linger$offset(), seconds);
                    CallerMemory.putInt(optlen, WINDOWS_LINGER);
                    return 0;
                }
            } else if (name == SO_SNDTIMEO() || name == SO_RCVTIMEO()) {
                // as set: Linux keeps the timeout in jiffies and gives back a rounded value
                value = name == SO_SNDTIMEO() ? s.sendTimeoutMillis : s.receiveTimeoutMillis;
            } else if (name == SO_UPDATE_ACCEPT_CONTEXT() || name == SO_UPDATE_CONNECT_CONTEXT()) {
                return WSAENOPROTOOPT(); // set only
            } else {
                int linux = plainSocketOption(s, name);
                if (linux < 0) {
                    return -linux;
                }
                int r = linuxGet(s, linux_h.SOL_SOCKET(), linux);
                if (r < 0) {
                    return WsaErrors.fromErrno(-r);
                }
                value = isBool(name) ? (r != 0 ? 1 : 0) : r;
            }
        } else {
            long linux = protocolOption(s, level, name);
            if (linux < 0) {
                return (int) -linux;
            }
            int r = linuxGet(s, (int) (linux >>> 32), (int) linux);
            if (r < 0) {
                return WsaErrors.fromErrno(-r);
            }
            value = isBoolAt(level, name) ? (r != 0 ? 1 : 0) : r;
        }
        if (room < 4) {
            return WSAEFAULT();
        }
        CallerMemory.putInt(optval, value);
        CallerMemory.putInt(optlen, 4);
        return 0;
    }

    /** {@code setsockopt}: 0, or a WSAE code. {@code optval} may be 0 only for SO_UPDATE_CONNECT_CONTEXT. */
    static int set(BaseSocket s, int level, int name, long optval, int optlen) {
        if (level == SOL_SOCKET() && name == SO_UPDATE_CONNECT_CONTEXT()) {
            return s.connected ? 0 : WSAENOTCONN();
        }
        if (optval == 0) {
            return WSAEFAULT();
        }
        if (level == SOL_SOCKET()) {
            if (name == SO_MAX_MSG_SIZE() || name == SO_TYPE() || name == SO_ERROR() || name == SO_ACCEPTCONN()) {
                return WSAENOPROTOOPT(); // get only
            }
            if (name == SO_UPDATE_ACCEPT_CONTEXT()) {
                // the accepted socket already has its context on the host: only the argument is checked
                return optlen < 8 ? WSAEFAULT() : 0;
            }
            if (name == SO_LINGER()) {
                if (!s.isStream()) {
                    return WSAENOPROTOOPT();
                }
                if (optlen < WINDOWS_LINGER) {
                    return WSAEFAULT();
                }
                int on = CallerMemory.getUnsignedShort(optval + linger.l_onoff$offset());
                int seconds = CallerMemory.getUnsignedShort(optval + linger.l_linger$offset());
                return setLinger(s, on != 0, seconds);
            }
            if (optlen < 4) {
                return WSAEFAULT();
            }
            int v = CallerMemory.getInt(optval);
            if (name == SO_DONTLINGER()) {
                if (!s.isStream()) {
                    return WSAENOPROTOOPT();
                }
                MemorySegment l = CallScratch.current().address;
                int r = linuxGetStruct(s, linux_h.SOL_SOCKET(), linux_h.SO_LINGER(), l, LINUX_LINGER);
                return r < 0 ? WsaErrors.fromErrno(-r) : setLinger(s, v == 0, org.jwsp.bindings.linux.linger.l_linger(l));
            }
            if (name == SO_EXCLUSIVEADDRUSE()) {
                if (v != 0 && linuxGet(s, linux_h.SOL_SOCKET(), linux_h.SO_REUSEADDR()) > 0) {
                    return WSAEINVAL();
                }
                s.exclusiveAddress = v != 0;
                return 0;
            }
            if (name == SO_REUSEADDR() && v != 0 && s.exclusiveAddress) {
                return WSAEINVAL();
            }
            if (name == SO_SNDTIMEO() || name == SO_RCVTIMEO()) {
                long ms = Integer.toUnsignedLong(v);
                MemorySegment tv = CallScratch.current().address;
                timeval.tv_sec(tv, ms / 1000);
                timeval.tv_usec(tv, (ms % 1000) * 1000);
                int r = Libc.setsockopt(s.fd, linux_h.SOL_SOCKET(),
                        name == SO_SNDTIMEO() ? linux_h.SO_SNDTIMEO() : linux_h.SO_RCVTIMEO(),
                        tv.asSlice(0, timeval.sizeof()), (int) timeval.sizeof());
                if (r < 0) {
                    return WsaErrors.fromErrno(-r);
                }
                if (name == SO_SNDTIMEO()) {
                    s.sendTimeoutMillis = v;
                } else {
                    s.receiveTimeoutMillis = v;
                }
                return 0;
            }
            int linux = plainSocketOption(s, name);
            if (linux < 0) {
                return -linux;
            }
            return linuxSet(s, linux_h.SOL_SOCKET(), linux, isBool(name) ? (v != 0 ? 1 : 0) : v);
        }
        long linux = protocolOption(s, level, name);
        if (linux < 0) {
            return (int) -linux;
        }
        if (optlen < 4) {
            return WSAEFAULT();
        }
        int v = CallerMemory.getInt(optval);
        return linuxSet(s, (int) (linux >>> 32), (int) linux, isBoolAt(level, name) ? (v != 0 ? 1 : 0) : v);
    }

    /** A SOL_SOCKET option with a plain int/BOOL value: its Linux name, or {@code -WSAE code}. */
    private static int plainSocketOption(BaseSocket s, int name) {
        int applies;
        int linux;
        if (name == SO_SNDBUF()) {
            linux = linux_h.SO_SNDBUF();
            applies = ANY;
        } else if (name == SO_RCVBUF()) {
            linux = linux_h.SO_RCVBUF();
            applies = ANY;
        } else if (name == SO_REUSEADDR()) {
            linux = linux_h.SO_REUSEADDR();
            applies = ANY;
        } else if (name == SO_KEEPALIVE()) {
            linux = linux_h.SO_KEEPALIVE();
            applies = STREAM;
        } else if (name == SO_OOBINLINE()) {
            linux = linux_h.SO_OOBINLINE();
            applies = STREAM;
        } else if (name == SO_BROADCAST()) {
            linux = linux_h.SO_BROADCAST();
            applies = DATAGRAM;
        } else {
            return -WSAENOPROTOOPT();
        }
        if (applies == STREAM && !s.isStream() || applies == DATAGRAM && s.isStream()) {
            return -WSAENOPROTOOPT();
        }
        return linux;
    }

    /** A TCP/IP/IPv6 level option: (Linux level &lt;&lt; 32 | Linux name), or {@code -WSAE code}. */
    private static long protocolOption(BaseSocket s, int level, int name) {
        if (level == IPPROTO_TCP()) {
            if (!s.isStream()) {
                return -WSAENOPROTOOPT();
            }
            int linux = name == TCP_NODELAY() ? linux_h.TCP_NODELAY()
                    : name == WindowsSdkConstants.TCP_KEEPIDLE ? linux_h.TCP_KEEPIDLE()
                    : name == WindowsSdkConstants.TCP_KEEPINTVL ? linux_h.TCP_KEEPINTVL()
                    : name == WindowsSdkConstants.TCP_KEEPCNT ? linux_h.TCP_KEEPCNT() : -1;
            return linux < 0 ? -WSAENOPROTOOPT() : (long) linux_h.IPPROTO_TCP() << 32 | linux;
        }
        if (level == IPPROTO_IP()) {
            if (name != IP_TTL() || s.af != AF_INET()) {
                return -WSAENOPROTOOPT();
            }
            return (long) linux_h.IPPROTO_IP() << 32 | linux_h.IP_TTL();
        }
        if (level == IPPROTO_IPV6()) {
            if (name != IPV6_V6ONLY() || s.af != AF_INET6()) {
                return -WSAENOPROTOOPT();
            }
            return (long) linux_h.IPPROTO_IPV6() << 32 | linux_h.IPV6_V6ONLY();
        }
        return -WSAEINVAL();
    }

    private static boolean isBool(int name) {
        return name == SO_REUSEADDR() || name == SO_KEEPALIVE() || name == SO_OOBINLINE()
                || name == SO_BROADCAST();
    }

    private static boolean isBoolAt(int level, int name) {
        return level == IPPROTO_TCP() && name == TCP_NODELAY() || level == IPPROTO_IPV6();
    }

    /** SO_LINGER is on with a zero timeout: closing this stream socket must reset the connection. */
    static boolean abortiveClose(BaseSocket s) {
        if (!s.isStream()) {
            return false;
        }
        MemorySegment l = CallScratch.current().address;
        return linuxGetStruct(s, linux_h.SOL_SOCKET(), linux_h.SO_LINGER(), l, LINUX_LINGER) == 0
                && org.jwsp.bindings.linux.linger.l_onoff(l) != 0 && org.jwsp.bindings.linux.linger.l_linger(l) == 0;
    }

    /** {@code connect(fd, {AF_UNSPEC})}: a TCP socket drops its connection with an RST, waking its waiters. */
    static void disconnect(BaseSocket s) {
        MemorySegment unspec = CallScratch.current().address;
        unspec.fill((byte) 0);
        unspec.set(ValueLayout.JAVA_SHORT, 0, (short) linux_h.AF_UNSPEC());
        Libc.connect(s.fd, unspec, 16);
    }

    private static int setLinger(BaseSocket s, boolean on, int seconds) {
        MemorySegment l = CallScratch.current().address;
        org.jwsp.bindings.linux.linger.l_onoff(l, on ? 1 : 0);
        org.jwsp.bindings.linux.linger.l_linger(l, seconds);
        int r = Libc.setsockopt(s.fd, linux_h.SOL_SOCKET(), linux_h.SO_LINGER(), l.asSlice(0, LINUX_LINGER), LINUX_LINGER);
        return r < 0 ? WsaErrors.fromErrno(-r) : 0;
    }

    /** An int option's value (&ge; 0 for these options), or {@code -errno}. */
    private static int linuxGet(BaseSocket s, int level, int name) {
        CallScratch scratch = CallScratch.current();
        scratch.addressLength.set(ValueLayout.JAVA_INT, 0, 4);
        int r = Libc.getsockopt(s.fd, level, name, scratch.value, scratch.addressLength);
        return r < 0 ? r : scratch.value.get(ValueLayout.JAVA_INT, 0);
    }

    private static int linuxGetStruct(BaseSocket s, int level, int name, MemorySegment into, int size) {
        CallScratch scratch = CallScratch.current();
        scratch.addressLength.set(ValueLayout.JAVA_INT, 0, size);
        return Libc.getsockopt(s.fd, level, name, into, scratch.addressLength);
    }

    private static int linuxSet(BaseSocket s, int level, int name, int value) {
        MemorySegment v = CallScratch.current().value;
        v.set(ValueLayout.JAVA_INT, 0, value);
        int r = Libc.setsockopt(s.fd, level, name, v.asSlice(0, 4), 4);
        return r < 0 ? WsaErrors.fromErrno(-r) : 0;
    }
}
