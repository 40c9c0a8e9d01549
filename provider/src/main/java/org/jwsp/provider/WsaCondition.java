package org.jwsp.provider;

import static org.jwsp.bindings.windows.ws2spi_h.*;

/**
 * The one error table of the provider: every condition jwsp itself detects, with the single
 * WSAE code it answers. Codes the lower provider answers are passed up unchanged (the lower
 * provider already speaks Winsock); only conditions jwsp decides are listed here.
 *
 * <p>The seed's table gives meanings without names; the names are those of Microsoft's
 * LPWSPSEND page. CONTRACT.md documents the choices where the seed is silent or contradicts
 * itself. Immutable; read by every thread.
 */
public enum WsaCondition {
    /** The handle is not a jwsp socket (WPUQuerySocketHandleContext refused it, or it is stale). */
    NOT_A_SOCKET(WSAENOTSOCK()),
    /** lpBuffers is not a plausible pointer to dwBufferCount WSABUFs, or a WSABUF with len &gt; 0 has a buf outside user space. */
    BUFFERS_NOT_IN_USER_SPACE(WSAEFAULT()),
    /** An overlapped call whose lpOverlapped is null or not a plausible OVERLAPPED pointer. */
    OVERLAPPED_MISSING(WSAEFAULT()),
    /** A completion routine outside user space, or without a plausible lpThreadId for WPUQueueApc. */
    THREAD_ID_MISSING(WSAEFAULT()),
    /** lpNumberOfBytesSent is not plausible (null on a synchronous send; non-null and implausible on an overlapped one). */
    BYTES_SENT_MISSING(WSAEFAULT()),
    /** MSG_OOB on a socket that is not stream-style. */
    OOB_ON_NON_STREAM(WSAEOPNOTSUPP()),
    /** MSG_PARTIAL: jwsp does not support partial messages. */
    PARTIAL_NOT_SUPPORTED(WSAEOPNOTSUPP()),
    /** WSPShutdown with SD_SEND or SD_BOTH went through this socket before. */
    SHUT_DOWN(WSAESHUTDOWN()),
    /** Overlapped: every pooled OverlappedRequest is in use ("too many outstanding overlapped I/O requests"). */
    TOO_MANY_OUTSTANDING(WSAEWOULDBLOCK()),
    /** Nonoverlapped nonblocking socket with overlapped sends of jwsp still queued ahead of it. */
    WOULD_BLOCK_BEHIND_QUEUE(WSAEWOULDBLOCK()),
    /** Message-oriented socket and the message exceeds SO_MAX_MSG_SIZE: nothing is sent. */
    MESSAGE_TOO_LARGE(WSAEMSGSIZE()),
    /** dwFlags has bits other than MSG_DONTROUTE | MSG_OOB | MSG_PARTIAL. */
    UNKNOWN_FLAGS(WSAEINVAL()),
    /**
     * The WSABUF lengths total more than 2^32 - 1, what a DWORD byte count can report (each length
     * is a ULONG and may be 2 GiB or more; see {@link WsaBufCapture#MAX_TOTAL}).
     */
    TOTAL_OVER_DWORD(WSAEINVAL()),
    /** More WSABUFs than one capture holds ({@link OverlappedRequest#CAPACITY}; 1024 for a synchronous send). */
    TOO_MANY_BUFFERS(WSAENOBUFS()),
    /** A filter returned a code that is not a Winsock error (0 &lt; code &lt; 10000, not WSA_*). */
    FILTER_GAVE_NO_WSAE_CODE(WSAEINVAL()),
    /** Overlapped operation initiated; completion will be indicated later. */
    PENDING(WSA_IO_PENDING()),
    /** The send was still queued in jwsp when the socket was closed or SIO_FLUSH ran. */
    ABORTED(WSA_OPERATION_ABORTED()),
    /**
     * A stream socket's send order is broken: the lower provider refused, at issue, a send jwsp
     * had already accepted (or failed one at completion), so the sends queued behind it and every
     * later send fail rather than leave a hole in the stream.
     */
    STREAM_BROKEN(WSAECONNABORTED()),
    /** WSPGetOverlappedResult on an operation not complete yet, without fWait. */
    INCOMPLETE(WSA_IO_INCOMPLETE()),
    /** WSPStartup with a version below 2.2. */
    VERSION_NOT_SUPPORTED(WSAVERNOTSUPPORTED()),
    /** WSPStartup could not find, load or start the next provider of the protocol chain. */
    PROVIDER_FAILED_INIT(WSAEPROVIDERFAILEDINIT()),
    /** Every socket slot of jwsp is in use. */
    TOO_MANY_SOCKETS(WSAEMFILE()),
    /** The lower provider answered SOCKET_ERROR (or FALSE) without writing lpErrno. */
    LOWER_GAVE_NO_CODE(WSAENETDOWN()),
    /** The lower provider failed with a code that is no Winsock error (not WSAE*, not a WSA_* one). */
    LOWER_GAVE_UNKNOWN_CODE(WSAENETDOWN()),
    /**
     * An operation completed at once, but WPUQueueApc refused its completion routine: no
     * indication can reach the caller, so the call is no success (the OVERLAPPED holds the result).
     */
    ROUTINE_NOT_QUEUED(WSAENETDOWN()),
    /** An unexpected Throwable inside an upcall: the provider's part of the network subsystem failed. */
    PROVIDER_FAULT(WSAENETDOWN()),
    /** WSPAsyncSelect with events for a window that is not one (IsWindow says no). */
    NOT_A_WINDOW(WSAEINVAL()),
    /** WSPAsyncSelect, but jwsp could not make its own window (no user32 here). */
    NO_MESSAGE_WINDOW(WSAENETDOWN()),
    /** An entry called before WSPStartup or after the last WSPCleanup. */
    NOT_STARTED(WSANOTINITIALISED());

    private final int code;

    WsaCondition(int code) {
        this.code = code;
    }

    /** The Winsock error code this condition answers. */
    public int code() {
        return code;
    }
}
