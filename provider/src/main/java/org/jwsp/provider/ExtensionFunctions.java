package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.UUID;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.CallerMemory;
import org.jwsp.bindings.WinsockExtensions;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.kernel.KernelPort;
import org.jwsp.provider.filter.SendFilter;

/**
 * {@code SIO_GET_EXTENSION_FUNCTION_POINTER} on a jwsp socket (and SO_UPDATE_ACCEPT_CONTEXT, whose value is a handle): for the extension functions jwsp
 * implements, the program gets jwsp's own function, which takes jwsp's handle, finds the lower
 * provider's function (asked once per lower provider, with the same ioctl on the lower socket)
 * and calls it with the lower socket and an OVERLAPPED jwsp owns, so the completion comes back
 * through jwsp's port like a proxied {@code WSPRecv} ({@link OverlappedProxy#proxied}). A GUID jwsp
 * does not implement passes through to the lower provider untouched.
 *
 * <p>Implemented: {@code ConnectEx} (Go dials with it; libuv and .NET connect with it) and
 * {@code AcceptEx} (libuv and .NET accept with it: both handles translated, the completion
 * indicated on the listening socket, as Windows does). {@code GetAcceptExSockaddrs} takes no
 * handle and parses the buffer the lower AcceptEx wrote, so the lower provider's own is the right
 * one: it passes through. {@code DisconnectEx}: the send order of {@code WSPShutdown} first.
 * {@code WSASendMsg} and {@code WSARecvMsg}: {@link MessageFunctions}. ConnectEx's optional send buffer is the
 * socket's first send: it passes jwsp's filter and goes down with the connect. TransmitFile: {@link TransmitFunctions};
 * TransmitPackets: {@link PacketFunctions}.
 *
 * <p>Extension functions are called by the program directly, not through ws2_32: they report
 * failure as {@code FALSE} plus {@code WSASetLastError} (ws2_32's export, found through the kernel
 * door), and read a lower function's error with {@code WSAGetLastError}. The stubs live in the
 * runtime's arena (freed by the last WSPCleanup, after which the program may not call them).
 * Client threads; never throws into native code.
 */
final class ExtensionFunctions {

    private static final Logger LOG = LogManager.getLogger(ExtensionFunctions.class);
    static final int NOT_MINE = LayeredIdentity.NOT_MINE;
    private static final int GUID_SIZE = 16;
    private static final long OVERLAPPED_SIZE = org.jwsp.bindings.windows.OVERLAPPED.sizeof();
    /** A BOOL extension function's answers. */
    static final int FALSE = 0;
    static final int TRUE = 1;
    /** {@code BOOL ConnectEx(SOCKET, const sockaddr*, int, PVOID, DWORD, LPDWORD, LPOVERLAPPED)}. */
    static final FunctionDescriptor CONNECT_EX = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS);
    private static final MethodHandle CONNECT_EX_CALL = Linker.nativeLinker().downcallHandle(CONNECT_EX);
    /** {@code BOOL AcceptEx(SOCKET, SOCKET, PVOID, DWORD, DWORD, DWORD, LPDWORD, LPOVERLAPPED)}. */
    static final FunctionDescriptor ACCEPT_EX = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS);
    private static final MethodHandle ACCEPT_EX_CALL = Linker.nativeLinker().downcallHandle(ACCEPT_EX);
    /** {@code BOOL DisconnectEx(SOCKET, LPOVERLAPPED, DWORD dwFlags, DWORD dwReserved)}. */
    static final FunctionDescriptor DISCONNECT_EX = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
    private static final MethodHandle DISCONNECT_EX_CALL = Linker.nativeLinker().downcallHandle(DISCONNECT_EX);

    private final SocketTable sockets;
    private final OverlappedProxy proxy;
    private final KernelPort kernel;
    private final MemorySegment connectExStub;
    private final MemorySegment acceptExStub;
    private final MemorySegment disconnectExStub;
    private final MessageFunctions messages;
    private final TransmitFunctions transmit;
    private final PacketFunctions packets;
    private final SendPath sendPath;
    private final LowerExtensions lower;

    ExtensionFunctions(SocketTable sockets, OverlappedProxy proxy, SendPath sendPath, LargeCaptures blocks, KernelPort kernel, Arena arena) {
        this.sockets = sockets;
        this.proxy = proxy;
        this.kernel = kernel;
        this.lower = new LowerExtensions(kernel);
        this.sendPath = sendPath;
        this.messages = new MessageFunctions(this, sockets, sendPath, proxy, arena);
        this.transmit = new TransmitFunctions(this, sockets, sendPath, arena);
        this.packets = new PacketFunctions(this, sockets, sendPath, blocks, arena);
        try {
            MethodHandle connectEx = MethodHandles.lookup().findVirtual(ExtensionFunctions.class, "connectEx",
                    CONNECT_EX.toMethodType()).bindTo(this);
            this.connectExStub = Linker.nativeLinker().upcallStub(connectEx, CONNECT_EX, arena);
            this.acceptExStub = Linker.nativeLinker().upcallStub(MethodHandles.lookup().findVirtual(ExtensionFunctions.class,
                    "acceptEx", ACCEPT_EX.toMethodType()).bindTo(this), ACCEPT_EX, arena);
            this.disconnectExStub = Linker.nativeLinker().upcallStub(MethodHandles.lookup().findVirtual(ExtensionFunctions.class,
                    "disconnectEx", DISCONNECT_EX.toMethodType()).bindTo(this), DISCONNECT_EX, arena);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code SIO_GET_EXTENSION_FUNCTION_POINTER}: jwsp's function for a GUID it implements;
     * {@link #NOT_MINE} otherwise (the caller passes the ioctl down). The GUID must be there
     * (at least 16 bytes in) and the pointer must fit (at least 8 bytes out): {@code WSAEFAULT}.
     */
    int pointer(SocketContext c, MemorySegment in, int cbIn, MemorySegment out, int cbOut, MemorySegment lpReturned,
                MemorySegment ov, MemorySegment routine, MemorySegment tid, MemorySegment lpErrno, ThreadScratch sc) {
        if (cbIn < GUID_SIZE || !CallerPointers.plausible(in.address(), GUID_SIZE, 1)) {
            return Errno.fail(lpErrno, WsaCondition.BUFFERS_NOT_IN_USER_SPACE);
        }
        UUID guid = guid(in.reinterpret(GUID_SIZE));
        MemorySegment function = WinsockExtensions.WSAID_CONNECTEX.equals(guid) ? connectExStub
                : WinsockExtensions.WSAID_ACCEPTEX.equals(guid) ? acceptExStub
                : WinsockExtensions.WSAID_DISCONNECTEX.equals(guid) ? disconnectExStub
                : WinsockExtensions.WSAID_WSASENDMSG.equals(guid) ? messages.sendMsgStub
                : WinsockExtensions.WSAID_WSARECVMSG.equals(guid) ? messages.recvMsgStub
                : WinsockExtensions.WSAID_TRANSMITFILE.equals(guid) ? transmit.transmitFileStub
                : WinsockExtensions.WSAID_TRANSMITPACKETS.equals(guid) ? packets.transmitPacketsStub : null;
        if (function == null) {
            return NOT_MINE;
        }
        if (cbOut < Long.BYTES || !CallerPointers.plausible(out.address(), Long.BYTES, 1)
                || !optional(lpReturned.address(), Integer.BYTES, Integer.BYTES) || !optional(ov.address(), OVERLAPPED_SIZE, 8)) {
            return Errno.fail(lpErrno, WsaCondition.BUFFERS_NOT_IN_USER_SPACE);
        }
        out.reinterpret(Long.BYTES).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, function.address());
        return proxy.completeNow(c, Long.BYTES, lpReturned, ov, routine, tid, lpErrno, sc);
    }

    /** {@code SIO_EXT_SENDMSG}: {@link MessageFunctions#extSendMsg}. */
    int extSendMsg(long s, SocketContext c, long resolved, MemorySegment in, int cbIn, MemorySegment lpErrno, ThreadScratch sc)
            throws Throwable {
        return messages.extSendMsg(s, c, resolved, in, cbIn, lpErrno, sc);
    }

    /** A GUID as Windows lays it out ({@link LowerExtensions#guid}). */
    static UUID guid(MemorySegment g) {
        return LowerExtensions.guid(g);
    }

    /** Writes {@code id} as a Windows GUID into {@code g} (16 bytes). */
    static void writeGuid(UUID id, MemorySegment g) {
        LowerExtensions.writeGuid(id, g);
    }

    /**
     * jwsp's ConnectEx: the lower ConnectEx on the lower socket with jwsp's OVERLAPPED; TRUE if it
     * completed at once (its completion is still indicated, as Winsock's is), else FALSE with
     * {@code ERROR_IO_PENDING} or the error. A handle that is not jwsp's is {@code WSAENOTSOCK}; no
     * OVERLAPPED, or a socket opened without {@code WSA_FLAG_OVERLAPPED}, {@code WSAEINVAL}.
     */
    private int connectEx(long s, MemorySegment name, int nameLen, MemorySegment sendBuffer, int sendLength, MemorySegment bytesSent,
                          MemorySegment ov) {
        try {
            ThreadScratch sc = ThreadScratch.get();
            SocketContext c = sockets.socketOf(s, sc);
            if (c == null) {
                return fail(ws2spi_h.WSAENOTSOCK());
            }
            long resolved = sc.resolved;
            if (ov.address() == 0 || !c.overlapped) {
                return fail(ws2spi_h.WSAEINVAL());
            }
            if (!CallerPointers.plausible(ov.address(), OVERLAPPED_SIZE, 8) || !optional(bytesSent.address(), Integer.BYTES, Integer.BYTES)
                    || nameLen <= 0 || !CallerPointers.plausible(name.address(), nameLen, 1)
                    || sendLength != 0 && !CallerMemory.inUserSpace(sendBuffer.address(), sendLength & 0xFFFF_FFFFL)) {
                return fail(ws2spi_h.WSAEFAULT()); // decided before any of them is touched (the name is copied for filters)
            }
            MemorySegment lower = lowerFunction(c, LowerExtensions.CONNECT_EX, sc);
            if (lower == null) {
                return fail(sc.errno());
            }
            LowerExtensions.LastError errors = lastError();
            // The data sent with the connect is the socket's first send: it passes the filter (which
            // cannot hold it: DELAY counts as PASS) and goes down with the connect, ahead of any other.
            SendFilter f = sendLength != 0 ? sendPath.filter() : SendFilter.PASS_THROUGH;
            long accepted = 0;
            long wsabuf = sc.transmit.address();
            if (f != SendFilter.PASS_THROUGH) {
                CallerMemory.putInt(wsabuf, sendLength);
                CallerMemory.putLong(wsabuf + 8, sendBuffer.address());
                accepted = System.nanoTime();
                int verdict = SendPath.filter(f, sc.facts.aim(c, true, wsabuf, 1, sendLength & 0xFFFF_FFFFL, 0, 0, accepted,
                        Thread.currentThread().threadId()));
                sc.facts.clear();
                if (verdict > 0) {
                    return fail(verdict); // refused: nothing connected, nothing sent
                }
            }
            int rc = proxy.proxied(c, resolved, ov, bytesSent, sc.errno, sc, f != SendFilter.PASS_THROUGH ? f : null, wsabuf, accepted,
                    (overlapped, bytes, lpErrno) -> {
                int ok = (int) CONNECT_EX_CALL.invokeExact(lower, c.lowerHandle, name, nameLen, sendBuffer, sendLength, bytes, overlapped);
                if (ok != FALSE) {
                    return 0;
                }
                Errno.set(lpErrno, errors.get());
                return Errno.SOCKET_ERROR;
            });
            int error = rc == 0 ? 0 : sc.errno();
            if (rc == 0 || error == ws2spi_h.WSA_IO_PENDING()) {
                c.connected(name, nameLen);
            }
            return rc == 0 ? TRUE : fail(error);
        } catch (Throwable t) {
            LOG.error("ConnectEx failed inside jwsp", t);
            return fail(WsaCondition.PROVIDER_FAULT.code());
        }
    }

    /**
     * jwsp's AcceptEx: both handles must be jwsp's ({@code WSAENOTSOCK} otherwise: an accept socket
     * of another provider cannot be accepted into through jwsp) and of the same lower provider
     * ({@code WSAEINVAL}); the lower AcceptEx gets both lower sockets and an OVERLAPPED of jwsp's,
     * and the program's OVERLAPPED completes on the listening socket, as Windows reports it.
     */
    private int acceptEx(long listen, long accept, MemorySegment buffer, int receiveLength, int localLength, int remoteLength,
                         MemorySegment bytesReceived, MemorySegment ov) {
        try {
            ThreadScratch sc = ThreadScratch.get();
            SocketContext l = sockets.socketOf(listen, sc);
            long resolved = sc.resolved;
            SocketContext a = l == null ? null : sockets.socketOf(accept, sc);
            if (l == null || a == null) {
                return fail(ws2spi_h.WSAENOTSOCK());
            }
            if (ov.address() == 0 || !l.overlapped || a.lower != l.lower) {
                return fail(ws2spi_h.WSAEINVAL());
            }
            long slots = (receiveLength & 0xFFFF_FFFFL) + (localLength & 0xFFFF_FFFFL) + (remoteLength & 0xFFFF_FFFFL);
            if (!CallerPointers.plausible(ov.address(), OVERLAPPED_SIZE, 8) || !optional(bytesReceived.address(), Integer.BYTES, Integer.BYTES)
                    || !CallerMemory.inUserSpace(buffer.address(), slots)) {
                return fail(ws2spi_h.WSAEFAULT());
            }
            MemorySegment lower = lowerFunction(l, LowerExtensions.ACCEPT_EX, sc);
            if (lower == null) {
                return fail(sc.errno());
            }
            LowerExtensions.LastError errors = lastError();
            long lowerAccept = a.lowerHandle;
            int rc = proxy.proxied(l, resolved, ov, bytesReceived, sc.errno, sc, (overlapped, bytes, lpErrno) -> {
                int ok = (int) ACCEPT_EX_CALL.invokeExact(lower, l.lowerHandle, lowerAccept, buffer, receiveLength, localLength,
                        remoteLength, bytes, overlapped);
                if (ok != FALSE) {
                    return 0;
                }
                Errno.set(lpErrno, errors.get());
                return Errno.SOCKET_ERROR;
            });
            int error = rc == 0 ? 0 : sc.errno();
            if (rc == 0 || error == ws2spi_h.WSA_IO_PENDING()) {
                a.connected = true; // jwsp's send path may use it once the program saw the completion
            }
            return rc == 0 ? TRUE : fail(error);
        } catch (Throwable t) {
            LOG.error("AcceptEx failed inside jwsp", t);
            return fail(WsaCondition.PROVIDER_FAULT.code());
        }
    }

    /**
     * jwsp's DisconnectEx: like {@code WSPShutdown(SD_BOTH)} for the send order (the sends jwsp
     * accepted before it go out first, none is accepted after), then the lower DisconnectEx on the
     * lower socket — overlapped through jwsp's OVERLAPPED and port, or synchronous without one.
     * With {@code TF_REUSE_SOCKET} the socket is unconnected afterwards and may connect again. A
     * handle that is not jwsp's is {@code WSAENOTSOCK}; an OVERLAPPED on a socket opened without
     * {@code WSA_FLAG_OVERLAPPED}, {@code WSAEINVAL}; the lower provider judges the rest.
     */
    private int disconnectEx(long s, MemorySegment ov, int flags, int reserved) {
        try {
            ThreadScratch sc = ThreadScratch.get();
            SocketContext c = sockets.socketOf(s, sc);
            if (c == null) {
                return fail(ws2spi_h.WSAENOTSOCK());
            }
            long resolved = sc.resolved;
            if (ov.address() != 0 && !c.overlapped) {
                return fail(ws2spi_h.WSAEINVAL());
            }
            if (!optional(ov.address(), OVERLAPPED_SIZE, 8)) {
                return fail(ws2spi_h.WSAEFAULT());
            }
            MemorySegment lower = lowerFunction(c, LowerExtensions.DISCONNECT_EX, sc);
            if (lower == null) {
                return fail(sc.errno());
            }
            LowerExtensions.LastError errors = lastError();
            c.shutDownSendForDisconnect(); // what jwsp accepted before goes out before the FIN
            int rc;
            if (ov.address() == 0) {
                rc = 0;
                if ((int) DISCONNECT_EX_CALL.invokeExact(lower, c.lowerHandle, MemorySegment.NULL, flags, reserved) == FALSE) {
                    Errno.set(sc.errno, errors.get());
                    rc = Errno.SOCKET_ERROR;
                }
            } else {
                rc = proxy.proxied(c, resolved, ov, MemorySegment.NULL, sc.errno, sc, (overlapped, bytes, lpErrno) -> {
                    int ok = (int) DISCONNECT_EX_CALL.invokeExact(lower, c.lowerHandle, overlapped, flags, reserved);
                    if (ok != FALSE) {
                        return 0;
                    }
                    Errno.set(lpErrno, errors.get());
                    return Errno.SOCKET_ERROR;
                });
            }
            int error = rc == 0 ? 0 : sc.errno();
            if (rc != 0 && error != ws2spi_h.WSA_IO_PENDING()) {
                c.shutDownSendFailed();
            } else if ((flags & ws2spi_h.TF_REUSE_SOCKET()) != 0) {
                c.disconnectedForReuse();
            }
            return rc == 0 ? TRUE : fail(error);
        } catch (Throwable t) {
            LOG.error("DisconnectEx failed inside jwsp", t);
            return fail(WsaCondition.PROVIDER_FAULT.code());
        }
    }

    /**
     * {@code SO_UPDATE_ACCEPT_CONTEXT} names the listening socket in its value: jwsp's handle there
     * becomes the lower listening socket before the option goes down; else {@link #NOT_MINE}.
     */
    int setSockOpt(SocketContext c, int level, int name, MemorySegment value, int len, MemorySegment lpErrno) {
        if (level != ws2spi_h.SOL_SOCKET() || name != ws2spi_h.SO_UPDATE_ACCEPT_CONTEXT()) {
            return NOT_MINE;
        }
        if (len < Long.BYTES || !CallerPointers.plausible(value.address(), Long.BYTES, 1)) {
            return Errno.fail(lpErrno, WsaCondition.BUFFERS_NOT_IN_USER_SPACE);
        }
        SocketContext listener = sockets.socketOf(value.reinterpret(Long.BYTES).get(ValueLayout.JAVA_LONG_UNALIGNED, 0), ThreadScratch.get());
        if (listener == null) {
            return Errno.fail(lpErrno, WsaCondition.NOT_A_SOCKET);
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment lowerListener = call.allocateFrom(ValueLayout.JAVA_LONG, listener.lowerHandle);
            int rc = org.jwsp.bindings.windows.LPWSPSETSOCKOPT.invoke(WSPPROC_TABLE.lpWSPSetSockOpt(c.lower.table), c.lowerHandle,
                    level, name, lowerListener, Long.BYTES, lpErrno);
            if (rc == 0) {
                c.connected = true;
            }
            return rc;
        }
    }

    /** The lower provider's function number {@code which} ({@link LowerExtensions}); null with sc.errno set. Allocation-free once known. */
    MemorySegment lowerFunction(SocketContext c, int which, ThreadScratch sc) {
        return lower.function(c, which, sc);
    }

    /** A pointer the caller may leave NULL: NULL, or {@link CallerPointers#plausible}. */
    static boolean optional(long address, long bytes, long alignment) {
        return address == 0 || CallerPointers.plausible(address, bytes, alignment);
    }

    int fail(int code) {
        try {
            lastError().set(code);
        } catch (Throwable t) {
            LOG.error("WSASetLastError is not reachable", t);
        }
        return FALSE;
    }

    LowerExtensions.LastError lastError() {
        return lower.lastError();
    }
}
