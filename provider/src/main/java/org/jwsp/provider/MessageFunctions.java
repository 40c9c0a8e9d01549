package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.WSABUF;
import org.jwsp.bindings.windows.WSAMSG;
import org.jwsp.bindings.windows.WSASENDMSG;
import org.jwsp.bindings.windows.ws2spi_h;

/**
 * jwsp's {@code WSASendMsg} and {@code WSARecvMsg}, handed out by {@link ExtensionFunctions} for
 * {@code SIO_GET_EXTENSION_FUNCTION_POINTER}.
 *
 * <p>{@code WSASendMsg} without a destination and without control data is a send on the socket's
 * connection: it goes through jwsp's own {@link SendPath} (the filter, the socket's send order,
 * the request life of {@code WSPSend}), so it no longer bypasses jwsp. With a destination or
 * control data it is what {@code WSPSendTo} is to jwsp: the lower {@code WSASendMsg} on the lower
 * socket, overlapped through jwsp's port ({@link OverlappedProxy#proxied}). {@code WSARecvMsg}
 * is the lower one on the lower socket, completed the same way. A completion routine is
 * {@code WSAEOPNOTSUPP}: called without ws2_32, the function gets no {@code WSATHREADID} to
 * queue it to (see provider/CONTRACT.md).
 *
 * <p>{@code SIO_EXT_SENDMSG} ({@link #extSendMsg}), ws2_32's way to the same send, is answered
 * here too.
 *
 * <p>Both are called by the program directly: 0, or {@code SOCKET_ERROR} with
 * {@code WSASetLastError} ({@code WSA_IO_PENDING} for an operation under way). Client threads;
 * never throws into native code. The stubs live in the runtime's arena.
 */
final class MessageFunctions {

    private static final Logger LOG = LogManager.getLogger(MessageFunctions.class);
    /** {@code INT WSASendMsg(SOCKET, LPWSAMSG, DWORD, LPDWORD, LPWSAOVERLAPPED, LPWSAOVERLAPPED_COMPLETION_ROUTINE)}. */
    static final FunctionDescriptor SEND_MSG = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS);
    /** {@code INT WSARecvMsg(SOCKET, LPWSAMSG, LPDWORD, LPWSAOVERLAPPED, LPWSAOVERLAPPED_COMPLETION_ROUTINE)}. */
    static final FunctionDescriptor RECV_MSG = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS);
    private static final MethodHandle SEND_MSG_CALL = Linker.nativeLinker().downcallHandle(SEND_MSG);
    private static final MethodHandle RECV_MSG_CALL = Linker.nativeLinker().downcallHandle(RECV_MSG);

    private final ExtensionFunctions extensions;
    private final SocketTable sockets;
    private final SendPath sendPath;
    private final OverlappedProxy proxy;
    final MemorySegment sendMsgStub;
    final MemorySegment recvMsgStub;

    MessageFunctions(ExtensionFunctions extensions, SocketTable sockets, SendPath sendPath, OverlappedProxy proxy, Arena arena) {
        this.extensions = extensions;
        this.sockets = sockets;
        this.sendPath = sendPath;
        this.proxy = proxy;
        try {
            this.sendMsgStub = Linker.nativeLinker().upcallStub(MethodHandles.lookup().findVirtual(MessageFunctions.class, "sendMsg",
                    SEND_MSG.toMethodType()).bindTo(this), SEND_MSG, arena);
            this.recvMsgStub = Linker.nativeLinker().upcallStub(MethodHandles.lookup().findVirtual(MessageFunctions.class, "recvMsg",
                    RECV_MSG.toMethodType()).bindTo(this), RECV_MSG, arena);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private int sendMsg(long s, MemorySegment msg, int flags, MemorySegment sent, MemorySegment ov, MemorySegment routine) {
        try {
            ThreadScratch sc = ThreadScratch.get();
            SocketContext c = sockets.socketOf(s, sc);
            if (c == null) {
                return failed(ws2spi_h.WSAENOTSOCK());
            }
            int code = send(s, c, sc.resolved, msg, flags, sent, ov, routine, sc);
            return code == 0 ? 0 : failed(code);
        } catch (Throwable t) {
            LOG.error("WSASendMsg failed inside jwsp", t);
            return failed(WsaCondition.PROVIDER_FAULT.code());
        }
    }

    /**
     * {@code SIO_EXT_SENDMSG} on jwsp's socket {@code c} (resolved from {@code s}): ws2_32's own
     * {@code WSASendMsg} export reaches the provider {@code SIO_BSP_HANDLE} named this way, with a
     * {@code WSASENDMSG} as input. The same send as jwsp's {@code WSASendMsg}; the ioctl's own
     * OVERLAPPED arguments are not used (the structure carries the operation's).
     */
    int extSendMsg(long s, SocketContext c, long resolved, MemorySegment in, int cbIn, MemorySegment lpErrno, ThreadScratch sc)
            throws Throwable {
        if (cbIn < WSASENDMSG.sizeof() || !CallerPointers.plausible(in.address(), WSASENDMSG.sizeof(), 8)) {
            return Errno.fail(lpErrno, WsaCondition.BUFFERS_NOT_IN_USER_SPACE);
        }
        MemorySegment args = in.reinterpret(WSASENDMSG.sizeof());
        int code = send(s, c, resolved, WSASENDMSG.lpMsg(args), WSASENDMSG.dwFlags(args), WSASENDMSG.lpNumberOfBytesSent(args),
                WSASENDMSG.lpOverlapped(args), WSASENDMSG.lpCompletionRoutine(args), sc);
        if (code == 0) {
            return 0;
        }
        Errno.set(lpErrno, code);
        return Errno.SOCKET_ERROR;
    }

    /** The send of {@code WSASendMsg}: 0, or the WSAE code ({@code WSA_IO_PENDING} for one under way). */
    private int send(long s, SocketContext c, long resolved, MemorySegment msg, int flags, MemorySegment sent, MemorySegment ov,
                     MemorySegment routine, ThreadScratch sc) throws Throwable {
        if (!CallerPointers.plausible(msg.address(), WSAMSG.sizeof(), 8) || !ExtensionFunctions.optional(sent.address(), 4, 4)
                || !ExtensionFunctions.optional(ov.address(), OVERLAPPED.sizeof(), 8)) {
            return ws2spi_h.WSAEFAULT(); // decided before any of them is touched
        }
        if (routine.address() != 0) {
            return ws2spi_h.WSAEOPNOTSUPP();
        }
        MemorySegment m = msg.reinterpret(WSAMSG.sizeof());
        if (WSAMSG.name(m).address() == 0 && WSABUF.len(WSAMSG.Control(m)) == 0) {
            // A send on the connection: jwsp's own WSPSend, filter and order included.
            int rc = sendPath.send(s, WSAMSG.lpBuffers(m).address(), WSAMSG.dwBufferCount(m), sent.address(), flags,
                    ov.address(), 0, 0, sc.errno.address());
            return rc == 0 ? 0 : sc.errno();
        }
        MemorySegment lower = extensions.lowerFunction(c, LowerExtensions.SEND_MSG, sc);
        if (lower == null) {
            return sc.errno();
        }
        LowerExtensions.LastError errors = extensions.lastError();
        if (ov.address() == 0 || !c.overlapped) {
            int rc = (int) SEND_MSG_CALL.invokeExact(lower, c.lowerHandle, msg, flags, sent, MemorySegment.NULL, MemorySegment.NULL);
            return rc == 0 ? 0 : errors.get();
        }
        int rc = proxy.proxied(c, resolved, ov, sent, sc.errno, sc, (overlapped, bytes, lpErrno) -> {
            if ((int) SEND_MSG_CALL.invokeExact(lower, c.lowerHandle, msg, flags, bytes, overlapped, MemorySegment.NULL) == 0) {
                return 0;
            }
            Errno.set(lpErrno, errors.get());
            return Errno.SOCKET_ERROR;
        });
        return rc == 0 ? 0 : sc.errno();
    }

    private int recvMsg(long s, MemorySegment msg, MemorySegment received, MemorySegment ov, MemorySegment routine) {
        try {
            ThreadScratch sc = ThreadScratch.get();
            SocketContext c = sockets.socketOf(s, sc);
            if (c == null) {
                return failed(ws2spi_h.WSAENOTSOCK());
            }
            long resolved = sc.resolved;
            if (!CallerPointers.plausible(msg.address(), WSAMSG.sizeof(), 8) || !ExtensionFunctions.optional(received.address(), 4, 4)
                    || !ExtensionFunctions.optional(ov.address(), OVERLAPPED.sizeof(), 8)) {
                return failed(ws2spi_h.WSAEFAULT());
            }
            if (routine.address() != 0) {
                return failed(ws2spi_h.WSAEOPNOTSUPP());
            }
            MemorySegment lower = extensions.lowerFunction(c, LowerExtensions.RECV_MSG, sc);
            if (lower == null) {
                return failed(sc.errno());
            }
            LowerExtensions.LastError errors = extensions.lastError();
            if (ov.address() == 0 || !c.overlapped) {
                int rc = (int) RECV_MSG_CALL.invokeExact(lower, c.lowerHandle, msg, received, MemorySegment.NULL, MemorySegment.NULL);
                return rc == 0 ? 0 : failed(errors.get());
            }
            int rc = proxy.proxied(c, resolved, ov, received, sc.errno, sc, (overlapped, bytes, lpErrno) -> {
                if ((int) RECV_MSG_CALL.invokeExact(lower, c.lowerHandle, msg, bytes, overlapped, MemorySegment.NULL) == 0) {
                    return 0;
                }
                Errno.set(lpErrno, errors.get());
                return Errno.SOCKET_ERROR;
            });
            return rc == 0 ? 0 : failed(sc.errno());
        } catch (Throwable t) {
            LOG.error("WSARecvMsg failed inside jwsp", t);
            return failed(WsaCondition.PROVIDER_FAULT.code());
        }
    }

    private int failed(int code) {
        extensions.fail(code);
        return Errno.SOCKET_ERROR;
    }
}
