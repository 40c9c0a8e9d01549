package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.jwsp.host.base.SocketCalls.fail;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.linux.linux_h;
import org.jwsp.host.kernel.Libc;
import org.jwsp.host.upcall.UpcallFaults;
import org.jwsp.host.upcall.WsaErrors;

/**
 * The base provider's option and control entries: {@code WSPGetSockOpt}, {@code WSPSetSockOpt}
 * ({@code SOL_SOCKET}: {@code SO_MAX_MSG_SIZE} (get only: no limit {@code 0xFFFFFFFF} for a stream,
 * 65507/65527 for UDP over IPv4/IPv6), {@code SO_SNDBUF}, {@code SO_RCVBUF}, {@code SO_REUSEADDR},
 * {@code SO_TYPE} and {@code SO_ERROR} (get only); {@code IPPROTO_TCP}: {@code TCP_NODELAY} on a stream
 * socket) and {@code WSPIoctl} ({@code FIONBIO},
 * {@code SIO_FLUSH}; both complete at once, an overlapped call still indicates its completion).
 * Null {@code optval}/{@code optlen} or a length under 4 is {@code WSAEFAULT}; an unknown option
 * {@code WSAENOPROTOOPT}; an unknown level or control code {@code WSAEINVAL}.
 * Upcall bodies on the caller's thread.
 */
final class OptionCalls {

    private final BaseProvider provider;

    OptionCalls(BaseProvider provider) {
        this.provider = provider;
    }

    private static int linuxOption(int optname) {
        if (optname == SO_SNDBUF()) {
            return linux_h.SO_SNDBUF();
        }
        if (optname == SO_RCVBUF()) {
            return linux_h.SO_RCVBUF();
        }
        if (optname == SO_REUSEADDR()) {
            return linux_h.SO_REUSEADDR();
        }
        return -1;
    }

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
            MemorySegment len = optlen.reinterpret(4);
            if (len.get(ValueLayout.JAVA_INT_UNALIGNED, 0) < 4) {
                return fail(lpErrno, WSAEFAULT());
            }
            int value;
            if (level == IPPROTO_TCP()) {
                if (optname != TCP_NODELAY() || !sock.isStream()) {
                    return fail(lpErrno, WSAENOPROTOOPT());
                }
                CallScratch scratch = CallScratch.current();
                scratch.addressLength.set(ValueLayout.JAVA_INT, 0, 4);
                int r = Libc.getsockopt(sock.fd, linux_h.IPPROTO_TCP(), linux_h.TCP_NODELAY(), scratch.value,
                        scratch.addressLength);
                if (r < 0) {
                    return fail(lpErrno, WsaErrors.fromErrno(-r));
                }
                value = scratch.value.get(ValueLayout.JAVA_INT, 0) != 0 ? 1 : 0;
            } else if (level != SOL_SOCKET()) {
                return fail(lpErrno, WSAEINVAL());
            } else if (optname == SO_MAX_MSG_SIZE()) {
                value = sock.isStream() ? -1 : sock.af == AF_INET6() ? 65527 : 65507;
            } else if (optname == SO_TYPE()) {
                value = sock.type;
            } else if (optname == SO_ERROR() || linuxOption(optname) >= 0) {
                CallScratch scratch = CallScratch.current();
                scratch.addressLength.set(ValueLayout.JAVA_INT, 0, 4);
                int name = optname == SO_ERROR() ? linux_h.SO_ERROR() : linuxOption(optname);
                int r = Libc.getsockopt(sock.fd, linux_h.SOL_SOCKET(), name, scratch.value, scratch.addressLength);
                if (r < 0) {
                    return fail(lpErrno, WsaErrors.fromErrno(-r));
                }
                value = scratch.value.get(ValueLayout.JAVA_INT, 0);
                if (optname == SO_ERROR() && value != 0) {
                    value = WsaErrors.fromErrno(value);
                }
            } else {
                return fail(lpErrno, WSAENOPROTOOPT());
            }
            optval.reinterpret(4).set(ValueLayout.JAVA_INT_UNALIGNED, 0, value);
            len.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 4);
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WSPGetSockOpt", t, lpErrno);
            return SOCKET_ERROR();
        } finally {
            BaseSocket.release(sock);
        }
    }

    int setSockOpt(long s, int level, int optname, MemorySegment optval, int optlen, MemorySegment lpErrno) {
        BaseSocket sock = null;
        try {
            sock = provider.sockets.acquire(s);
            if (sock == null) {
                return fail(lpErrno, WSAENOTSOCK());
            }
            if (level == SOL_SOCKET() && (optname == org.jwsp.bindings.windows.ws2spi_h.SO_UPDATE_CONNECT_CONTEXT()
                    || optname == org.jwsp.bindings.windows.ws2spi_h.SO_UPDATE_ACCEPT_CONTEXT())) {
                return 0; // the Linux socket already has its addresses; Windows needs these for getpeername & co.
            }
            if (optval.address() == 0 || optlen < 4) {
                return fail(lpErrno, WSAEFAULT());
            }
            if (level == IPPROTO_TCP()) {
                if (optname != TCP_NODELAY() || !sock.isStream()) {
                    return fail(lpErrno, WSAENOPROTOOPT());
                }
                // Winsock takes any nonzero value as TRUE (a BOOL, or a single byte from some callers).
                MemorySegment on = CallScratch.current().value;
                on.set(ValueLayout.JAVA_INT, 0, optval.reinterpret(4).get(ValueLayout.JAVA_INT_UNALIGNED, 0) != 0 ? 1 : 0);
                int r = Libc.setsockopt(sock.fd, linux_h.IPPROTO_TCP(), linux_h.TCP_NODELAY(), on, 4);
                return r < 0 ? fail(lpErrno, WsaErrors.fromErrno(-r)) : 0;
            }
            if (level != SOL_SOCKET()) {
                return fail(lpErrno, WSAEINVAL());
            }
            int name = linuxOption(optname);
            if (name < 0) {
                return fail(lpErrno, WSAENOPROTOOPT());
            }
            int r = Libc.setsockopt(sock.fd, linux_h.SOL_SOCKET(), name, optval.reinterpret(4), 4);
            return r < 0 ? fail(lpErrno, WsaErrors.fromErrno(-r)) : 0;
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
