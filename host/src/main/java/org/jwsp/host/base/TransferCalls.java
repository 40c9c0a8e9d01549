package org.jwsp.host.base;

import org.jwsp.bindings.CallerMemory;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.linux.iovec;
import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.msghdr;
import org.jwsp.bindings.linux.sockaddr_storage;
import org.jwsp.host.kernel.Libc;
import org.jwsp.host.upcall.OverlappedStatus;
import org.jwsp.host.upcall.UpcallFaults;
import org.jwsp.host.upcall.WsaErrors;
import org.jwsp.kernel.KernelPort;

/**
 * The base provider's data entries: {@code WSPSend}, {@code WSPSendTo}, {@code WSPRecv},
 * {@code WSPRecvFrom} and {@code WSPGetOverlappedResult}. An operation is overlapped when the socket was created with
 * {@code WSA_FLAG_OVERLAPPED} and {@code lpOverlapped} or {@code lpCompletionRoutine} is given
 * (then it goes to {@link OverlappedIo}: it answers 0 with the count when the kernel could do it at
 * once, else {@code WSA_IO_PENDING}; either way its completion is indicated); otherwise it is a
 * synchronous {@code sendmsg}/{@code recvmsg} on the caller's thread, blocking or not as the
 * socket's {@code FIONBIO} mode says. Upcall bodies: caller's thread, every Throwable caught.
 *
 * <p>Validation, one code each: unknown handle {@code WSAENOTSOCK}; null buffers with a count,
 * null {@code lpNumberOfBytes*} on a synchronous call, null {@code lpFlags}, an overlapped call
 * with no {@code OVERLAPPED} (or one not 8-byte aligned), a completion routine with no
 * {@code WSATHREADID}: {@code WSAEFAULT}; more than {@link RequestPool#MAX_BUFFERS} buffers
 * {@code WSAENOBUFS}; {@code MSG_OOB}/{@code MSG_PARTIAL} {@code WSAEOPNOTSUPP}; after shutdown
 * {@code WSAESHUTDOWN}; not connected {@code WSAENOTCONN}.
 */
final class TransferCalls {


    private final BaseProvider provider;

    TransferCalls(BaseProvider provider) {
        this.provider = provider;
    }

    /**
     * {@code WSPSend}, its stub made from {@link org.jwsp.bindings.AddressSignatures#LPWSPSEND}: pointers
     * arrive as addresses, so no segment is materialised per send, whatever the JIT inlines.
     */
    int send(long s, long lpBuffers, int count, long lpSent, int dwFlags, long lpOverlapped, long routine, long lpThreadId,
             long lpErrno) {
        try {
            return transfer(IoRequest.SEND, s, lpBuffers, count, lpSent, dwFlags, lpOverlapped, routine, lpThreadId, lpErrno,
                    0, 0, 0);
        } catch (Throwable t) {
            UpcallFaults.report("WSPSend", t, MemorySegment.ofAddress(lpErrno));
            return SOCKET_ERROR();
        }
    }

    int sendTo(long s, MemorySegment lpBuffers, int count, MemorySegment lpSent, int dwFlags, MemorySegment lpTo, int toLen,
               MemorySegment lpOverlapped, MemorySegment routine, MemorySegment lpThreadId, MemorySegment lpErrno) {
        try {
            return transfer(IoRequest.SEND, s, lpBuffers.address(), count, lpSent.address(), dwFlags, lpOverlapped.address(),
                    routine.address(), lpThreadId.address(), lpErrno.address(), lpTo.address(), toLen, 0);
        } catch (Throwable t) {
            UpcallFaults.report("WSPSendTo", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    int recv(long s, MemorySegment lpBuffers, int count, MemorySegment lpReceived, MemorySegment lpFlags,
             MemorySegment lpOverlapped, MemorySegment routine, MemorySegment lpThreadId, MemorySegment lpErrno) {
        try {
            return receive(s, lpBuffers.address(), count, lpReceived.address(), lpFlags.address(), 0, 0,
                    lpOverlapped.address(), routine.address(), lpThreadId.address(), lpErrno.address());
        } catch (Throwable t) {
            UpcallFaults.report("WSPRecv", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    /**
     * {@code WSPRecvFrom}: {@code WSPRecv} that also fills {@code lpFrom}/{@code lpFromlen} with the
     * sender's address (datagram sockets; ignored on a stream, as Winsock does). {@code lpFrom}
     * with a null or too small {@code lpFromlen} is {@code WSAEFAULT}.
     */
    int recvFrom(long s, MemorySegment lpBuffers, int count, MemorySegment lpReceived, MemorySegment lpFlags,
                 MemorySegment lpFrom, MemorySegment lpFromlen, MemorySegment lpOverlapped, MemorySegment routine,
                 MemorySegment lpThreadId, MemorySegment lpErrno) {
        try {
            return receive(s, lpBuffers.address(), count, lpReceived.address(), lpFlags.address(), lpFrom.address(),
                    lpFromlen.address(), lpOverlapped.address(), routine.address(), lpThreadId.address(), lpErrno.address());
        } catch (Throwable t) {
            UpcallFaults.report("WSPRecvFrom", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    private int receive(long s, long lpBuffers, int count, long lpReceived, long flags, long lpFrom, long lpFromlen,
                        long lpOverlapped, long routine, long lpThreadId, long lpErrno) {
        if (flags == 0) {
            return fail(lpErrno, WSAEFAULT());
        }
        int r = transfer(IoRequest.RECEIVE, s, lpBuffers, count, lpReceived, CallerMemory.getInt(flags),
                lpOverlapped, routine, lpThreadId, lpErrno, lpFrom, 0, lpFromlen);
        if (r == 0) {
            CallerMemory.putInt(flags, 0);
        }
        return r;
    }

    private static int fail(MemorySegment lpErrno, int code) {
        return fail(lpErrno.address(), code);
    }

    /** {@code SOCKET_ERROR} with {@code code} in the caller's {@code lpErrno} (an address). */
    private static int fail(long lpErrno, int code) {
        WsaErrors.set(lpErrno, code);
        return SOCKET_ERROR();
    }

    /**
     * <em>Hot.</em> The common body of send, sendto, receive and recvfrom, on the caller's addresses
     * (the upcall adapters above pass {@code .address()} of their arguments, so no segment made for
     * this call escapes into this method). {@code lpTo}/{@code toLen} is sendto's destination;
     * {@code lpTo}/{@code lpFromlen} recvfrom's source buffer and its in/out length.
     */
    private int transfer(int kind, long s, long lpBuffers, int count, long lpBytes, int dwFlags, long lpOverlapped,
                         long routine, long lpThreadId, long lpErrno, long lpTo, int toLen, long lpFromlen) {
        int rc = transferOnce(kind, s, lpBuffers, count, lpBytes, dwFlags, lpOverlapped, routine, lpThreadId, lpErrno, lpTo,
                toLen, lpFromlen);
        if (provider.networkEvents.anySelected()) {
            // WSPAsyncSelect's re-enabling calls: a receive re-enables FD_READ, a send that would block FD_WRITE
            boolean send = kind == IoRequest.SEND;
            boolean wouldBlock = rc != 0 && lpErrno != 0 && CallerMemory.getInt(lpErrno) == WSAEWOULDBLOCK();
            if (!send || wouldBlock) {
                provider.networkEvents.reenable(provider.sockets.find(s), send ? FD_WRITE() : FD_READ());
            }
        }
        return rc;
    }

    private int transferOnce(int kind, long s, long lpBuffers, int count, long lpBytes, int dwFlags, long lpOverlapped,
                             long routine, long lpThreadId, long lpErrno, long lpTo, int toLen, long lpFromlen) {
        BaseSocket sock = provider.sockets.acquire(s);
        if (sock == null) {
            return fail(lpErrno, WSAENOTSOCK());
        }
        try {
            if (count < 0 || count > RequestPool.MAX_BUFFERS) {
                return fail(lpErrno, WSAENOBUFS());
            }
            if (lpBuffers == 0 && count > 0) {
                return fail(lpErrno, WSAEFAULT());
            }
            if ((dwFlags & (MSG_OOB() | MSG_PARTIAL())) != 0) {
                return fail(lpErrno, WSAEOPNOTSUPP());
            }
            boolean send = kind == IoRequest.SEND;
            if (send ? sock.sendShut : sock.receiveShut) {
                return fail(lpErrno, WSAESHUTDOWN());
            }
            if (!sock.connected && sock.connecting) {
                SocketCalls.settleConnect(sock);
            }
            boolean addressed = send && lpTo != 0 && !sock.isStream();
            if (!send && !sock.isStream() && !sock.bound) {
                return fail(lpErrno, WSAEINVAL()); // a datagram socket receives once it has an address
            }
            if (!sock.connected && !addressed && (send || sock.isStream())) {
                return fail(lpErrno, WSAENOTCONN());
            }
            MemorySegment to = null;
            int toLength = 0;
            if (addressed) {
                to = CallScratch.current().address;
                toLength = SockAddrs.toLinux(MemorySegment.ofAddress(lpTo), toLen, sock.af, to);
                if (toLength < 0) {
                    return fail(lpErrno, -toLength);
                }
            }
            boolean from = !send && lpTo != 0 && !sock.isStream();
            if (from) {
                if (lpFromlen == 0 || CallerMemory.getInt(lpFromlen) < SockAddrs.windowsSize(sock.af)) {
                    return fail(lpErrno, WSAEFAULT());
                }
                to = CallScratch.current().address; // the kernel writes the source here (msg_name)
                toLength = (int) sockaddr_storage.sizeof();
            }
            if (sock.overlapped && (lpOverlapped != 0 || routine != 0)) {
                if (lpOverlapped == 0 || (lpOverlapped & 7) != 0 || (routine != 0 && lpThreadId == 0)) {
                    return fail(lpErrno, WSAEFAULT());
                }
                long e = provider.io().issue(sock, kind, lpBuffers, count, lpOverlapped, routine, lpThreadId, to, toLength,
                        from ? lpTo : 0, from ? lpFromlen : 0);
                if (e >= 0) {
                    // completed at once, its completion already indicated (as Windows does)
                    if (lpBytes != 0) {
                        CallerMemory.putInt(lpBytes, (int) e);
                    }
                    return 0;
                }
                return fail(lpErrno, e == OverlappedIo.PENDING ? WSA_IO_PENDING() : (int) -e);
            }
            if (lpBytes == 0) {
                return fail(lpErrno, WSAEFAULT());
            }
            long r = synchronous(sock, send, lpBuffers, count, dwFlags, to, toLength);
            if (r < 0) {
                return fail(lpErrno, sock.closing() ? WSAEINTR() : (int) -r);
            }
            if (addressed) {
                sock.bound = true; // the first sendto binds implicitly
            }
            if (from) {
                SockAddrs.toWindows(to, MemorySegment.ofAddress(lpTo), MemorySegment.ofAddress(lpFromlen));
            }
            CallerMemory.putInt(lpBytes, (int) r);
            return 0;
        } finally {
            sock.release(); // the fd stays open (and its number ours) until every call inside it left
        }
    }

    /** One {@code sendmsg}/{@code recvmsg}; bytes, or {@code -WSAE code}. */
    private static long synchronous(BaseSocket sock, boolean send, long buffers, int count, int dwFlags,
                                    MemorySegment to, int toLength) {
        CallScratch scratch = CallScratch.current();
        try (Arena big = count > CallScratch.INLINE_BUFFERS ? Arena.ofConfined() : null) {
            MemorySegment iov = big == null ? scratch.iov : iovec.allocateArray(count, big);
            if (!IovecCapture.capture(buffers, count, iov, scratch.message)) {
                return -WSAEFAULT();
            }
            if (to != null) {
                scratch.message.set(ValueLayout.JAVA_LONG, msghdr.msg_name$offset(), to.address());
                msghdr.msg_namelen(scratch.message, toLength);
            }
            int flags = linux_h.MSG_NOSIGNAL() | (sock.nonBlocking ? linux_h.MSG_DONTWAIT() : 0);
            if (!send) {
                flags |= (dwFlags & MSG_PEEK()) != 0 ? linux_h.MSG_PEEK() : 0;
                flags |= (dwFlags & MSG_WAITALL()) != 0 ? linux_h.MSG_WAITALL() : 0;
            } else {
                flags |= (dwFlags & MSG_DONTROUTE()) != 0 ? linux_h.MSG_DONTROUTE() : 0;
            }
            long r = send ? Libc.sendmsg(sock.fd, scratch.message, flags) : Libc.recvmsg(sock.fd, scratch.message, flags);
            while (r == -linux_h.EINTR() && !sock.nonBlocking && !sock.closing()) {
                // a signal to this thread, not to the program: a call with SO_RCVTIMEO/SO_SNDTIMEO
                // is not restarted by the kernel; Winsock has no such interruption
                r = send ? Libc.sendmsg(sock.fd, scratch.message, flags) : Libc.recvmsg(sock.fd, scratch.message, flags);
            }
            boolean whole = send || ((flags & linux_h.MSG_WAITALL()) != 0 && (flags & linux_h.MSG_PEEK()) == 0);
            if (whole && sock.isStream() && !sock.nonBlocking && (r > 0 || r == -linux_h.EINTR())) {
                r = rest(sock.fd, send, scratch.message, iov, count, flags, Math.max(r, 0));
            }
            if (r == -linux_h.EAGAIN() && !sock.nonBlocking) {
                return -WSAETIMEDOUT(); // a blocking call that SO_SNDTIMEO/SO_RCVTIMEO ended, as Winsock says it
            }
            if (r < 0) {
                return -WsaErrors.fromErrno((int) -r);
            }
            if (!send && !sock.isStream() && (msghdr.msg_flags(scratch.message) & linux_h.MSG_TRUNC()) != 0) {
                return -WSAEMSGSIZE(); // datagram larger than the buffers: Winsock's WSAEMSGSIZE
            }
            if (!send && r == 0 && sock.closing()) {
                return -WSAEINTR(); // a blocking receive ended by closesocket on another thread
            }
            return r;
        }
    }

    /**
     * The rest of a blocking stream transfer that must be whole (a send; a receive with
     * {@code MSG_WAITALL}) of which the first call moved {@code done} bytes. Linux returns a
     * partial count when a signal reaches the thread mid-call (a JVM's threads take signals:
     * profilers', the runtime's own); Winsock's blocking send returns when all is sent or it
     * failed, and its {@code MSG_WAITALL} receive when the buffers are full, the peer closed, or it
     * failed. The iovecs already done are dropped and the first partly done one trimmed, in
     * {@code iov} (this call's copy, never the caller's array), until all is moved.
     *
     * @return the bytes moved in all; or {@code -errno} of a send that failed (a receive that
     *         fails or meets the end of the stream after some bytes returns those bytes)
     */
    private static long rest(int fd, boolean send, MemorySegment message, MemorySegment iov, int count, int flags, long done) {
        long total = done;
        long skip = done;
        int first = 0;
        while (true) {
            long v = first * iovec.sizeof();
            while (first < count && skip >= iov.get(iovec.iov_len$layout(), v + iovec.iov_len$offset())) {
                skip -= iov.get(iovec.iov_len$layout(), v + iovec.iov_len$offset());
                first++;
                v += iovec.sizeof();
            }
            if (first == count) {
                return total;
            }
            iov.set(ValueLayout.JAVA_LONG, v + iovec.iov_base$offset(), iov.get(ValueLayout.JAVA_LONG, v + iovec.iov_base$offset()) + skip);
            iov.set(iovec.iov_len$layout(), v + iovec.iov_len$offset(), iov.get(iovec.iov_len$layout(), v + iovec.iov_len$offset()) - skip);
            message.set(ValueLayout.JAVA_LONG, msghdr.msg_iov$offset(), iov.address() + v);
            msghdr.msg_iovlen(message, count - first);
            long r = send ? Libc.sendmsg(fd, message, flags) : Libc.recvmsg(fd, message, flags);
            if (r == -linux_h.EINTR()) {
                skip = 0;
                continue;
            }
            if (r < 0 && (send || total == 0)) {
                return r;
            }
            if (r <= 0) {
                return total; // a receive met the end of the stream, or failed after moving bytes
            }
            total += r;
            skip = r;
        }
    }

    /**
     * {@code WSPGetOverlappedResult}. With {@code fWait} and the operation pending it waits for
     * it: on {@code hEvent} if there is one, else on the socket itself, as Windows does (Wine's
     * {@code WSAGetOverlappedResult} waits on {@code hEvent ? hEvent : SOCKET2HANDLE(s)}; a file
     * handle is signalled when an I/O on it completes), here {@link BaseSocket#awaitCompletion}.
     * A wait on a socket whose close has begun still ends: close aborts its operations. A wait
     * is not alertable. Limitation: the status of an operation on a socket associated with a
     * program's port is written when that port is dequeued, so such a wait needs another thread
     * dequeuing the port (on Windows the kernel writes it without a dequeue).
     */
    int getOverlappedResult(long s, long lpOverlapped, long lpcbTransfer, int fWait, long lpdwFlags, long lpErrno) {
        BaseSocket sock = null;
        try {
            sock = provider.sockets.acquire(s);
            if (sock == null) {
                fail(lpErrno, WSAENOTSOCK());
                return FALSE();
            }
            if (lpOverlapped == 0 || lpcbTransfer == 0 || lpdwFlags == 0) {
                fail(lpErrno, WSAEFAULT());
                return FALSE();
            }
            long ov = lpOverlapped;
            if ((ov & 7) != 0) {
                fail(lpErrno, WSAEFAULT());
                return FALSE();
            }
            if (OverlappedStatus.isPending(ov)) {
                long event = OverlappedStatus.event(OverlappedStatus.eventWord(ov));
                if (fWait == 0) {
                    fail(lpErrno, WSA_IO_INCOMPLETE());
                    return FALSE();
                }
                if (event == 0) {
                    sock.awaitCompletion(ov);
                }
                while (OverlappedStatus.isPending(ov)) {
                    if (provider.kernel.waitForSingleObject(event, KernelPort.INFINITE, false) == KernelPort.WAIT_FAILED) {
                        fail(lpErrno, WSA_INVALID_HANDLE());
                        return FALSE();
                    }
                }
            }
            CallerMemory.putInt(lpcbTransfer, OverlappedStatus.bytes(ov));
            CallerMemory.putInt(lpdwFlags, 0);
            int error = OverlappedStatus.error(ov);
            if (error != 0) {
                fail(lpErrno, error);
                return FALSE();
            }
            return TRUE();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(lpErrno, WSAEINTR());
            return FALSE();
        } catch (Throwable t) {
            UpcallFaults.report("WSPGetOverlappedResult", t, lpErrno);
            return FALSE();
        } finally {
            BaseSocket.release(sock);
        }
    }
}
