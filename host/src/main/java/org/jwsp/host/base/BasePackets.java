package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.nio.channels.ClosedChannelException;

import org.jwsp.bindings.CallerMemory;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.TRANSMIT_PACKETS_ELEMENT;
import org.jwsp.host.kernel.FileObject;
import org.jwsp.host.upcall.UpcallFaults;

/**
 * The base provider's {@code TransmitPackets} (mswsock's place), handed out by
 * {@code SIO_GET_EXTENSION_FUNCTION_POINTER}: {@code BOOL TransmitPackets(SOCKET,
 * LPTRANSMIT_PACKETS_ELEMENT lpPacketArray, DWORD nElementCount, DWORD nSendSize, LPOVERLAPPED,
 * DWORD dwFlags)}.
 *
 * <p>As {@link BaseTransmit} does for TransmitFile: the elements go out in order as <em>one
 * gathered send</em> of the socket. A memory element is a buffer of the caller's (which the caller
 * keeps until completion, as for a send); a file element's range is read into memory this call
 * owns (from {@code nFileOffset}, or from the file pointer, which it advances, when that is -1;
 * {@code cLength} 0 is the file's rest), bounded by {@link BaseTransmit#MAX_FILE_BYTES} in all
 * ({@code WSAENOBUFS} beyond). The WSABUFs go to {@link OverlappedIo#issue} (overlapped: the
 * socket's send order, the ring, the completion indication) or through the blocking
 * {@code WSPSend} path without an {@code OVERLAPPED}. {@code TF_DISCONNECT} (with
 * {@code TF_REUSE_SOCKET}) disconnects as {@code DisconnectEx} does once the send succeeded;
 * {@code nSendSize}, {@code TP_ELEMENT_EOP} and the thread hints change nothing on a stream.
 * No elements is a send of nothing.
 *
 * <p>Answers: not a socket of this provider {@code WSAENOTSOCK}; unknown flags,
 * {@code TF_REUSE_SOCKET} without {@code TF_DISCONNECT}, an {@code OVERLAPPED} on a socket opened
 * without {@code WSA_FLAG_OVERLAPPED}, an element that is neither or both of
 * {@code TP_ELEMENT_MEMORY}/{@code TP_ELEMENT_FILE}, or more than 2,147,483,646 bytes of memory
 * elements {@code WSAEINVAL}; an {@code OVERLAPPED}, element array or memory element that is not
 * in user space {@code WSAEFAULT}; more than {@link RequestPool#MAX_BUFFERS} elements
 * {@code WSAENOBUFS}; not a connected stream {@code WSAENOTCONN}; after a send shutdown
 * {@code WSAESHUTDOWN}; a file element whose handle names no open file {@code WSAENOTSOCK}
 * (msafd's answer to AFD's {@code STATUS_INVALID_HANDLE}, as for TransmitFile). Failures are
 * {@code FALSE} plus {@code WSASetLastError}; nothing is sent then. Client threads; never throws
 * into native code; the stub lives for the process.
 */
final class BasePackets {

    private static final int FALSE = 0;
    private static final long WSABUF_SIZE = 16;
    private static final long ELEMENT = TRANSMIT_PACKETS_ELEMENT.sizeof();
    private static final long MAX_TOTAL = Integer.MAX_VALUE - 1L;
    private static final FunctionDescriptor TRANSMIT_PACKETS = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT);

    private final BaseProvider provider;
    private final BaseExtensions extensions;
    final MemorySegment transmitPackets;

    BasePackets(BaseProvider provider, BaseExtensions extensions) {
        this.provider = provider;
        this.extensions = extensions;
        try {
            this.transmitPackets = Linker.nativeLinker().upcallStub(MethodHandles.lookup().findVirtual(BasePackets.class,
                    "transmitPackets", TRANSMIT_PACKETS.toMethodType()).bindTo(this), TRANSMIT_PACKETS, Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private int transmitPackets(long s, long array, int count, int sendSize, long o, int flags) {
        BaseSocket sock = null;
        Arena data = null;
        try {
            sock = provider.sockets.acquire(s);
            if (sock == null) {
                return extensions.fail(WSAENOTSOCK());
            }
            int known = TF_DISCONNECT() | TF_REUSE_SOCKET() | TF_WRITE_BEHIND() | TF_USE_SYSTEM_THREAD() | TF_USE_KERNEL_APC();
            if ((flags & ~known) != 0 || (flags & TF_REUSE_SOCKET()) != 0 && (flags & TF_DISCONNECT()) == 0
                    || o != 0 && !sock.overlapped) {
                return extensions.fail(WSAEINVAL());
            }
            long n = count & 0xFFFF_FFFFL;
            if (n > RequestPool.MAX_BUFFERS) {
                return extensions.fail(WSAENOBUFS());
            }
            if (o != 0 && !CallerMemory.inUserSpace(o, OVERLAPPED.sizeof(), 8)
                    || n > 0 && !CallerMemory.inUserSpace(array, n * ELEMENT, 8)) {
                return extensions.fail(WSAEFAULT());
            }
            if (!sock.isStream() || !sock.connected) {
                return extensions.fail(WSAENOTCONN());
            }
            if (sock.sendShut) {
                return extensions.fail(WSAESHUTDOWN());
            }
            data = Arena.ofShared();
            // A copy of the elements first: the caller may not make this call see two versions.
            MemorySegment elements = data.allocate(Math.max(n, 1) * ELEMENT, 8);
            if (n > 0) {
                CallerMemory.copyIn(array, elements, n * ELEMENT);
            }
            long memoryBytes = 0;
            for (int i = 0; i < n; i++) {
                int kind = elements.get(ValueLayout.JAVA_INT, i * ELEMENT + TRANSMIT_PACKETS_ELEMENT.dwElFlags$offset())
                        & (TP_ELEMENT_MEMORY() | TP_ELEMENT_FILE());
                long length = elements.get(ValueLayout.JAVA_INT, i * ELEMENT + TRANSMIT_PACKETS_ELEMENT.cLength$offset()) & 0xFFFF_FFFFL;
                if (kind == TP_ELEMENT_MEMORY()) {
                    long buffer = elements.get(ValueLayout.JAVA_LONG, i * ELEMENT + TRANSMIT_PACKETS_ELEMENT.pBuffer$offset());
                    if (length > 0 && !CallerMemory.inUserSpace(buffer, length)) {
                        return extensions.fail(WSAEFAULT());
                    }
                    memoryBytes += length;
                } else if (kind != TP_ELEMENT_FILE()) {
                    return extensions.fail(WSAEINVAL());
                }
            }
            if (memoryBytes > MAX_TOTAL) {
                return extensions.fail(WSAEINVAL());
            }
            MemorySegment wsabufs = data.allocate(Math.max(n, 1) * WSABUF_SIZE, 8);
            int buffers = 0;
            long fileBytes = 0;
            for (int i = 0; i < n; i++) {
                long e = i * ELEMENT;
                int kind = elements.get(ValueLayout.JAVA_INT, e + TRANSMIT_PACKETS_ELEMENT.dwElFlags$offset()) & TP_ELEMENT_MEMORY();
                long length = elements.get(ValueLayout.JAVA_INT, e + TRANSMIT_PACKETS_ELEMENT.cLength$offset()) & 0xFFFF_FFFFL;
                if (kind != 0) {
                    buffers = BaseTransmit.put(wsabufs, buffers, elements.get(ValueLayout.JAVA_LONG, e + TRANSMIT_PACKETS_ELEMENT.pBuffer$offset()), length);
                    continue;
                }
                FileObject file = provider.kernel.file(elements.get(ValueLayout.JAVA_LONG, e + TRANSMIT_PACKETS_ELEMENT.hFile$offset()));
                if (file == null) {
                    return extensions.fail(WSAENOTSOCK()); // msafd's answer to AFD's STATUS_INVALID_HANDLE
                }
                long offset = elements.get(ValueLayout.JAVA_LONG, e + TRANSMIT_PACKETS_ELEMENT.nFileOffset$offset());
                MemorySegment bytes = BaseTransmit.read(file.channel(), offset < 0 ? -1 : offset, length, data);
                if (bytes == null || (fileBytes += bytes.byteSize()) > BaseTransmit.MAX_FILE_BYTES) {
                    return extensions.fail(WSAENOBUFS());
                }
                buffers = BaseTransmit.put(wsabufs, buffers, bytes.address(), bytes.byteSize());
            }
            if (memoryBytes + fileBytes > MAX_TOTAL) {
                return extensions.fail(WSAEINVAL());
            }
            Arena gathered = data;
            data = null; // sendGathered's now
            return BaseTransmit.sendGathered(provider, extensions, sock, s, wsabufs, buffers, o, flags, gathered);
        } catch (ClosedChannelException e) {
            return extensions.fail(WSAENOTSOCK()); // a file was closed while it was read
        } catch (Throwable t) {
            UpcallFaults.report("TransmitPackets", t, MemorySegment.NULL);
            return extensions.fail(WSAENETDOWN());
        } finally {
            if (data != null) {
                data.close();
            }
            BaseSocket.release(sock);
        }
    }
}
