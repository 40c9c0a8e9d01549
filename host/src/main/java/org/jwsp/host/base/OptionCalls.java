package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.jwsp.host.base.SocketCalls.fail;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.host.upcall.UpcallFaults;

/**
 * The base provider's option and control entries: {@code WSPGetSockOpt}, {@code WSPSetSockOpt}
 * (the options and their Windows/Linux translation: {@link SocketOptions}; {@code SO_MAX_MSG_SIZE}
 * is no limit {@code 0xFFFFFFFF} for a stream, 65507/65527 for UDP over IPv4/IPv6) and
 * {@code WSPIoctl} ({@code FIONBIO}, {@code SIO_FLUSH}; both complete at once, an overlapped call
 * still indicates its completion). Null {@code optval}/{@code optlen} or a value too short is
 * {@code WSAEFAULT}; an unknown option {@code WSAENOPROTOOPT}; an unknown level or control code
 * {@code WSAEINVAL}.
 * Upcall bodies on the caller's thread.
 */
final class OptionCalls {

    private final BaseProvider provider;

    OptionCalls(BaseProvider provider) {
        this.provider = provider;
    }

    /**
     * {@code WSPGetSockOpt}: null {@code optval} or {@code optlen} is {@code WSAEFAULT}; the options
     * and their translation are {@link SocketOptions}'.
     */
    int getSockOpt(long s, int level, int optname, MemorySegment optval, MemorySegment optlen, MemorySegment lpErrno) {
        BaseSocket sock = null;
        try {
            sock = provider.sockets.acquire(s);
            if (sock == null) {
                return fail(lpErrno, WSAENOTSOCK());
            }
            if (optval.address() == 0 || optlen.address() == 0) {
                return fail(lpErrno, WSAEFAULT());
            }
            if (BaseIdentity.answersOption(level, optname)) {
                return provider.identity.protocolInfo(sock, optname, optval, optlen, lpErrno);
            }
            int e = SocketOptions.get(sock, level, optname, optval.address(), optlen.address());
            return e == 0 ? 0 : fail(lpErrno, e);
        } catch (Throwable t) {
            UpcallFaults.report("WSPGetSockOpt", t, lpErrno);
            return SOCKET_ERROR();
        } finally {
            BaseSocket.release(sock);
        }
    }

    /** {@code WSPSetSockOpt}: {@link SocketOptions}. */
    int setSockOpt(long s, int level, int optname, MemorySegment optval, int optlen, MemorySegment lpErrno) {
        BaseSocket sock = null;
        try {
            sock = provider.sockets.acquire(s);
            if (sock == null) {
                return fail(lpErrno, WSAENOTSOCK());
            }
            int e = SocketOptions.set(sock, level, optname, optval.address(), optlen);
            return e == 0 ? 0 : fail(lpErrno, e);
        } catch (Throwable t) {
            UpcallFaults.report("WSPSetSockOpt", t, lpErrno);
            return SOCKET_ERROR();
        } finally {
            BaseSocket.release(sock);
        }
    }

    /**
     * {@code WSPIoctl} ({@code FIONBIO}, {@code SIO_FLUSH}). Both complete at once. On a socket
     * created with {@code WSA_FLAG_OVERLAPPED}, a call with an {@code OVERLAPPED} or a completion
     * routine is overlapped: it returns 0 and still indicates its completion (status in the
     * {@code OVERLAPPED}, then the routine as an APC to the caller's thread, or the event and the
     * associated port's packet: {@link OverlappedIo#completeNow}); with a routine but no
     * {@code OVERLAPPED}, or a routine with no {@code WSATHREADID}, or an {@code OVERLAPPED} not
     * 8-byte aligned, it is {@code WSAEFAULT}. Without the flag the {@code OVERLAPPED} is ignored.
     */
    int ioctl(long s, int code, MemorySegment in, int inLength, MemorySegment out, int outLength, MemorySegment lpReturned,
              MemorySegment lpOverlapped, MemorySegment routine, MemorySegment lpThreadId, MemorySegment lpErrno) {
        BaseSocket sock = null;
        try {
            sock = provider.sockets.acquire(s);
            if (sock == null) {
                return fail(lpErrno, WSAENOTSOCK());
            }
            long ov = lpOverlapped.address();
            boolean overlapped = sock.overlapped && (ov != 0 || routine.address() != 0);
            if (overlapped && (ov == 0 || (ov & 7) != 0 || (routine.address() != 0 && lpThreadId.address() == 0))) {
                return fail(lpErrno, WSAEFAULT());
            }
            if (code == FIONBIO()) {
                if (in.address() == 0 || inLength < 4) {
                    return fail(lpErrno, WSAEFAULT());
                }
                sock.nonBlocking = in.reinterpret(4).get(ValueLayout.JAVA_INT_UNALIGNED, 0) != 0;
            }
            int returned = 0;
            if (code == FIONBIO()) {
                // done above
            } else if (code == SIO_FLUSH()) {
                provider.io().abort(sock, false);
            } else if (code == SIO_GET_EXTENSION_FUNCTION_POINTER()) {
                returned = provider.extensions.pointer(in, inLength, out, outLength);
                if (returned < 0) {
                    return fail(lpErrno, -returned);
                }
            } else if (code == SIO_EXT_SENDMSG()) {
                int r = provider.extensions.messages.extSendMsg(s, in, inLength);
                if (r < 0) {
                    return fail(lpErrno, -r);
                }
            } else if (code == SIO_EXT_POLL()) {
                returned = BasePoll.extPoll(provider, in, inLength, out, outLength);
                if (returned < 0) {
                    return fail(lpErrno, -returned);
                }
            } else if (BaseIdentity.answersIoctl(code)) {
                returned = BaseIdentity.baseHandle(sock, out, outLength);
                if (returned < 0) {
                    return fail(lpErrno, -returned);
                }
            } else {
                return fail(lpErrno, WSAEINVAL());
            }
            if (lpReturned.address() != 0) {
                lpReturned.reinterpret(4).set(ValueLayout.JAVA_INT_UNALIGNED, 0, returned);
            }
            if (overlapped) {
                provider.io().completeNow(sock, ov, routine.address(), lpThreadId.address(), 0, returned);
            }
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WSPIoctl", t, lpErrno);
            return SOCKET_ERROR();
        } finally {
            BaseSocket.release(sock);
        }
    }
}
