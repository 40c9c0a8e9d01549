package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.pollfd;
import org.jwsp.bindings.linux.sockaddr_storage;
import org.jwsp.bindings.windows.LPWPUCLOSESOCKETHANDLE;
import org.jwsp.bindings.windows.LPWPUCREATESOCKETHANDLE;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.bindings.windows.WSPUPCALLTABLE;
import org.jwsp.host.kernel.Libc;
import org.jwsp.host.upcall.UpcallFaults;
import org.jwsp.host.upcall.WsaErrors;

/**
 * The base provider's socket life-cycle entries: {@code WSPSocket}, {@code WSPBind},
 * {@code WSPListen}, {@code WSPAccept}, {@code WSPConnect}, {@code WSPShutdown},
 * {@code WSPCloseSocket}, {@code WSPGetSockName}, {@code WSPGetPeerName}, over Linux sockets.
 * Each method is the body of an upcall stub: it runs on the caller's thread, catches every
 * {@link Throwable} ({@link UpcallFaults}) and answers one Winsock code per failure.
 *
 * <p>Blocking follows Winsock: the Linux fd itself always stays blocking (so that io_uring never
 * sees {@code O_NONBLOCK}); a nonblocking ({@code FIONBIO}) socket's calls use {@code MSG_DONTWAIT},
 * a zero-timeout {@code poll} before {@code accept}, and a temporary {@code O_NONBLOCK} around
 * {@code connect} (answering {@code WSAEWOULDBLOCK} for a connect in progress).
 */
final class SocketCalls {

    private final BaseProvider provider;

    SocketCalls(BaseProvider provider) {
        this.provider = provider;
    }

    static int fail(MemorySegment lpErrno, int code) {
        WsaErrors.set(lpErrno, code);
        return SOCKET_ERROR();
    }

    long socket(int af, int type, int protocol, MemorySegment lpProtocolInfo, int g, int dwFlags, MemorySegment lpErrno) {
        try {
            int catalogEntryId = provider.defaultCatalogEntryId();
            if (lpProtocolInfo.address() != 0) {
                provider.identity.remember(lpProtocolInfo);
                MemorySegment info = lpProtocolInfo.reinterpret(WSAPROTOCOL_INFOW.sizeof());
                catalogEntryId = WSAPROTOCOL_INFOW.dwCatalogEntryId(info);
                af = af == 0 ? WSAPROTOCOL_INFOW.iAddressFamily(info) : af;
                type = type == 0 ? WSAPROTOCOL_INFOW.iSocketType(info) : type;
                protocol = protocol == 0 ? WSAPROTOCOL_INFOW.iProtocol(info) : protocol;
            }
            int family = SockAddrs.linuxFamily(af);
            if (family < 0) {
                fail(lpErrno, WSAEAFNOSUPPORT());
                return INVALID_SOCKET();
            }
            if (type != SOCK_STREAM() && type != SOCK_DGRAM()) {
                fail(lpErrno, WSAESOCKTNOSUPPORT());
                return INVALID_SOCKET();
            }
            int expected = type == SOCK_STREAM() ? IPPROTO_TCP() : IPPROTO_UDP();
            if (protocol != 0 && protocol != expected) {
                fail(lpErrno, WSAEPROTOTYPE());
                return INVALID_SOCKET();
            }
            int fd = Libc.socket(family, type | linux_h.SOCK_CLOEXEC(), expected);
            if (fd < 0) {
                fail(lpErrno, WsaErrors.fromErrno(-fd));
                return INVALID_SOCKET();
            }
            if (family == linux_h.AF_INET6()) {
                setIntOption(fd, linux_h.IPPROTO_IPV6(), linux_h.IPV6_V6ONLY(), 1); // Windows' default
            }
            long s = register(fd, af, type, expected, (dwFlags & WSA_FLAG_OVERLAPPED()) != 0, catalogEntryId, lpErrno);
            return s;
        } catch (Throwable t) {
            UpcallFaults.report("WSPSocket", t, lpErrno);
            return INVALID_SOCKET();
        }
    }

    /** Makes the socket's Winsock handle through the upcall table ({@code WPUCreateSocketHandle}). */
    private long register(int fd, int af, int type, int protocol, boolean overlapped, int catalogEntryId, MemorySegment lpErrno) {
        int slot = provider.sockets.reserve();
        BaseSocket sock = new BaseSocket(slot, fd, af, type, protocol, overlapped, catalogEntryId);
        long s = LPWPUCREATESOCKETHANDLE.invoke(WSPUPCALLTABLE.lpWPUCreateSocketHandle(provider.upcalls()),
                catalogEntryId, slot, lpErrno);
        if (s == INVALID_SOCKET()) {
            provider.sockets.release(slot);
            Libc.close(fd);
            return INVALID_SOCKET();
        }
        sock.handle = s;
        sock.socketHandle = provider.sockets.handle(s);
        if (sock.socketHandle != null) {
            sock.socketHandle.ioCancel(ov -> provider.io().cancel(sock, ov)); // an IFS handle: CancelIoEx reaches its I/O
        }
        provider.sockets.put(sock);
        return s;
    }

    static void setIntOption(int fd, int level, int name, int value) {
        MemorySegment v = CallScratch.current().value;
        v.set(ValueLayout.JAVA_INT, 0, value);
        Libc.setsockopt(fd, level, name, v, 4);
    }

    int bind(long s, MemorySegment name, int namelen, MemorySegment lpErrno) {
        BaseSocket sock = null;
        try {
            sock = provider.sockets.acquire(s);
            if (sock == null) {
                return fail(lpErrno, WSAENOTSOCK());
            }
            MemorySegment addr = CallScratch.current().address;
            int len = SockAddrs.toLinux(name, namelen, sock.af, addr);
            if (len < 0) {
                return fail(lpErrno, -len);
            }
            int r = Libc.bind(sock.fd, addr, len);
            if (r < 0) {
                return fail(lpErrno, WsaErrors.fromErrno(-r));
            }
            sock.bound = true;
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WSPBind", t, lpErrno);
            return SOCKET_ERROR();
        } finally {
            BaseSocket.release(sock);
        }
    }

    int listen(long s, int backlog, MemorySegment lpErrno) {
        BaseSocket sock = null;
        try {
            sock = provider.sockets.acquire(s);
            if (sock == null) {
                return fail(lpErrno, WSAENOTSOCK());
            }
            if (!sock.isStream()) {
                return fail(lpErrno, WSAEOPNOTSUPP());
            }
            if (sock.connected) {
                return fail(lpErrno, WSAEISCONN());
            }
            int r = Libc.listen(sock.fd, Math.max(0, Math.min(backlog, linux_h.SOMAXCONN())));
            if (r < 0) {
                return fail(lpErrno, WsaErrors.fromErrno(-r));
            }
            sock.listening = true;
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WSPListen", t, lpErrno);
            return SOCKET_ERROR();
        } finally {
            BaseSocket.release(sock);
        }
    }

    long accept(long s, MemorySegment addr, MemorySegment addrlen, MemorySegment lpfnCondition, long dwCallbackData,
                MemorySegment lpErrno) {
        BaseSocket sock = null;
        try {
            sock = provider.sockets.acquire(s);
            if (sock == null) {
                fail(lpErrno, WSAENOTSOCK());
                return INVALID_SOCKET();
            }
            if (!sock.listening) {
                fail(lpErrno, WSAEINVAL());
                return INVALID_SOCKET();
            }
            if (lpfnCondition.address() != 0) {
                fail(lpErrno, WSAEOPNOTSUPP()); // conditional accept is not offered by this host
                return INVALID_SOCKET();
            }
            if (addr.address() != 0 && (addrlen.address() == 0
                    || addrlen.reinterpret(4).get(ValueLayout.JAVA_INT_UNALIGNED, 0) < SockAddrs.windowsSize(sock.af))) {
                fail(lpErrno, WSAEFAULT());
                return INVALID_SOCKET();
            }
            CallScratch scratch = CallScratch.current();
            if (sock.nonBlocking && !readable(scratch, sock.fd)) {
                provider.networkEvents.reenable(sock, FD_ACCEPT());
                fail(lpErrno, WSAEWOULDBLOCK());
                return INVALID_SOCKET();
            }
            scratch.addressLength.set(ValueLayout.JAVA_INT, 0, (int) sockaddr_storage.sizeof());
            int fd = Libc.accept4(sock.fd, scratch.address, scratch.addressLength, linux_h.SOCK_CLOEXEC());
            provider.networkEvents.reenable(sock, FD_ACCEPT()); // after the accept, as Windows re-enables FD_ACCEPT
            if (fd < 0) {
                fail(lpErrno, sock.closing() ? WSAEINTR() : WsaErrors.fromErrno(-fd));
                return INVALID_SOCKET();
            }
            if (addr.address() != 0) {
                SockAddrs.toWindows(scratch.address, addr, addrlen);
            }
            long accepted = register(fd, sock.af, sock.type, sock.protocol, sock.overlapped, sock.catalogEntryId, lpErrno);
            BaseSocket a = provider.sockets.find(accepted);
            if (a != null) {
                a.connected = true;
                a.bound = true;
                a.nonBlocking = sock.nonBlocking; // an accepted socket inherits the listener's modes
                provider.networkEvents.inherit(sock, a); // and its WSPAsyncSelect
            }
            return accepted;
        } catch (Throwable t) {
            UpcallFaults.report("WSPAccept", t, lpErrno);
            return INVALID_SOCKET();
        } finally {
            BaseSocket.release(sock);
        }
    }

    private static boolean readable(CallScratch scratch, int fd) {
        pollfd.fd(scratch.poll, fd);
        pollfd.events(scratch.poll, (short) linux_h.POLLIN());
        pollfd.revents(scratch.poll, (short) 0);
        return Libc.poll(scratch.poll, 1, 0) > 0;
    }

    int connect(long s, MemorySegment name, int namelen, MemorySegment lpCallerData, MemorySegment lpCalleeData,
                MemorySegment lpSQOS, MemorySegment lpGQOS, MemorySegment lpErrno) {
        BaseSocket sock = null;
        try {
            sock = provider.sockets.acquire(s);
            if (sock == null) {
                return fail(lpErrno, WSAENOTSOCK());
            }
            if (sock.listening) {
                return fail(lpErrno, WSAEINVAL());
            }
            if (sock.connecting) {
                settleConnect(sock);
            }
            if (sock.connected && sock.isStream()) {
                return fail(lpErrno, WSAEISCONN());
            }
            MemorySegment addr = CallScratch.current().address;
            int len = SockAddrs.toLinux(name, namelen, sock.af, addr);
            if (len < 0) {
                return fail(lpErrno, -len);
            }
            int r;
            if (sock.nonBlocking) {
                int flags = Libc.fcntl(sock.fd, linux_h.F_GETFL(), 0);
                Libc.fcntl(sock.fd, linux_h.F_SETFL(), flags | linux_h.O_NONBLOCK());
                r = Libc.connect(sock.fd, addr, len);
                Libc.fcntl(sock.fd, linux_h.F_SETFL(), flags);
            } else {
                r = Libc.connect(sock.fd, addr, len);
            }
            if (sock.nonBlocking && (r == 0 || r == -linux_h.EINPROGRESS())) {
                provider.networkEvents.reenable(sock, FD_CONNECT()); // FD_CONNECT when it is done, as on Windows
            }
            if (r == -linux_h.EINPROGRESS()) {
                sock.connecting = true;
                sock.bound = true;
            } else if (r == -linux_h.EISCONN()) {
                sock.connected = true;
            }
            if (r < 0) {
                return fail(lpErrno, WsaErrors.fromErrno(-r));
            }
            sock.connected = true;
            sock.bound = true;
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WSPConnect", t, lpErrno);
            return SOCKET_ERROR();
        } finally {
            BaseSocket.release(sock);
        }
    }

    /** A nonblocking connect in progress has finished if the socket has a peer now. */
    static void settleConnect(BaseSocket sock) {
        CallScratch scratch = CallScratch.current();
        scratch.addressLength.set(ValueLayout.JAVA_INT, 0, (int) sockaddr_storage.sizeof());
        if (Libc.getpeername(sock.fd, scratch.address, scratch.addressLength) == 0) {
            sock.connected = true;
            sock.connecting = false;
        }
    }

    int shutdown(long s, int how, MemorySegment lpErrno) {
        BaseSocket sock = null;
        try {
            sock = provider.sockets.acquire(s);
            if (sock == null) {
                return fail(lpErrno, WSAENOTSOCK());
            }
            if (how != SD_RECEIVE() && how != SD_SEND() && how != SD_BOTH()) {
                return fail(lpErrno, WSAEINVAL());
            }
            // SD_RECEIVE/SD_SEND/SD_BOTH are 0/1/2 like SHUT_RD/SHUT_WR/SHUT_RDWR
            int r = Libc.shutdown(sock.fd, how);
            if (r < 0) {
                return fail(lpErrno, WsaErrors.fromErrno(-r));
            }
            sock.sendShut |= how != SD_RECEIVE();
            sock.receiveShut |= how != SD_SEND();
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WSPShutdown", t, lpErrno);
            return SOCKET_ERROR();
        } finally {
            BaseSocket.release(sock);
        }
    }

    /**
     * {@code WSPCloseSocket}. Marks the socket closing (new calls on it answer {@code WSAENOTSOCK};
     * a second or concurrent close too), ends its pending overlapped operations with
     * {@code WSA_OPERATION_ABORTED} and the count they moved (queued sends now, unsent; in-flight
     * ones woken by the shutdown, or else cancelled), shuts the fd down so that calls blocked in
     * it return ({@code WSAEINTR}), closes the
     * handle through the upcall table and drops the handle's reference. The fd itself is closed
     * by whichever thread drops the last reference ({@link BaseSocket#release}): this one, or the
     * last call still inside. Ordering: the cancel and the shutdown run while this call's own
     * reference keeps the fd open, so neither can hit a reused fd number.
     */
    int close(long s, MemorySegment lpErrno) {
        BaseSocket sock = null;
        try {
            sock = provider.sockets.acquire(s);
            if (sock == null) {
                return fail(lpErrno, WSAENOTSOCK());
            }
            if (!sock.markClosing()) {
                return fail(lpErrno, WSAENOTSOCK());
            }
            try {
                provider.networkEvents.forget(sock); // no message for it from now on
                provider.io().abort(sock, false); // queued sends end unsent
                // wakes threads blocked in recv/send/accept on it, and the ring's sends and receives,
                // which then end with what they moved (a cancel would lose a send's partial count)
                if (SocketOptions.abortiveClose(sock)) {
                    // SO_LINGER {1, 0}: Windows resets the connection. Dissolving the association
                    // (connect to AF_UNSPEC) sends the RST now and wakes every call as shutdown does.
                    SocketOptions.disconnect(sock);
                } else {
                    Libc.shutdown(sock.fd, linux_h.SHUT_RDWR());
                }
                provider.io().abort(sock, true); // what the shutdown did not end
                sock.signalCompletion(); // and WSPGetOverlappedResult waiters, to look again
                LPWPUCLOSESOCKETHANDLE.invoke(WSPUPCALLTABLE.lpWPUCloseSocketHandle(provider.upcalls()), s, lpErrno);
                provider.sockets.release(sock.slot);
            } finally {
                sock.release(); // the handle's reference
            }
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WSPCloseSocket", t, lpErrno);
            return SOCKET_ERROR();
        } finally {
            BaseSocket.release(sock);
        }
    }

    int sockName(long s, MemorySegment name, MemorySegment namelen, MemorySegment lpErrno, boolean peer) {
        BaseSocket sock = null;
        try {
            sock = provider.sockets.acquire(s);
            if (sock == null) {
                return fail(lpErrno, WSAENOTSOCK());
            }
            if (name.address() == 0 || namelen.address() == 0) {
                return fail(lpErrno, WSAEFAULT());
            }
            CallScratch scratch = CallScratch.current();
            scratch.addressLength.set(ValueLayout.JAVA_INT, 0, (int) sockaddr_storage.sizeof());
            int r = peer ? Libc.getpeername(sock.fd, scratch.address, scratch.addressLength)
                    : Libc.getsockname(sock.fd, scratch.address, scratch.addressLength);
            if (r < 0) {
                return fail(lpErrno, WsaErrors.fromErrno(-r));
            }
            int w = SockAddrs.toWindows(scratch.address, name, namelen);
            return w < 0 ? fail(lpErrno, -w) : 0;
        } catch (Throwable t) {
            UpcallFaults.report(peer ? "WSPGetPeerName" : "WSPGetSockName", t, lpErrno);
            return SOCKET_ERROR();
        } finally {
            BaseSocket.release(sock);
        }
    }
}
