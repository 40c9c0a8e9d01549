package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.UUID;

import org.jwsp.bindings.CallerMemory;
import org.jwsp.bindings.WinsockExtensions;
import org.jwsp.host.kernel.Libc;
import org.jwsp.host.upcall.UpcallFaults;
import org.jwsp.host.upcall.WsaErrors;

/**
 * The base provider's extension functions, handed out by {@code SIO_GET_EXTENSION_FUNCTION_POINTER}
 * (mswsock's place). Offered: {@code ConnectEx}, {@code AcceptEx}, {@code GetAcceptExSockaddrs},
 * {@code DisconnectEx}, {@code WSASendMsg}, {@code WSARecvMsg}, {@code TransmitFile}, {@code TransmitPackets}. Any other GUID is {@code WSAEINVAL}.
 *
 * <p>{@code AcceptEx} here: an overlapped, listening stream socket, an unbound socket of this
 * provider to accept into, address slots of at least the address size + 16 bytes, and no
 * receive data ({@code dwReceiveDataLength} 0; otherwise {@code WSAEOPNOTSUPP}). It returns
 * {@code FALSE}/{@code WSA_IO_PENDING}; a thread of its own (holding a reference on both sockets)
 * waits in {@code accept4}, moves the new connection onto the accept socket's fd ({@code dup3}),
 * writes both addresses into the output buffer and indicates the completion on the listening
 * socket, as Windows does (closing the listener ends it with {@code WSA_OPERATION_ABORTED}). Each
 * address slot is {@code int length} then the {@code sockaddr}; {@code GetAcceptExSockaddrs}
 * reads them back.
 *
 * <p>{@code ConnectEx} here: the socket must be bound (Windows' rule) and overlapped, with an
 * {@code OVERLAPPED}; it connects with a blocking {@code connect(2)} on the caller's thread (the
 * host only connects over loopback, where that returns at once), then completes the operation
 * like an overlapped ioctl that finished immediately: {@code TRUE}, and the completion still
 * indicated (status, event, port) by {@link OverlappedIo#completeNow}. An initial send buffer is
 * sent whole right after the connect (a blocking send), and its count is the operation's. Failures are {@code FALSE} plus {@code WSASetLastError}
 * (ws2_32's export, found through the kernel door). The stub lives for the process.
 *
 * <p>{@code DisconnectEx} here: a connected stream socket, {@code dwReserved} 0 (else
 * {@code WSAEINVAL}); {@code shutdown(SHUT_RDWR)} (the FIN after what was sent), and with
 * {@code TF_REUSE_SOCKET} a fresh unbound socket of the same family moved onto the fd
 * ({@code dup3}), so the handle can bind/connect or be accepted into again, as Windows allows. It
 * completes at once: {@code TRUE}, the completion indicated when an {@code OVERLAPPED} is given.

 *
 * <p>{@code WSASendMsg}/{@code WSARecvMsg}: {@link BaseMessages}; {@code TransmitFile}: {@link BaseTransmit};
 * {@code TransmitPackets}: {@link BasePackets}.
 */
final class BaseExtensions {

    private static final int FALSE = 0;
    private static final int TRUE = 1;
    private static final FunctionDescriptor CONNECT_EX = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS);

    private static final FunctionDescriptor ACCEPT_EX = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS);
    /** {@code BOOL DisconnectEx(SOCKET, LPOVERLAPPED, DWORD dwFlags, DWORD dwReserved)}. */
    private static final FunctionDescriptor DISCONNECT_EX = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
    private static final FunctionDescriptor GET_ACCEPT_EX_SOCKADDRS = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS);

    private final BaseProvider provider;
    private final MemorySegment connectEx;
    private final MemorySegment acceptEx;
    private final MemorySegment getAcceptExSockaddrs;
    private final MemorySegment disconnectEx;
    final BaseMessages messages;
    final BaseTransmit transmit;
    final BasePackets packets;
    private volatile MethodHandle setLastError;

    BaseExtensions(BaseProvider provider) {
        this.provider = provider;
        this.messages = new BaseMessages(provider, this);
        this.transmit = new BaseTransmit(provider, this);
        this.packets = new BasePackets(provider, this);
        try {
            MethodHandle h = MethodHandles.lookup().findVirtual(BaseExtensions.class, "connectEx", CONNECT_EX.toMethodType()).bindTo(this);
            this.connectEx = Linker.nativeLinker().upcallStub(h, CONNECT_EX, Arena.global());
            this.acceptEx = Linker.nativeLinker().upcallStub(MethodHandles.lookup().findVirtual(BaseExtensions.class, "acceptEx",
                    ACCEPT_EX.toMethodType()).bindTo(this), ACCEPT_EX, Arena.global());
            this.getAcceptExSockaddrs = Linker.nativeLinker().upcallStub(MethodHandles.lookup().findStatic(BaseExtensions.class,
                    "getAcceptExSockaddrs", GET_ACCEPT_EX_SOCKADDRS.toMethodType()), GET_ACCEPT_EX_SOCKADDRS, Arena.global());
            this.disconnectEx = Linker.nativeLinker().upcallStub(MethodHandles.lookup().findVirtual(BaseExtensions.class,
                    "disconnectEx", DISCONNECT_EX.toMethodType()).bindTo(this), DISCONNECT_EX, Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The function for the GUID at {@code in}, written to {@code out}; the byte count, or -(WSA error). */
    int pointer(MemorySegment in, int inLength, MemorySegment out, int outLength) {
        if (inLength < 16 || outLength < Long.BYTES || !org.jwsp.bindings.CallerMemory.inUserSpace(in.address(), 16)
                || !org.jwsp.bindings.CallerMemory.inUserSpace(out.address(), Long.BYTES)) {
            return -WSAEFAULT();
        }
        MemorySegment g = in.reinterpret(16);
        long high = (g.get(ValueLayout.JAVA_INT_UNALIGNED, 0) & 0xFFFF_FFFFL) << 32
                | (g.get(ValueLayout.JAVA_SHORT_UNALIGNED, 4) & 0xFFFFL) << 16 | (g.get(ValueLayout.JAVA_SHORT_UNALIGNED, 6) & 0xFFFFL);
        long low = 0;
        for (int i = 0; i < 8; i++) {
            low = low << 8 | (g.get(ValueLayout.JAVA_BYTE, 8 + i) & 0xFF);
        }
        UUID id = new UUID(high, low);
        MemorySegment fn = WinsockExtensions.WSAID_CONNECTEX.equals(id) ? connectEx
                : WinsockExtensions.WSAID_ACCEPTEX.equals(id) ? acceptEx
                : WinsockExtensions.WSAID_GETACCEPTEXSOCKADDRS.equals(id) ? getAcceptExSockaddrs
                : WinsockExtensions.WSAID_DISCONNECTEX.equals(id) ? disconnectEx
                : WinsockExtensions.WSAID_WSASENDMSG.equals(id) ? messages.sendMsg
                : WinsockExtensions.WSAID_WSARECVMSG.equals(id) ? messages.recvMsg
                : WinsockExtensions.WSAID_TRANSMITFILE.equals(id) ? transmit.transmitFile
                : WinsockExtensions.WSAID_TRANSMITPACKETS.equals(id) ? packets.transmitPackets : null;
        if (fn == null) {
            return -WSAEINVAL();
        }
        out.reinterpret(Long.BYTES).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, fn.address());
        return Long.BYTES;
    }

    private int connectEx(long s, MemorySegment name, int nameLen, MemorySegment sendBuffer, int sendLength, MemorySegment bytesSent,
                          MemorySegment ov) {
        BaseSocket sock = null;
        try {
            sock = provider.sockets.acquire(s);
            if (sock == null) {
                return fail(WSAENOTSOCK());
            }
            if (ov.address() == 0 || !sock.overlapped || !sock.isStream() || !sock.bound) {
                return fail(WSAEINVAL());
            }
            if (!overlappedPointer(ov) || nameLen <= 0 || !CallerMemory.inUserSpace(name.address(), nameLen)
                    || bytesSent.address() != 0 && !CallerMemory.inUserSpace(bytesSent.address(), 4, 4)) {
                return fail(WSAEFAULT()); // decided before any of them is touched
            }
            if (sock.connected || sock.listening) {
                return fail(sock.connected ? WSAEISCONN() : WSAEINVAL());
            }
            if (sendLength != 0 && !CallerMemory.inUserSpace(sendBuffer.address(), sendLength & 0xFFFF_FFFFL)) {
                return fail(WSAEFAULT());
            }
            MemorySegment addr = CallScratch.current().address;
            int len = SockAddrs.toLinux(name, nameLen, sock.af, addr);
            if (len < 0) {
                return fail(-len);
            }
            int r = Libc.connect(sock.fd, addr, len);
            if (r < 0) {
                return fail(WsaErrors.fromErrno(-r));
            }
            sock.connected = true;
            int sent = 0;
            if (sendLength != 0) {
                // The data with the connect: the socket's first send, whole (a blocking send on the caller's thread).
                try (Arena call = Arena.ofConfined()) {
                    MemorySegment wsabuf = call.allocate(16, 8);
                    wsabuf.set(ValueLayout.JAVA_INT, 0, sendLength);
                    wsabuf.set(ValueLayout.JAVA_LONG, 8, sendBuffer.address());
                    MemorySegment out = call.allocate(8, 4);
                    if (provider.transferCalls.send(s, wsabuf.address(), 1, out.address(), 0, 0, 0, 0, out.address() + 4) != 0) {
                        return fail(out.get(ValueLayout.JAVA_INT, 4));
                    }
                    sent = out.get(ValueLayout.JAVA_INT, 0);
                }
            }
            if (bytesSent.address() != 0) {
                bytesSent.reinterpret(4).set(ValueLayout.JAVA_INT_UNALIGNED, 0, sent);
            }
            provider.io().completeNow(sock, ov.address(), 0, 0, 0, sent);
            return TRUE;
        } catch (Throwable t) {
            UpcallFaults.report("ConnectEx", t, MemorySegment.NULL);
            return fail(WSAENETDOWN());
        } finally {
            BaseSocket.release(sock);
        }
    }

    private int disconnectEx(long s, MemorySegment ov, int flags, int reserved) {
        BaseSocket sock = null;
        try {
            sock = provider.sockets.acquire(s);
            if (sock == null) {
                return fail(WSAENOTSOCK());
            }
            if (reserved != 0 || ov.address() != 0 && !sock.overlapped || (flags & ~TF_REUSE_SOCKET()) != 0) {
                return fail(WSAEINVAL());
            }
            if (ov.address() != 0 && !overlappedPointer(ov)) {
                return fail(WSAEFAULT());
            }
            if (!sock.isStream() || !sock.connected) {
                return fail(WSAENOTCONN());
            }
            int error = disconnect(sock, flags | TF_DISCONNECT());
            if (error != 0) {
                return fail(error);
            }
            if (ov.address() != 0) {
                provider.io().completeNow(sock, ov.address(), 0, 0, 0, 0);
            }
            return TRUE;
        } catch (Throwable t) {
            UpcallFaults.report("DisconnectEx", t, MemorySegment.NULL);
            return fail(WSAENETDOWN());
        } finally {
            BaseSocket.release(sock);
        }
    }

    /**
     * What {@code DisconnectEx} and {@code TransmitFile(TF_DISCONNECT)} do to the socket:
     * {@code shutdown(SHUT_RDWR)} (the FIN after what was sent), and with {@code TF_REUSE_SOCKET}
     * a fresh unbound socket of the same family moved onto the fd ({@code dup3}), so the handle can
     * bind/connect or be accepted into again. Holds its own reference (the reaping thread calls it
     * too): a socket already closing is left to its close. 0 or the WSA code.
     */
    static int disconnect(BaseSocket sock, int flags) {
        if (!sock.acquire()) {
            return WSA_OPERATION_ABORTED();
        }
        try {
            int r = Libc.shutdown(sock.fd, org.jwsp.bindings.linux.linux_h.SHUT_RDWR());
            if (r < 0) {
                return WsaErrors.fromErrno(-r);
            }
            sock.sendShut = true;
            sock.receiveShut = true;
            if ((flags & TF_REUSE_SOCKET()) != 0) {
                int fresh = Libc.socket(SockAddrs.linuxFamily(sock.af), org.jwsp.bindings.linux.linux_h.SOCK_STREAM()
                        | org.jwsp.bindings.linux.linux_h.SOCK_CLOEXEC(), 0);
                if (fresh < 0) {
                    return WsaErrors.fromErrno(-fresh);
                }
                if (sock.af == AF_INET6()) {
                    SocketCalls.setIntOption(fresh, org.jwsp.bindings.linux.linux_h.IPPROTO_IPV6(),
                            org.jwsp.bindings.linux.linux_h.IPV6_V6ONLY(), 1); // Windows' default, as WSPSocket sets it
                }
                r = Libc.dup3(fresh, sock.fd, org.jwsp.bindings.linux.linux_h.O_CLOEXEC());
                Libc.close(fresh);
                if (r < 0) {
                    return WsaErrors.fromErrno(-r);
                }
                sock.connected = false;
                sock.bound = false;
                sock.sendShut = false;
                sock.receiveShut = false;
            }
            return 0;
        } finally {
            sock.release();
        }
    }

    private int acceptEx(long listen, long accept, MemorySegment buffer, int receiveLength, int localLength, int remoteLength,
                         MemorySegment bytesReceived, MemorySegment ov) {
        BaseSocket l = null;
        BaseSocket a = null;
        try {
            l = provider.sockets.acquire(listen);
            a = provider.sockets.acquire(accept);
            if (l == null || a == null) {
                return fail(WSAENOTSOCK());
            }
            long slot = SockAddrs.windowsSize(l.af) + 16;
            long extent = (receiveLength & 0xFFFF_FFFFL) + (localLength & 0xFFFF_FFFFL) + (remoteLength & 0xFFFF_FFFFL);
            if (ov.address() != 0 && !overlappedPointer(ov) || buffer.address() != 0 && !CallerMemory.inUserSpace(buffer.address(), extent)
                    || bytesReceived.address() != 0 && !CallerMemory.inUserSpace(bytesReceived.address(), 4, 4)) {
                return fail(WSAEFAULT()); // decided before any of them is touched
            }
            if (ov.address() == 0 || buffer.address() == 0 || !l.overlapped || !l.listening
                    || a.bound || a.connected || a.af != l.af || a.type != l.type || localLength < slot || remoteLength < slot) {
                return fail(WSAEINVAL());
            }
            if (receiveLength != 0) {
                return fail(WSAEOPNOTSUPP());
            }
            BaseSocket listener = l;
            BaseSocket into = a;
            l = null; // the thread owns both references now
            a = null;
            long ovAddress = ov.address();
            MemorySegment local = buffer.reinterpret((long) localLength + remoteLength);
            Thread.ofPlatform().daemon().name("jwsp-host-acceptex").start(() -> finishAccept(listener, into, local, localLength, ovAddress));
            return fail(WSA_IO_PENDING());
        } catch (Throwable t) {
            UpcallFaults.report("AcceptEx", t, MemorySegment.NULL);
            return fail(WSAENETDOWN());
        } finally {
            BaseSocket.release(l);
            BaseSocket.release(a);
        }
    }

    /** On the AcceptEx thread: accept, move the connection onto the accept socket, write the addresses, complete on the listener. */
    private void finishAccept(BaseSocket listener, BaseSocket into, MemorySegment slots, int localLength, long ov) {
        int error = 0;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment address = call.allocate(128, 8);
            MemorySegment length = call.allocate(ValueLayout.JAVA_INT);
            length.set(ValueLayout.JAVA_INT, 0, 128);
            int fd = Libc.accept4(listener.fd, address, length, org.jwsp.bindings.linux.linux_h.SOCK_CLOEXEC());
            if (fd < 0) {
                error = listener.closing() ? WSA_OPERATION_ABORTED() : WsaErrors.fromErrno(-fd);
            } else {
                int r = Libc.dup3(fd, into.fd, org.jwsp.bindings.linux.linux_h.O_CLOEXEC());
                Libc.close(fd);
                if (r < 0) {
                    error = WsaErrors.fromErrno(-r);
                } else {
                    into.bound = true;
                    into.connected = true;
                    writeSlot(slots, 0, address, length.get(ValueLayout.JAVA_INT, 0), call, true, into.fd);
                    writeSlot(slots, localLength, address, length.get(ValueLayout.JAVA_INT, 0), call, false, into.fd);
                }
            }
        } catch (Throwable t) {
            UpcallFaults.report("AcceptEx", t, MemorySegment.NULL);
            error = WSAENETDOWN();
        } finally {
            try {
                provider.io().completePended(listener, ov, error, 0);
            } finally {
                listener.release();
                into.release();
            }
        }
    }

    /** One address slot: {@code int length}, then the Windows sockaddr (local from getsockname, remote as accepted). */
    private static void writeSlot(MemorySegment slots, long at, MemorySegment remote, int remoteLength, Arena call, boolean local, int fd) {
        MemorySegment linux = remote;
        if (local) {
            linux = call.allocate(128, 8);
            MemorySegment len = call.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, 128);
            Libc.getsockname(fd, linux, len);
        }
        MemorySegment length = call.allocate(ValueLayout.JAVA_INT);
        length.set(ValueLayout.JAVA_INT, 0, 28);
        MemorySegment out = slots.asSlice(at + 4);
        SockAddrs.toWindows(linux, out, length);
        slots.set(ValueLayout.JAVA_INT_UNALIGNED, at, length.get(ValueLayout.JAVA_INT, 0));
    }

    /** {@code GetAcceptExSockaddrs}: pointers to the two slots {@link #acceptEx} wrote after the receive data. */
    private static void getAcceptExSockaddrs(MemorySegment buffer, int receiveLength, int localLength, int remoteLength,
                                             MemorySegment localOut, MemorySegment localLengthOut, MemorySegment remoteOut,
                                             MemorySegment remoteLengthOut) {
        try {
            MemorySegment b = buffer.reinterpret((long) receiveLength + localLength + remoteLength);
            long local = (long) receiveLength;
            long remote = local + localLength;
            localOut.reinterpret(8).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, b.address() + local + 4);
            localLengthOut.reinterpret(4).set(ValueLayout.JAVA_INT_UNALIGNED, 0, b.get(ValueLayout.JAVA_INT_UNALIGNED, local));
            remoteOut.reinterpret(8).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, b.address() + remote + 4);
            remoteLengthOut.reinterpret(4).set(ValueLayout.JAVA_INT_UNALIGNED, 0, b.get(ValueLayout.JAVA_INT_UNALIGNED, remote));
        } catch (Throwable t) {
            UpcallFaults.report("GetAcceptExSockaddrs", t, MemorySegment.NULL);
        }
    }

    /** An OVERLAPPED the base may write: 8-aligned, in user space, past the first 64 KiB. */
    static boolean overlappedPointer(MemorySegment ov) {
        return CallerMemory.inUserSpace(ov.address(), org.jwsp.bindings.windows.OVERLAPPED.sizeof(), 8);
    }

    int fail(int code) {
        try {
            MethodHandle h = setLastError;
            if (h == null) {
                h = Linker.nativeLinker().downcallHandle(provider.kernel.procAddress("ws2_32.dll", "WSASetLastError"),
                        FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
                setLastError = h;
            }
            h.invokeExact(code);
        } catch (Throwable t) {
            UpcallFaults.report("WSASetLastError", t, MemorySegment.NULL);
        }
        return FALSE;
    }
}
