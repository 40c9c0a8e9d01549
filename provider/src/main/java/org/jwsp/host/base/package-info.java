/**
 * The host's base provider (msafd's place): {@link org.jwsp.host.base.BaseProvider} and its
 * {@code WSPPROC_TABLE} ({@code BaseProcTable}), socket life cycle ({@code SocketCalls}), data
 * ({@code TransferCalls}), options and controls ({@code OptionCalls}), and overlapped I/O over
 * io_uring ({@code OverlappedIo}, {@code IoRequest}, {@code RequestPool}, one send in flight per
 * {@code BaseSocket}).
 */
package org.jwsp.host.base;
