/**
 * ws2_32 as a program sees it: the Winsock {@link org.jwsp.host.catalog.Catalog} (base entries;
 * {@code install} adds a layered provider and its protocol chains) and
 * {@link org.jwsp.host.ws2.Ws2}, the client calls, each going to the chosen provider's
 * {@code WSPPROC_TABLE} through its native function pointers.
 *
 * <p>Installing a layered provider over the base TCP/IPv4 entry and driving it as a program would:
 * <pre>{@code
 * MemorySegment startup = LPWSPSTARTUP.allocate(myProvider::wspStartup, arena);   // or a C symbol
 * try (InstalledProvider lsp = Catalog.system().install("C:\\jwsp\\jwsp.dll", startup, JWSP_GUID,
 *          "jwsp over TCP/IP", Catalog.BASE_TCP_V4);
 *      Ws2 ws2 = Ws2.startup(Catalog.system())) {
 *     long s = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED()); // the chain
 *     ws2.connect(s, SockAddr.loopback(AF_INET(), port, arena), 16);
 *     ws2.send(s, wsabufs, n, MemorySegment.NULL, 0, overlapped, completionRoutine);     // WSA_IO_PENDING
 *     ws2.sleepEx(KernelPort.INFINITE, true);                                             // routine runs
 *     ws2.closesocket(s);
 * }
 * }</pre>
 * The provider's {@code WSPStartup} receives the chain entry's {@code WSAPROTOCOL_INFOW} and the
 * host's upcall table; it finds the next provider as on Windows: {@code ChainEntries[1]}, then
 * {@code WSCEnumProtocols} and {@code WSCGetProviderPath} from {@code procAddress("ws2_32.dll", ...)},
 * then {@code procAddress(path, "WSPStartup")}.
 */
package org.jwsp.host.catalog;
