package org.jwsp.provider.filter;

import java.lang.foreign.MemorySegment;

/**
 * A read-only, allocation-free view of one WSPSend for a {@link SendFilter}: the socket's
 * context and the captured WSABUF descriptors (lengths only: the data buffers are the
 * application's and jwsp never reads them). Valid only during {@link SendFilter#onSend}.
 */
public interface SendView {

    /** The socket handle the application used. */
    long socket();

    /** SOCK_STREAM (1), SOCK_DGRAM (2), ... as given to WSPSocket. */
    int socketType();

    /** AF_INET (2), AF_INET6 (23), ... */
    int addressFamily();

    int protocol();

    /** The socket was created with WSA_FLAG_OVERLAPPED and this send is overlapped. */
    boolean overlapped();

    boolean nonBlocking();

    /** A WSPConnect or WSPAccept went through for this socket. */
    boolean connected();

    /** SO_MAX_MSG_SIZE for a message-oriented socket, Integer.MAX_VALUE for a stream. */
    int maxMessageSize();

    /** dwBufferCount. */
    int bufferCount();

    /** WSABUF[i].len. */
    int bufferLength(int i);

    /** The sum of the lengths. */
    long totalBytes();

    /** dwFlags (MSG_OOB 1, MSG_DONTROUTE 4). */
    int flags();

    /** The sockaddr given to WSPConnect, read-only (family 0 if none). */
    MemorySegment peer();

    /** Names this send for {@link SendFilters#release} (0 for a synchronous send). */
    long ticket();
}
