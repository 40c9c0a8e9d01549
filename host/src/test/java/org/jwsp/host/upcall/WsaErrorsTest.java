package org.jwsp.host.upcall;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.linux.linux_h;
import org.jwsp.kernel.KernelException;

/** The one errno -> WSAE table, entry by entry. */
class WsaErrorsTest {

    @Test
    void everyMappedErrnoHasItsWinsockCode() {
        Map<Integer, Integer> expected = Map.ofEntries(
                Map.entry(linux_h.EINTR(), WSAEINTR()), Map.entry(linux_h.EBADF(), WSAENOTSOCK()),
                Map.entry(linux_h.EPERM(), WSAEACCES()), Map.entry(linux_h.EACCES(), WSAEACCES()),
                Map.entry(linux_h.EFAULT(), WSAEFAULT()), Map.entry(linux_h.EINVAL(), WSAEINVAL()),
                Map.entry(linux_h.EMFILE(), WSAEMFILE()), Map.entry(linux_h.ENFILE(), WSAEMFILE()),
                Map.entry(linux_h.EAGAIN(), WSAEWOULDBLOCK()), Map.entry(linux_h.EINPROGRESS(), WSAEWOULDBLOCK()),
                Map.entry(linux_h.EALREADY(), WSAEALREADY()), Map.entry(linux_h.ENOTSOCK(), WSAENOTSOCK()),
                Map.entry(linux_h.EDESTADDRREQ(), WSAEDESTADDRREQ()), Map.entry(linux_h.EMSGSIZE(), WSAEMSGSIZE()),
                Map.entry(linux_h.EPROTOTYPE(), WSAEPROTOTYPE()), Map.entry(linux_h.ENOPROTOOPT(), WSAENOPROTOOPT()),
                Map.entry(linux_h.EPROTONOSUPPORT(), WSAEPROTONOSUPPORT()),
                Map.entry(linux_h.ESOCKTNOSUPPORT(), WSAESOCKTNOSUPPORT()), Map.entry(linux_h.EOPNOTSUPP(), WSAEOPNOTSUPP()),
                Map.entry(linux_h.EPFNOSUPPORT(), WSAEPFNOSUPPORT()), Map.entry(linux_h.EAFNOSUPPORT(), WSAEAFNOSUPPORT()),
                Map.entry(linux_h.EADDRINUSE(), WSAEADDRINUSE()), Map.entry(linux_h.EADDRNOTAVAIL(), WSAEADDRNOTAVAIL()),
                Map.entry(linux_h.ENETDOWN(), WSAENETDOWN()), Map.entry(linux_h.ENETUNREACH(), WSAENETUNREACH()),
                Map.entry(linux_h.ENETRESET(), WSAENETRESET()), Map.entry(linux_h.ECONNABORTED(), WSAECONNABORTED()),
                Map.entry(linux_h.ECONNRESET(), WSAECONNRESET()), Map.entry(linux_h.EPIPE(), WSAECONNRESET()),
                Map.entry(linux_h.ENOBUFS(), WSAENOBUFS()), Map.entry(linux_h.ENOMEM(), WSAENOBUFS()),
                Map.entry(linux_h.EISCONN(), WSAEISCONN()), Map.entry(linux_h.ENOTCONN(), WSAENOTCONN()),
                Map.entry(linux_h.ESHUTDOWN(), WSAESHUTDOWN()), Map.entry(linux_h.ETIMEDOUT(), WSAETIMEDOUT()),
                Map.entry(linux_h.ECONNREFUSED(), WSAECONNREFUSED()), Map.entry(linux_h.EHOSTDOWN(), WSAEHOSTUNREACH()),
                Map.entry(linux_h.EHOSTUNREACH(), WSAEHOSTUNREACH()), Map.entry(linux_h.ECANCELED(), WSA_OPERATION_ABORTED()));
        expected.forEach((errno, wsa) -> assertEquals(wsa, WsaErrors.fromErrno(errno), "errno " + errno));
    }

    @Test
    void anErrnoWithNoWinsockMeaningIsASystemCallFailure() {
        assertEquals(WSASYSCALLFAILURE(), WsaErrors.fromErrno(linux_h.ENOENT()));
        assertEquals(WSASYSCALLFAILURE(), WsaErrors.fromErrno(0));
        assertEquals(WSASYSCALLFAILURE(), WsaErrors.fromErrno(-5));
        assertEquals(WSASYSCALLFAILURE(), WsaErrors.fromErrno(100_000));
    }

    @Test
    void javaFaultsAtAnUpcallBoundaryMapToOneCodeEach() {
        assertEquals(WSAEFAULT(), WsaErrors.fromThrowable(new IndexOutOfBoundsException()));
        assertEquals(WSAEFAULT(), WsaErrors.fromThrowable(new IllegalArgumentException("Misaligned access")));
        assertEquals(WSAENOBUFS(), WsaErrors.fromThrowable(new OutOfMemoryError()));
        assertEquals(WSAEMFILE(), WsaErrors.fromThrowable(new KernelException("table full", linux_h.EMFILE())));
        assertEquals(WSASYSCALLFAILURE(), WsaErrors.fromThrowable(new NullPointerException()));
    }
}
