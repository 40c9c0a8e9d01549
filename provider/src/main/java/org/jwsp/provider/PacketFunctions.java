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
import org.jwsp.bindings.windows.TRANSMIT_PACKETS_ELEMENT;
import org.jwsp.bindings.windows.ws2spi_h;

/**
 * jwsp's {@code TransmitPackets}, handed out by {@link ExtensionFunctions} for
 * {@code SIO_GET_EXTENSION_FUNCTION_POINTER}: {@code BOOL TransmitPackets(SOCKET,
 * LPTRANSMIT_PACKETS_ELEMENT lpPacketArray, DWORD nElementCount, DWORD nSendSize, LPOVERLAPPED,
 * DWORD dwFlags)}. What it sends is a send of the socket, like {@link TransmitFunctions}' TransmitFile:
 * it passes jwsp's filter and takes its place in the socket's send order.
 *
 * <p>The caller's element array is copied during the call into a {@link LargeCaptures} block
 * (never kept past the call), validated from the copy, and the lower {@code TransmitPackets} gets
 * the copy. The block holds
 *
 * <pre>
 *   TRANSMIT_PACKETS_ELEMENT elements[n];   // +0        24 bytes each: dwElFlags, cLength, {nFileOffset, hFile} | pBuffer
 *   WSABUF                   memory[m];     // +24n      the m memory elements in order, as the filter sees them
 * </pre>
 *
 * Overlapped: a pooled request of kind {@link OverlappedRequest#TRANSMIT} whose capture is the
 * memory elements' WSABUFs (the file elements' bytes are {@code SendView.fileBytes()}) and which
 * owns the block until it is released, through {@link SendPath#sendPackets}: the filter, the
 * request life, the socket's {@link SubmissionQueue}, which issues it alone with the lower
 * {@code TransmitPackets} ({@link #issue}) once the sends before it have gone; its completion
 * comes back through jwsp's port. Without an {@code OVERLAPPED}: the filter, the socket's turn for
 * a synchronous send, the lower call, the block given back before returning. {@code TF_DISCONNECT}
 * and {@code TF_REUSE_SOCKET} as TransmitFile ({@link TransmitFunctions#accepted}). File handles
 * and offsets go down as they are: files are the kernel's.
 *
 * <p>Called by the program directly (client threads): {@code TRUE}, or {@code FALSE} with
 * {@code WSASetLastError}. jwsp answers itself: not its socket {@code WSAENOTSOCK}; an
 * {@code OVERLAPPED} or element array that is not a plausible pointer, or a memory element outside
 * user space, {@code WSAEFAULT} (decided before either is touched); an element that is neither or
 * both of {@code TP_ELEMENT_MEMORY}/{@code TP_ELEMENT_FILE}, or more than 2,147,483,646 bytes of
 * memory, {@code WSAEINVAL}; an {@code OVERLAPPED} on a socket without {@code WSA_FLAG_OVERLAPPED}
 * {@code WSAEINVAL}; not a stream {@code WSAENOTCONN}; after a send shutdown {@code WSAESHUTDOWN};
 * more than {@link #MAX_ELEMENTS} elements, or no block free, {@code WSAENOBUFS}; a filter's code.
 * No elements is a send of nothing (with {@code TF_DISCONNECT}: a disconnect). The lower provider
 * judges the rest (the file handles, the flags). Never throws into native code; allocates nothing
 * per call. The stub lives in the runtime's arena.
 */
final class PacketFunctions implements LowerTransmit {

    private static final Logger LOG = LogManager.getLogger(PacketFunctions.class);
    /** {@code BOOL TransmitPackets(SOCKET, LPTRANSMIT_PACKETS_ELEMENT, DWORD, DWORD, LPOVERLAPPED, DWORD)}. */
    static final FunctionDescriptor TRANSMIT_PACKETS = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT);
    private static final MethodHandle TRANSMIT_PACKETS_CALL = Linker.nativeLinker().downcallHandle(TRANSMIT_PACKETS);
    private static final long ELEMENT = TRANSMIT_PACKETS_ELEMENT.sizeof();
    private static final long FLAGS = TRANSMIT_PACKETS_ELEMENT.dwElFlags$offset();
    private static final long LENGTH = TRANSMIT_PACKETS_ELEMENT.cLength$offset();
    private static final long BUFFER = TRANSMIT_PACKETS_ELEMENT.pBuffer$offset();
    private static final int MEMORY = ws2spi_h.TP_ELEMENT_MEMORY();
    private static final int FILE = ws2spi_h.TP_ELEMENT_FILE();
    private static final long WSABUF = WsaBufCapture.SIZEOF_WSABUF;
    /** The most elements one call may have: the array and its memory elements' WSABUFs fill one {@link LargeCaptures} block. */
    static final int MAX_ELEMENTS = (int) (LargeCaptures.MAX_BUFFERS * WSABUF / (ELEMENT + WSABUF));
    /** Windows' bound on the bytes of one call: 2,147,483,646. */
    private static final long MAX_TOTAL = Integer.MAX_VALUE - 1L;

    private final ExtensionFunctions extensions;
    private final SocketTable sockets;
    private final SendPath sendPath;
    private final LargeCaptures blocks;
    final MemorySegment transmitPacketsStub;

    PacketFunctions(ExtensionFunctions extensions, SocketTable sockets, SendPath sendPath, LargeCaptures blocks, Arena arena) {
        this.extensions = extensions;
        this.sockets = sockets;
        this.sendPath = sendPath;
        this.blocks = blocks;
        try {
            this.transmitPacketsStub = Linker.nativeLinker().upcallStub(MethodHandles.lookup().findVirtual(PacketFunctions.class,
                    "transmitPackets", TRANSMIT_PACKETS.toMethodType()).bindTo(this), TRANSMIT_PACKETS, arena);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private int transmitPackets(long s, long array, int count, int sendSize, long ov, int flags) {
        int block = -1;
        try {
            ThreadScratch sc = ThreadScratch.get();
            SocketContext c = sockets.socketOf(s, sc);
            if (c == null) {
                return extensions.fail(ws2spi_h.WSAENOTSOCK());
            }
            long resolved = sc.resolved;
            long n = count & 0xFFFF_FFFFL;
            if (ov != 0 && !CallerPointers.plausible(ov, OVERLAPPED.sizeof(), 8)
                    || n > 0 && n <= MAX_ELEMENTS && !CallerPointers.plausible(array, n * ELEMENT, 8)) {
                return extensions.fail(ws2spi_h.WSAEFAULT());
            }
            if (n > MAX_ELEMENTS) {
                return extensions.fail(ws2spi_h.WSAENOBUFS());
            }
            int refused = TransmitFunctions.refusal(c, ov);
            if (refused != 0) {
                return extensions.fail(refused);
            }
            MemorySegment lower = extensions.lowerFunction(c, LowerExtensions.TRANSMIT_PACKETS, sc);
            if (lower == null) {
                return extensions.fail(sc.errno());
            }
            long elements = 0;
            long wsabufs = 0;
            int memory = 0;
            long fileBytes = 0;
            if (n > 0) {
                block = blocks.borrow();
                if (block < 0) {
                    return extensions.fail(ws2spi_h.WSAENOBUFS());
                }
                MemorySegment copy = blocks.block(block);
                CallerMemory.copyIn(array, copy, n * ELEMENT); // exactly nElementCount elements, once
                elements = copy.address();
                wsabufs = elements + n * ELEMENT;
                long total = 0;
                for (int i = 0; i < n; i++) {
                    long e = elements + i * ELEMENT;
                    int kind = CallerMemory.getInt(e + FLAGS) & (MEMORY | FILE);
                    long length = CallerMemory.getInt(e + LENGTH) & 0xFFFF_FFFFL;
                    if (kind == MEMORY) {
                        long buffer = CallerMemory.getLong(e + BUFFER);
                        if (length > 0 && !CallerMemory.inUserSpace(buffer, length)) {
                            return extensions.fail(ws2spi_h.WSAEFAULT());
                        }
                        CallerMemory.putInt(wsabufs + memory * WSABUF, (int) length);
                        CallerMemory.putLong(wsabufs + memory * WSABUF + 8, buffer);
                        memory++;
                        total += length;
                    } else if (kind == FILE) {
                        fileBytes = length == 0 || fileBytes < 0 ? -1 : fileBytes + length;
                        total += length;
                    } else {
                        return extensions.fail(ws2spi_h.WSAEINVAL());
                    }
                }
                if (total > MAX_TOTAL) {
                    return extensions.fail(ws2spi_h.WSAEINVAL());
                }
            }
            if (ov == 0) {
                return synchronous(c, resolved, elements, (int) n, wsabufs, memory, fileBytes, sendSize, flags, lower, sc);
            }
            int handedOver = block;
            block = -1; // the request's from here on (SendPath.sendPackets gives it back if there is none)
            int rc = sendPath.sendPackets(c, resolved, wsabufs, memory, ov, handedOver, (int) n, fileBytes, sendSize, flags,
                    lower.address(), this, sc.errno.address(), sc);
            return rc == 0 ? ExtensionFunctions.TRUE : extensions.fail(sc.errno());
        } catch (Throwable t) {
            LOG.error("TransmitPackets failed inside jwsp", t);
            return extensions.fail(WsaCondition.PROVIDER_FAULT.code());
        } finally {
            giveBack(block);
        }
    }

    /** A TransmitPackets without OVERLAPPED ({@link LowerTransmit#synchronous}): the lower call takes jwsp's copy of the elements. */
    private int synchronous(SocketContext c, long resolved, long elements, int count, long wsabufs, int memory, long fileBytes,
                            int sendSize, int flags, MemorySegment lower, ThreadScratch sc) throws Throwable {
        return LowerTransmit.synchronous(sendPath, extensions, c, resolved, wsabufs, memory, fileBytes, flags, sc,
                () -> (int) TRANSMIT_PACKETS_CALL.invokeExact(lower, c.lowerHandle, elements, count, sendSize, 0L, flags));
    }

    @Override
    public int issue(OverlappedRequest r, SocketContext socket, ThreadScratch s) {
        try {
            int ok = (int) TRANSMIT_PACKETS_CALL.invokeExact(MemorySegment.ofAddress(r.transmitFunction), socket.lowerHandle,
                    r.packetArray(), r.packetCount, r.transmitPerSend, r.overlapped.address(), r.transmitFlags);
            return LowerTransmit.answer(ok, r, s, extensions);
        } catch (Throwable t) {
            LOG.error("the lower TransmitPackets failed inside jwsp", t);
            s.errno.set(ValueLayout.JAVA_INT, 0, WsaCondition.PROVIDER_FAULT.code());
        }
        return Errno.SOCKET_ERROR;
    }

    /** Gives element block {@code block} back (nothing for -1). */
    void giveBack(int block) {
        if (block >= 0) {
            blocks.giveBack(block);
        }
    }
}
