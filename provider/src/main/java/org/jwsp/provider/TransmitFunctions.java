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
import org.jwsp.bindings.CallerMemory;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.TRANSMIT_FILE_BUFFERS;
import org.jwsp.bindings.windows.ws2spi_h;

/**
 * jwsp's {@code TransmitFile}, handed out by {@link ExtensionFunctions} for
 * {@code SIO_GET_EXTENSION_FUNCTION_POINTER}: the bytes it sends (head buffer, file range, tail
 * buffer) are a send of the socket, so they pass jwsp's filter and take their place in the
 * socket's send order like a {@code WSPSend}.
 *
 * <p>Overlapped: a pooled request of kind {@link OverlappedRequest#TRANSMIT} whose capture is the
 * head and tail buffers (two WSABUFs; the filter sees them, and the file's bytes as
 * {@code SendView.fileBytes()}), through {@link SendPath#sendTransmit}: the filter, the request
 * life, and the socket's {@link SubmissionQueue}, which issues it alone (never merged) with the
 * lower {@code TransmitFile} ({@link #issue}) when the sends before it have gone, so nothing
 * overtakes it and it overtakes nothing; its completion comes back through jwsp's port like a
 * send's. Without an {@code OVERLAPPED}: the filter, then the socket's turn for a synchronous send
 * ({@link SendPath#enterSynchronous}), then the lower call. {@code TF_DISCONNECT}: no send is
 * accepted after it; with {@code TF_REUSE_SOCKET} the socket is unconnected again once it
 * completed, as {@code DisconnectEx} leaves it. The file handle and the file offset (the
 * {@code OVERLAPPED}'s {@code Offset}/{@code OffsetHigh}) are handed down as they are: files are
 * the kernel's, not the provider's.
 *
 * <p>Called by the program directly (client threads): {@code TRUE}, or {@code FALSE} with
 * {@code WSASetLastError} ({@code WSA_IO_PENDING} for one under way). jwsp answers itself:
 * not its socket {@code WSAENOTSOCK}; an {@code OVERLAPPED} or {@code TRANSMIT_FILE_BUFFERS} that
 * is not a plausible pointer, or a head/tail outside user space, {@code WSAEFAULT} (decided before
 * either is touched); an {@code OVERLAPPED} on a socket without {@code WSA_FLAG_OVERLAPPED}
 * {@code WSAEINVAL}; not a stream {@code WSAENOTCONN}; after a send shutdown {@code WSAESHUTDOWN};
 * a filter's code. The lower provider judges the rest (the file handle, the flags), at once when
 * nothing of the socket is queued, else as the completion status (which, as for a queued send,
 * breaks the stream). Never throws into native code. The stub lives in the runtime's arena.
 */
final class TransmitFunctions implements LowerTransmit {

    private static final Logger LOG = LogManager.getLogger(TransmitFunctions.class);
    /** {@code BOOL TransmitFile(SOCKET, HANDLE, DWORD, DWORD, LPOVERLAPPED, LPTRANSMIT_FILE_BUFFERS, DWORD)}. */
    static final FunctionDescriptor TRANSMIT_FILE = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT);
    private static final MethodHandle TRANSMIT_FILE_CALL = Linker.nativeLinker().downcallHandle(TRANSMIT_FILE);
    private static final int PENDING = ws2spi_h.WSA_IO_PENDING();
    private static final long WSABUF = WsaBufCapture.SIZEOF_WSABUF;
    private static final long TFB = 32;

    private final ExtensionFunctions extensions;
    private final SocketTable sockets;
    private final SendPath sendPath;
    final MemorySegment transmitFileStub;

    TransmitFunctions(ExtensionFunctions extensions, SocketTable sockets, SendPath sendPath, Arena arena) {
        this.extensions = extensions;
        this.sockets = sockets;
        this.sendPath = sendPath;
        try {
            this.transmitFileStub = Linker.nativeLinker().upcallStub(MethodHandles.lookup().findVirtual(TransmitFunctions.class,
                    "transmitFile", TRANSMIT_FILE.toMethodType()).bindTo(this), TRANSMIT_FILE, arena);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * What TransmitFile and TransmitPackets answer a socket that cannot take one, once their
     * pointers passed: an {@code OVERLAPPED} on a socket opened without it {@code WSAEINVAL}, not a
     * stream {@code WSAENOTCONN}, after a send shutdown {@code WSAESHUTDOWN}; else 0.
     */
    static int refusal(SocketContext c, long ov) {
        if (ov != 0 && !c.overlapped) {
            return ws2spi_h.WSAEINVAL();
        }
        if (c.type != ws2spi_h.SOCK_STREAM()) {
            return ws2spi_h.WSAENOTCONN();
        }
        return c.shutdownSend ? ws2spi_h.WSAESHUTDOWN() : 0;
    }

    private int transmitFile(long s, long file, int toWrite, int perSend, long ov, long buffers, int flags) {
        try {
            ThreadScratch sc = ThreadScratch.get();
            SocketContext c = sockets.socketOf(s, sc);
            if (c == null) {
                return extensions.fail(ws2spi_h.WSAENOTSOCK());
            }
            long resolved = sc.resolved;
            if (ov != 0 && !CallerPointers.plausible(ov, OVERLAPPED.sizeof(), 8)
                    || buffers != 0 && !CallerPointers.plausible(buffers, TRANSMIT_FILE_BUFFERS.sizeof(), 8)) {
                return extensions.fail(ws2spi_h.WSAEFAULT());
            }
            int refused = refusal(c, ov);
            if (refused != 0) {
                return extensions.fail(refused);
            }
            MemorySegment lower = extensions.lowerFunction(c, LowerExtensions.TRANSMIT_FILE, sc);
            if (lower == null) {
                return extensions.fail(sc.errno());
            }
            // The head and tail as two WSABUFs {len, buf}: what the filter sees, and the request's capture.
            long w = sc.transmit.address();
            CallerMemory.putInt(w, buffers == 0 ? 0 : CallerMemory.getInt(buffers + TRANSMIT_FILE_BUFFERS.HeadLength$offset()));
            CallerMemory.putLong(w + 8, buffers == 0 ? 0 : CallerMemory.getLong(buffers + TRANSMIT_FILE_BUFFERS.Head$offset()));
            CallerMemory.putInt(w + WSABUF, buffers == 0 ? 0 : CallerMemory.getInt(buffers + TRANSMIT_FILE_BUFFERS.TailLength$offset()));
            CallerMemory.putLong(w + WSABUF + 8, buffers == 0 ? 0 : CallerMemory.getLong(buffers + TRANSMIT_FILE_BUFFERS.Tail$offset()));
            if (WsaBufCapture.validate(w, 2) < 0) {
                return extensions.fail(ws2spi_h.WSAEFAULT());
            }
            long errno = sc.errno.address();
            if (ov == 0) {
                return synchronous(c, resolved, file, toWrite, perSend, w, flags, lower, sc);
            }
            int rc = sendPath.sendTransmit(c, resolved, w, ov, file, toWrite, perSend, flags, lower.address(), this, errno, sc);
            return rc == 0 ? ExtensionFunctions.TRUE : extensions.fail(sc.errno());
        } catch (Throwable t) {
            LOG.error("TransmitFile failed inside jwsp", t);
            return extensions.fail(WsaCondition.PROVIDER_FAULT.code());
        }
    }

    /** A TransmitFile without OVERLAPPED ({@link LowerTransmit#synchronous}): its head and tail are the two WSABUFs at {@code w}. */
    private int synchronous(SocketContext c, long resolved, long file, int toWrite, int perSend, long w, int flags, MemorySegment lower,
                            ThreadScratch sc) throws Throwable {
        long fileBytes = file == 0 ? 0 : toWrite == 0 ? -1 : toWrite & 0xFFFF_FFFFL;
        return LowerTransmit.synchronous(sendPath, extensions, c, resolved, w, 2, fileBytes, flags, sc,
                () -> (int) TRANSMIT_FILE_CALL.invokeExact(lower, c.lowerHandle, file, toWrite, perSend, 0L, lowerBuffers(w, sc), flags));
    }

    /**
     * The lower TransmitFile of a queued request (under the socket lock, on whichever thread issues
     * it): 0 with the count in {@code s.bytes} when it completed at once, else SOCKET_ERROR with the
     * code in {@code s.errno} ({@code WSA_IO_PENDING} when it will complete), as
     * {@link LowerProvider#sendRaw} answers.
     */
    @Override
    public int issue(OverlappedRequest r, SocketContext socket, ThreadScratch s) {
        try {
            int ok = (int) TRANSMIT_FILE_CALL.invokeExact(MemorySegment.ofAddress(r.transmitFunction), socket.lowerHandle, r.transmitFile,
                    r.transmitBytes, r.transmitPerSend, r.overlapped.address(), lowerBuffers(r.buffers.array().address(), s),
                    r.transmitFlags);
            return LowerTransmit.answer(ok, r, s, extensions);
        } catch (Throwable t) {
            LOG.error("the lower TransmitFile failed inside jwsp", t);
            s.errno.set(ValueLayout.JAVA_INT, 0, WsaCondition.PROVIDER_FAULT.code());
        }
        return Errno.SOCKET_ERROR;
    }

    /** The lower call's TRANSMIT_FILE_BUFFERS, built in {@code s} from the two WSABUFs at {@code w}. */
    private static long lowerBuffers(long w, ThreadScratch s) {
        long t = s.transmit.address() + TFB;
        CallerMemory.putLong(t + TRANSMIT_FILE_BUFFERS.Head$offset(), WsaBufCapture.address(w, 0));
        CallerMemory.putInt(t + TRANSMIT_FILE_BUFFERS.HeadLength$offset(), (int) WsaBufCapture.length(w, 0)); // a DWORD
        CallerMemory.putLong(t + TRANSMIT_FILE_BUFFERS.Tail$offset(), WsaBufCapture.address(w, 1));
        CallerMemory.putInt(t + TRANSMIT_FILE_BUFFERS.TailLength$offset(), (int) WsaBufCapture.length(w, 1));
        return t;
    }

    /**
     * Under the socket lock: a TransmitFile was accepted (queued, in flight, or done at once). With
     * {@code TF_DISCONNECT} no send is accepted after it; done at once with {@code TF_REUSE_SOCKET},
     * the socket is unconnected again.
     */
    static void accepted(SocketContext c, OverlappedRequest r, boolean atOnce) {
        accepted(c, r.transmitFlags, atOnce);
    }

    static void accepted(SocketContext c, int flags, boolean done) {
        if ((flags & ws2spi_h.TF_DISCONNECT()) != 0) {
            c.shutdownSend = true;
        }
        if (done && (flags & ws2spi_h.TF_REUSE_SOCKET()) != 0) {
            c.disconnectedForReuse();
        }
    }

    /** Under the socket lock: a TransmitFile that pended completed without error ({@code TF_REUSE_SOCKET}: unconnected again). */
    static void completed(SocketContext c, OverlappedRequest r) {
        if ((r.transmitFlags & ws2spi_h.TF_REUSE_SOCKET()) != 0) {
            c.disconnectedForReuse();
        }
    }
}
