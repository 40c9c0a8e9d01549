package org.jwsp.host.upcall;

import org.jwsp.bindings.CallerMemory;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.linux.linux_h;
import org.jwsp.kernel.KernelException;

/**
 * The host's one table from Linux {@code errno} to the Winsock error a Windows program would see
 * for the same condition, plus the mapping of a Java fault caught at an upcall boundary. Every
 * error path of the base provider and of the upcall table goes through here.
 *
 * <p>Static, immutable after class initialisation; {@link #fromErrno} is an array index.
 */
public final class WsaErrors {

    private static final int[] TABLE = new int[256];

    static {
        map(linux_h.EINTR(), WSAEINTR());
        map(linux_h.EBADF(), WSAENOTSOCK());
        map(linux_h.EPERM(), WSAEACCES());
        map(linux_h.EACCES(), WSAEACCES());
        map(linux_h.EFAULT(), WSAEFAULT());
        map(linux_h.EINVAL(), WSAEINVAL());
        map(linux_h.EMFILE(), WSAEMFILE());
        map(linux_h.ENFILE(), WSAEMFILE());
        map(linux_h.EAGAIN(), WSAEWOULDBLOCK());
        map(linux_h.EINPROGRESS(), WSAEWOULDBLOCK()); // a nonblocking connect "would block" in Winsock
        map(linux_h.EALREADY(), WSAEALREADY());
        map(linux_h.ENOTSOCK(), WSAENOTSOCK());
        map(linux_h.EDESTADDRREQ(), WSAEDESTADDRREQ());
        map(linux_h.EMSGSIZE(), WSAEMSGSIZE());
        map(linux_h.EPROTOTYPE(), WSAEPROTOTYPE());
        map(linux_h.ENOPROTOOPT(), WSAENOPROTOOPT());
        map(linux_h.EPROTONOSUPPORT(), WSAEPROTONOSUPPORT());
        map(linux_h.ESOCKTNOSUPPORT(), WSAESOCKTNOSUPPORT());
        map(linux_h.EOPNOTSUPP(), WSAEOPNOTSUPP());
        map(linux_h.EPFNOSUPPORT(), WSAEPFNOSUPPORT());
        map(linux_h.EAFNOSUPPORT(), WSAEAFNOSUPPORT());
        map(linux_h.EADDRINUSE(), WSAEADDRINUSE());
        map(linux_h.EADDRNOTAVAIL(), WSAEADDRNOTAVAIL());
        map(linux_h.ENETDOWN(), WSAENETDOWN());
        map(linux_h.ENETUNREACH(), WSAENETUNREACH());
        map(linux_h.ENETRESET(), WSAENETRESET());
        map(linux_h.ECONNABORTED(), WSAECONNABORTED());
        map(linux_h.ECONNRESET(), WSAECONNRESET());
        map(linux_h.EPIPE(), WSAECONNRESET()); // the peer is gone; our own shutdown is caught before the call
        map(linux_h.ENOBUFS(), WSAENOBUFS());
        map(linux_h.ENOMEM(), WSAENOBUFS());
        map(linux_h.EISCONN(), WSAEISCONN());
        map(linux_h.ENOTCONN(), WSAENOTCONN());
        map(linux_h.ESHUTDOWN(), WSAESHUTDOWN());
        map(linux_h.ETIMEDOUT(), WSAETIMEDOUT());
        map(linux_h.ECONNREFUSED(), WSAECONNREFUSED());
        map(linux_h.EHOSTDOWN(), WSAEHOSTUNREACH());
        map(linux_h.EHOSTUNREACH(), WSAEHOSTUNREACH());
        map(linux_h.ECANCELED(), WSA_OPERATION_ABORTED());
    }

    private WsaErrors() {
    }

    private static void map(int errno, int wsa) {
        TABLE[errno] = wsa;
    }

    /** The Winsock code for {@code errno} (positive); {@code WSASYSCALLFAILURE} for one with no Winsock meaning. */
    public static int fromErrno(int errno) {
        int code = errno > 0 && errno < TABLE.length ? TABLE[errno] : 0;
        return code == 0 ? WSASYSCALLFAILURE() : code;
    }

    /**
     * The code for a Java fault caught at an upcall boundary: a pointer the caller gave that does
     * not bound what the contract says ({@link IndexOutOfBoundsException}, {@link IllegalArgumentException}
     * from a segment access) is {@code WSAEFAULT}; out of memory is {@code WSAENOBUFS}; a refused
     * kernel call is its errno's code; anything else is a host defect, {@code WSASYSCALLFAILURE}.
     */
    public static int fromThrowable(Throwable t) {
        if (t instanceof IndexOutOfBoundsException || t instanceof IllegalArgumentException) {
            return WSAEFAULT();
        }
        if (t instanceof OutOfMemoryError) {
            return WSAENOBUFS();
        }
        if (t instanceof KernelException k && k.code() > 0) {
            return fromErrno(k.code());
        }
        return WSASYSCALLFAILURE();
    }


    /** <em>Hot.</em> Writes {@code code} to the caller's {@code LPINT lpErrno} at {@code address}, if it is not 0. */
    public static void set(long lpErrno, int code) {
        if (lpErrno != 0) {
            CallerMemory.putInt(lpErrno, code);
        }
    }

    /** Writes {@code code} to a caller's {@code LPINT lpErrno}, if it is not null. */
    public static void set(MemorySegment lpErrno, int code) {
        if (lpErrno != null && lpErrno.address() != 0) {
            lpErrno.reinterpret(4).set(ValueLayout.JAVA_INT_UNALIGNED, 0, code);
        }
    }
}
