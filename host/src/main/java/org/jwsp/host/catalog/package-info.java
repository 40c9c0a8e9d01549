/**
 * ws2_32 as a program and an installer see it: the Winsock {@link org.jwsp.host.catalog.Catalog}
 * (four base entries) and its five catalog exports under {@code procAddress("ws2_32.dll", ...)}
 * ({@code WSCEnumProtocols}, {@code WSCGetProviderPath}, {@code WSCInstallProvider},
 * {@code WSCDeinstallProvider}, {@code WSCWriteProviderOrder}); {@link org.jwsp.host.ws2.Ws2}, the
 * client calls, goes to the chosen provider's {@code WSPPROC_TABLE} through its native pointers.
 *
 * <p>A layered provider gets into this catalog the way it gets into Windows': jwsp's installer
 * ({@code org.jwsp.windows.install.Installer} and {@code LayeredInstall}, in the provider jar) calls
 * the catalog exports through their native pointers. The host's stand-in for the provider DLL is a
 * module of {@code LinuxKernelPort}'s registry:
 * <pre>{@code
 * LinuxKernelPort.instance().registerExport("C:\jwsp\jwsp.dll", "WSPStartup", LayeredProvider.startupStub());
 * try (InstalledLayer lsp = LayeredInstall.jwsp(Ws2CatalogExports.ofThisProcess(), "C:\jwsp\jwsp.dll", "jwsp");
 *      Ws2 ws2 = Ws2.startup(Catalog.system())) {
 *     long s = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED()); // jwsp's chain
 *     ...
 * }
 * }</pre>
 * The provider's {@code WSPStartup} receives the chain entry's {@code WSAPROTOCOL_INFOW} and the
 * host's upcall table; it finds the next provider as on Windows: {@code ChainEntries[1]}, then
 * {@code WSCEnumProtocols} and {@code WSCGetProviderPath} from {@code procAddress("ws2_32.dll", ...)},
 * then {@code procAddress(path, "WSPStartup")}.
 */
package org.jwsp.host.catalog;
