/**
 * The Linux host: what stands where ws2_32, the base provider (msafd) and kernel32 stand on
 * Windows, built from real Linux primitives, so that a provider runs, is tested and is benchmarked
 * here exactly as it would be there, calling the world only through native tables.
 *
 * <ul>
 *   <li>{@link org.jwsp.host.kernel} — kernel32: {@code LinuxKernelPort} (completion ports are
 *       io_uring instances, events are eventfds, per-thread APC queues run in alertable waits,
 *       thread handles, a module registry behind {@code procAddress}).</li>
 *   <li>{@link org.jwsp.host.upcall} — ws2_32 towards providers: the {@code WSPUPCALLTABLE}
 *       ({@code Ws2UpcallTable}), the exports found by name ({@code Ws2Exports}:
 *       {@code WPUCompleteOverlappedRequest}), the errno→WSAE table ({@code WsaErrors}) and the
 *       {@code OVERLAPPED} convention ({@code OverlappedStatus}).</li>
 *   <li>{@link org.jwsp.host.base} — msafd: {@code BaseProvider}, TCP/UDP over Linux sockets,
 *       overlapped I/O as io_uring {@code SENDMSG}/{@code RECVMSG}.</li>
 *   <li>{@link org.jwsp.host.catalog} — ws2_32's Winsock {@code Catalog} (install a layered
 *       provider here) and its catalog exports.</li>
 *   <li>{@link org.jwsp.host.ws2} — ws2_32 towards programs: {@code Ws2}, the calls a program
 *       makes ({@code WSAStartup}, {@code WSASocketW}, {@code WSASend}, ...).</li>
 * </ul>
 *
 * <p>{@link org.jwsp.host.LinuxHost} registers the host with {@link java.util.ServiceLoader} as the
 * kernel port of Linux ({@code KernelPort.system()}). The host uses nothing of the provider jar but
 * the kernel-port interface ({@code org.jwsp.kernel}); the architecture test holds that.
 *
 * <p>Module names {@code procAddress} knows: {@code "ws2_32.dll"} ({@code WPUCompleteOverlappedRequest},
 * {@code WSCEnumProtocols}, {@code WSCGetProviderPath}, {@code WSCInstallProvider},
 * {@code WSCDeinstallProvider}, {@code WSCWriteProviderOrder}), {@code "kernel32.dll"} ({@code SleepEx},
 * {@code WaitForSingleObjectEx}, {@code GetCurrentThreadId}), {@code BaseProvider.MODULE}
 * ({@code WSPStartup}) and every module registered with {@code LinuxKernelPort.registerExport}
 * (a layered provider's "DLL", which the installer then names in {@code WSCInstallProvider}).
 */
package org.jwsp.host;
