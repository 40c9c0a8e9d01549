package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;

import org.jwsp.bindings.CallerMemory;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.TRANSMIT_FILE_BUFFERS;
import org.jwsp.host.kernel.FileObject;
import org.jwsp.host.upcall.UpcallFaults;

/**
 * The base provider's {@code TransmitFile} (mswsock's place), handed out by
 * {@code SIO_GET_EXTENSION_FUNCTION_POINTER}: {@code BOOL TransmitFile(SOCKET, HANDLE hFile,
 * DWORD nNumberOfBytesToWrite, DWORD nNumberOfBytesPerSend, LPOVERLAPPED, LPTRANSMIT_FILE_BUFFERS,
 * DWORD dwFlags)}.
 *
 * <p>The head buffer, the file's bytes and the tail buffer go out as <em>one send</em> of the socket:
 * the file range is read (positional, from the {@code OVERLAPPED}'s {@code Offset}/{@code OffsetHigh}
 * when one is given, else from the file pointer, which it advances) into memory this call owns,
 * and the three parts go to {@link OverlappedIo#issue} as one gathered send, so they take the
 * socket's send order (behind a send in flight), the ring, the immediate attempt and the completion
 * indication (event, port, no routine: TransmitFile takes none) of an overlapped {@code WSPSend};
 * without an {@code OVERLAPPED} they go through the blocking {@code WSPSend} path. The host's
 * io_uring is asked for {@code SENDMSG} only (no splice), so the file range is read first and
 * bounded by {@link #MAX_FILE_BYTES} ({@code WSAENOBUFS} beyond). {@code hFile} NULL sends the
 * buffers alone. {@code TF_DISCONNECT} (with {@code TF_REUSE_SOCKET}) disconnects as
 * {@code DisconnectEx} does once the send succeeded, before its completion is indicated;
 * {@code TF_WRITE_BEHIND} and the {@code TF_USE_*} thread hints are accepted and change nothing;
 * {@code nNumberOfBytesPerSend} is a hint too.
 *
 * <p>Answers: not a socket of this provider {@code WSAENOTSOCK}; unknown flags,
 * {@code TF_REUSE_SOCKET} without {@code TF_DISCONNECT}, or an {@code OVERLAPPED} on a socket opened
 * without {@code WSA_FLAG_OVERLAPPED} {@code WSAEINVAL}; a misaligned or non-user-space
 * {@code OVERLAPPED}, {@code TRANSMIT_FILE_BUFFERS} or head/tail buffer {@code WSAEFAULT}; not a
 * connected stream {@code WSAENOTCONN}; after a send shutdown {@code WSAESHUTDOWN}; a file handle
 * that names no open file (closed, never opened) {@code WSAENOTSOCK}, which is what msafd maps
 * AFD's {@code STATUS_INVALID_HANDLE} to. Failures are {@code FALSE} plus {@code WSASetLastError};
 * nothing is sent then. Client threads; never throws into native code; the stub lives for the process.
 */
final class BaseTransmit {

    /** The most file bytes one call reads into memory (the host has no splice to the socket). */
    static final long MAX_FILE_BYTES = 64L << 20;
    private static final int FALSE = 0;
    private static final int TRUE = 1;
    private static final long WSABUF_SIZE = 16;
    private static final FunctionDescriptor TRANSMIT_FILE = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT);

    private final BaseProvider provider;
    private final BaseExtensions extensions;
    final MemorySegment transmitFile;

    BaseTransmit(BaseProvider provider, BaseExtensions extensions) {
        this.provider = provider;
        this.extensions = extensions;
        try {
            this.transmitFile = Linker.nativeLinker().upcallStub(MethodHandles.lookup().findVirtual(BaseTransmit.class, "transmitFile",
                    TRANSMIT_FILE.toMethodType()).bindTo(this), TRANSMIT_FILE, Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private int transmitFile(long s, long hFile, int toWrite, int perSend, MemorySegment ov, MemorySegment buffers, int flags) {
        BaseSocket sock = null;
        Arena data = null;
        try {
            sock = provider.sockets.acquire(s);
            if (sock == null) {
                return extensions.fail(WSAENOTSOCK());
            }
            int known = TF_DISCONNECT() | TF_REUSE_SOCKET() | TF_WRITE_BEHIND() | TF_USE_SYSTEM_THREAD() | TF_USE_KERNEL_APC();
            long o = ov.address();
            if ((flags & ~known) != 0 || (flags & TF_REUSE_SOCKET()) != 0 && (flags & TF_DISCONNECT()) == 0
                    || o != 0 && !sock.overlapped) {
                return extensions.fail(WSAEINVAL());
            }
            long b = buffers.address();
            if (o != 0 && !CallerMemory.inUserSpace(o, OVERLAPPED.sizeof(), 8)
                    || b != 0 && !CallerMemory.inUserSpace(b, TRANSMIT_FILE_BUFFERS.sizeof(), 8)) {
                return extensions.fail(WSAEFAULT());
            }
            long head = b == 0 ? 0 : CallerMemory.getLong(b + TRANSMIT_FILE_BUFFERS.Head$offset());
            int headLength = b == 0 ? 0 : CallerMemory.getInt(b + TRANSMIT_FILE_BUFFERS.HeadLength$offset());
            long tail = b == 0 ? 0 : CallerMemory.getLong(b + TRANSMIT_FILE_BUFFERS.Tail$offset());
            int tailLength = b == 0 ? 0 : CallerMemory.getInt(b + TRANSMIT_FILE_BUFFERS.TailLength$offset());
            if (!userBuffer(head, headLength) || !userBuffer(tail, tailLength)) {
                return extensions.fail(WSAEFAULT());
            }
            if (!sock.isStream() || !sock.connected) {
                return extensions.fail(WSAENOTCONN());
            }
            if (sock.sendShut) {
                return extensions.fail(WSAESHUTDOWN());
            }
            data = Arena.ofShared();
            MemorySegment wsabufs = data.allocate(3 * WSABUF_SIZE, 8);
            int count = 0;
            count = put(wsabufs, count, head, headLength);
            if (hFile != 0) {
                FileObject file = provider.kernel.file(hFile);
                if (file == null) {
                    return extensions.fail(WSAENOTSOCK()); // msafd's answer to AFD's STATUS_INVALID_HANDLE
                }
                long offset = o == 0 ? -1 : (CallerMemory.getInt(o + OVERLAPPED.Offset$offset()) & 0xFFFF_FFFFL)
                        | (long) CallerMemory.getInt(o + OVERLAPPED.OffsetHigh$offset()) << 32;
                MemorySegment bytes = read(file.channel(), offset, toWrite & 0xFFFF_FFFFL, data);
                if (bytes == null) {
                    return extensions.fail(WSAENOBUFS());
                }
                count = put(wsabufs, count, bytes.address(), (int) bytes.byteSize());
            }
            count = put(wsabufs, count, tail, tailLength);
            Arena gathered = data;
            data = null; // sendGathered's now
            return sendGathered(provider, extensions, sock, s, wsabufs, count, o, flags, gathered);
        } catch (ClosedChannelException e) {
            return extensions.fail(WSAENOTSOCK()); // the file was closed while it was read
        } catch (Throwable t) {
            UpcallFaults.report("TransmitFile", t, MemorySegment.NULL);
            return extensions.fail(WSAENETDOWN());
        } finally {
            if (data != null) {
                data.close();
            }
            BaseSocket.release(sock);
        }
    }

    /** A head or tail buffer: none, or {@code length} bytes inside user space. */
    private static boolean userBuffer(long address, int length) {
        return length == 0 || CallerMemory.inUserSpace(address, length & 0xFFFF_FFFFL);
    }

    /**
     * Appends one WSABUF {@code {len, buf}} when it holds bytes ({@code length} a DWORD's bits); the
     * new count.
     */
    static int put(MemorySegment wsabufs, int count, long address, long length) {
        if (length == 0) {
            return count;
        }
        wsabufs.set(ValueLayout.JAVA_INT, count * WSABUF_SIZE, (int) length);
        wsabufs.set(ValueLayout.JAVA_LONG, count * WSABUF_SIZE + 8, address);
        return count + 1;
    }

    /**
     * Sends the {@code count} WSABUFs gathered at {@code wsabufs} as one send of {@code sock}
     * (TransmitFile's and TransmitPackets' common end): with an {@code OVERLAPPED} through
     * {@link OverlappedIo#issue}, whose request then owns {@code data}; without one through the
     * blocking {@code WSPSend} path, then {@code TF_DISCONNECT}/{@code TF_REUSE_SOCKET} as
     * {@code DisconnectEx} does. Takes {@code data}: closed here unless a request took it.
     */
    static int sendGathered(BaseProvider provider, BaseExtensions extensions, BaseSocket sock, long s, MemorySegment wsabufs,
                            int count, long o, int flags, Arena data) {
        try {
            int disconnect = flags & (TF_DISCONNECT() | TF_REUSE_SOCKET());
            if (o != 0) {
                long n = provider.io().issue(sock, IoRequest.SEND, wsabufs.address(), count, o, 0, 0, null, 0, 0, 0, data, disconnect);
                if (n != OverlappedIo.PENDING && n < 0) {
                    return extensions.fail((int) -n); // nothing started: the arena is still this call's
                }
                data = null; // the request owns it now
                return n == OverlappedIo.PENDING ? extensions.fail(WSA_IO_PENDING()) : TRUE;
            }
            MemorySegment out = data.allocate(8, 4);
            if (provider.transferCalls.send(s, wsabufs.address(), count, out.address(), 0, 0, 0, 0, out.address() + 4) != 0) {
                return extensions.fail(out.get(ValueLayout.JAVA_INT, 4));
            }
            if (disconnect != 0) {
                int error = BaseExtensions.disconnect(sock, disconnect);
                if (error != 0) {
                    return extensions.fail(error);
                }
            }
            return TRUE;
        } finally {
            if (data != null) {
                data.close();
            }
        }
    }

    /**
     * The file's bytes from {@code offset} (-1: the file pointer, advanced past them), {@code want}
     * of them (0: to the end of the file; never past it), read into {@code into}; null when more
     * than {@link #MAX_FILE_BYTES}.
     */
    static MemorySegment read(FileChannel channel, long offset, long want, Arena into) throws java.io.IOException {
        long from = offset < 0 ? channel.position() : offset;
        long rest = Math.max(0, channel.size() - from);
        long n = want == 0 ? rest : Math.min(want, rest);
        if (n > MAX_FILE_BYTES) {
            return null;
        }
        MemorySegment bytes = into.allocate(Math.max(n, 1)).asSlice(0, n);
        ByteBuffer view = bytes.asByteBuffer();
        while (view.hasRemaining()) {
            if (channel.read(view, from + view.position()) < 0) {
                break; // the file shrank meanwhile: what was there
            }
        }
        if (offset < 0) {
            channel.position(from + view.position());
        }
        return bytes.asSlice(0, view.position());
    }
}
