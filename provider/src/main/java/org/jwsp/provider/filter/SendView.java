package org.jwsp.provider.filter;

import java.lang.foreign.MemorySegment;

/**
 * A read-only, allocation-free view of one WSPSend for a {@link SendFilter}: the socket's
 * context and the captured WSABUF descriptors. The data buffers are the application's: jwsp
 * itself never reads them, and a filter reads them only by {@link #copyPayload}, which copies
 * into the filter's own memory. Valid only during {@link SendFilter#onSend} or
 * {@link SendFilter#onComplete}.
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

    /** WSABUF[i].len, a ULONG: 0 to 2^32 - 1 (a buffer of 2 GiB or more is valid). */
    long bufferLength(int i);

    /** The sum of the lengths: 0 to 2^32 - 1, what a DWORD byte count can report. */
    long totalBytes();

    /**
     * Bytes this send takes from a file besides its buffers: a {@code TransmitFile}'s file range
     * (its head and tail buffers are the view's buffers, in that order, and {@link #totalBytes}
     * counts only them; the file's bytes go out between the two and {@link #copyPayload} cannot
     * read them). 0 for every other send; -1 when the program asked for "the rest of the file"
     * ({@code nNumberOfBytesToWrite} 0), whose length jwsp does not ask the file for.
     */
    default long fileBytes() {
        return 0;
    }

    /** dwFlags (MSG_OOB 1, MSG_DONTROUTE 4). */
    int flags();

    /** The sockaddr given to WSPConnect, read-only (family 0 if none). */
    MemorySegment peer();

    /** Names this send for {@link SendFilters#release} (0 for a synchronous send). */
    long ticket();

    /** {@code System.nanoTime()} when jwsp accepted the send (before {@link SendFilter#onSend}). */
    long acceptedNanos();

    /** {@code Thread.threadId()} of the thread that called WSASend. */
    long callerThreadId();

    /**
     * Copies bytes {@code [offset, offset + length)} of the send's data (its WSABUFs in order, as
     * one run) into {@code into} at {@code intoOffset}. Reads the application's memory: call it
     * from {@link SendFilter#onComplete}, where the buffers are certainly still the application's
     * and unchanged (in {@link SendFilter#onSend} a send that is then refused was never sent).
     * Allocates nothing.
     *
     * @throws IndexOutOfBoundsException if the range is outside the send or {@code into}
     * @throws IllegalArgumentException  if {@code into} is read-only
     */
    void copyPayload(long offset, MemorySegment into, long intoOffset, long length);
}
