package org.jwsp.samples;

import java.lang.foreign.MemorySegment;

import org.jwsp.kernel.KernelPort;

/**
 * The part of ws2_32 (and, through {@link #kernel()}, of kernel32) the sample programs call, with
 * ws2_32's arguments and results: a function returns 0 or {@code SOCKET_ERROR} (a socket, or
 * {@code INVALID_SOCKET}) and {@link #lastError()} is {@code WSAGetLastError} of the calling
 * thread. Programs are written against this interface so that exactly one class,
 * {@link JwspOnHost}, knows they run on the Linux host; on Windows these would be the real
 * ws2_32 exports. Thread-safe as ws2_32 is.
 */
public interface Winsock {

    /** {@code WSAGetLastError}. */
    int lastError();

    /** {@code WSASocketW(af, type, protocol, NULL, 0, flags)}. */
    long socket(int af, int type, int protocol, int flags);

    int bind(long s, MemorySegment name, int namelen);

    int connect(long s, MemorySegment name, int namelen);

    /** {@code getsockname}: the socket's local address into {@code name}, its length in and out through {@code namelen}. */
    int getsockname(long s, MemorySegment name, MemorySegment namelen);

    /** {@code WSASend}. */
    int send(long s, MemorySegment buffers, int count, MemorySegment bytesSent, int flags, MemorySegment overlapped,
             MemorySegment routine);

    /** {@code WSASendTo}. */
    int sendTo(long s, MemorySegment buffers, int count, MemorySegment bytesSent, int flags, MemorySegment to, int tolen,
               MemorySegment overlapped, MemorySegment routine);

    /** {@code WSARecv}. */
    int recv(long s, MemorySegment buffers, int count, MemorySegment bytesReceived, MemorySegment flags,
             MemorySegment overlapped, MemorySegment routine);

    boolean getOverlappedResult(long s, MemorySegment overlapped, MemorySegment bytes, boolean wait, MemorySegment flags);

    int setsockopt(long s, int level, int name, MemorySegment value, int length);

    int shutdown(long s, int how);

    int closesocket(long s);

    /** {@code WSACreateEvent}: a manual-reset event handle. */
    long createEvent();

    boolean resetEvent(long event);

    boolean closeEvent(long event);

    /** {@code WSAWaitForMultipleEvents} on one event: {@link KernelPort#WAIT_OBJECT_0}, a timeout or an I/O completion. */
    int waitForEvent(long event, int timeoutMillis, boolean alertable);

    /** kernel32's {@code SleepEx}. */
    int sleepEx(int timeoutMillis, boolean alertable);

    /** kernel32's completion ports and handles. */
    KernelPort kernel();

    /** Whether jwsp (rather than the base provider alone) serves socket {@code s}. */
    boolean throughJwsp(long s);
}
