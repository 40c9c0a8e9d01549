/**
 * The host's base provider (msafd's place): {@link org.jwsp.host.base.BaseProvider} and its
 * {@code WSPPROC_TABLE} ({@code BaseProcTable}), socket life cycle ({@code SocketCalls}), data
 * ({@code TransferCalls}), options and controls ({@code OptionCalls}, with the Windows/Linux option
 * translation in {@code SocketOptions}), and overlapped I/O over io_uring ({@code OverlappedIo},
 * {@code IoRequest}, {@code RequestPool}, one send in flight per {@code BaseSocket}), which first
 * tries to complete at once what the kernel can do at once, as Windows does ({@code AtOnce}).
 *
 * <p>Socket lifetime: every proc-table call on a socket holds a reference on its {@code BaseSocket}
 * (one atomic in, one out); {@code WSPCloseSocket} marks it closing (new calls answer
 * {@code WSAENOTSOCK}), aborts and shuts it down (blocked calls return {@code WSAEINTR}), and the
 * last reference closes the fd, so a late call never reaches a reused fd number.
 */
package org.jwsp.host.base;
