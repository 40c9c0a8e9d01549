package org.jwsp.host.catalog;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jwsp.bindings.windows.LPWPUGETPROVIDERPATH;
import org.jwsp.bindings.windows.WSAPROTOCOLCHAIN;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.host.base.BaseProvider;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.host.upcall.UpcallFaults;
import org.jwsp.host.upcall.WsaErrors;
import org.jwsp.host.upcall.Ws2Exports;

/**
 * The host's Winsock catalog: the ordered list of {@link CatalogEntry}s that {@code WSCEnumProtocols}
 * returns and {@code Ws2.socket} chooses from (first match wins, as on Windows). It starts with the
 * four base entries (TCP and UDP over IPv4 and IPv6, provider {@link BaseProvider}); a layered
 * provider is installed over them with {@link #install}, which adds its hidden layered entry and one
 * protocol chain per entry it layers over, in front of the catalog.
 *
 * <p>Also answers the two ws2_32 exports a layered provider uses to find the next provider of its
 * chain, registered under {@code procAddress("ws2_32.dll", ...)}: {@code WSCEnumProtocols} and
 * {@code WSCGetProviderPath}.
 *
 * <p>One per process ({@link #system()}); thread-safe (copy-on-write list). Each entry owns its native
 * {@code WSAPROTOCOL_INFOW}; the export stubs live for the process.
 */
public final class Catalog {

    /** The base provider's GUID (MSAFD Tcpip's). */
    public static final UUID BASE_PROVIDER_ID = UUID.fromString("e70f1aa0-ab8b-11cf-8ca3-00805f48a192");
    /** Catalog ids of the base entries. */
    public static final int BASE_TCP_V4 = 1001, BASE_UDP_V4 = 1002, BASE_TCP_V6 = 1003, BASE_UDP_V6 = 1004;

    private static final Catalog SYSTEM = new Catalog();

    private final List<CatalogEntry> entries = new CopyOnWriteArrayList<>();
    private int nextId = 1005;

    private Catalog() {
        BaseProvider.register();
        addBase(BASE_TCP_V4, AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), "MSAFD Tcpip [TCP/IP]");
        addBase(BASE_UDP_V4, AF_INET(), SOCK_DGRAM(), IPPROTO_UDP(), "MSAFD Tcpip [UDP/IP]");
        addBase(BASE_TCP_V6, AF_INET6(), SOCK_STREAM(), IPPROTO_TCP(), "MSAFD Tcpip [TCP/IPv6]");
        addBase(BASE_UDP_V6, AF_INET6(), SOCK_DGRAM(), IPPROTO_UDP(), "MSAFD Tcpip [UDP/IPv6]");
        CatalogExports.register(this);
    }

    /** The process's catalog. */
    public static Catalog system() {
        return SYSTEM;
    }

    private void addBase(int id, int af, int type, int protocol, String name) {
        CatalogEntry e = new CatalogEntry(BaseProvider.MODULE);
        MemorySegment i = e.protocolInfo();
        boolean stream = type == SOCK_STREAM();
        // msafd's entries carry XP1_IFS_HANDLES; a program (libuv) reads it to pick its completion mode
        WSAPROTOCOL_INFOW.dwServiceFlags1(i, XP1_IFS_HANDLES() | (stream ? XP1_GUARANTEED_ORDER() : XP1_MESSAGE_ORIENTED()));
        WSAPROTOCOL_INFOW.dwProviderFlags(i, PFL_MATCHES_PROTOCOL_ZERO());
        Guids.write(BASE_PROVIDER_ID, WSAPROTOCOL_INFOW.ProviderId(i));
        WSAPROTOCOL_INFOW.dwCatalogEntryId(i, id);
        MemorySegment chain = WSAPROTOCOL_INFOW.ProtocolChain(i);
        WSAPROTOCOLCHAIN.ChainLen(chain, BASE_PROTOCOL());
        WSAPROTOCOLCHAIN.ChainEntries(chain, 0, id);
        WSAPROTOCOL_INFOW.iVersion(i, 2);
        WSAPROTOCOL_INFOW.iAddressFamily(i, af);
        int size = af == AF_INET6() ? 28 : 16;
        WSAPROTOCOL_INFOW.iMaxSockAddr(i, size);
        WSAPROTOCOL_INFOW.iMinSockAddr(i, size);
        WSAPROTOCOL_INFOW.iSocketType(i, type);
        WSAPROTOCOL_INFOW.iProtocol(i, protocol);
        WSAPROTOCOL_INFOW.dwMessageSize(i, stream ? 0 : af == AF_INET6() ? 65527 : 65507);
        e.setName(name);
        entries.add(e);
    }

    /** The entries in catalog order (a snapshot). */
    public List<CatalogEntry> entries() {
        return List.copyOf(entries);
    }

    /** The entry with {@code catalogEntryId}, or null. */
    public CatalogEntry entry(int catalogEntryId) {
        for (CatalogEntry e : entries) {
            if (e.catalogEntryId() == catalogEntryId) {
                return e;
            }
        }
        return null;
    }

    /**
     * Installs a layered provider ({@code WSCInstallProviderAndChains}): registers
     * {@code wspStartup} as {@code procAddress(modulePath, "WSPStartup")}, adds its hidden layered entry
     * ({@code ChainLen} 0) and, for each entry in {@code over}, a chain {@code [layered, over's chain...]}
     * that takes over's address family, type and protocol. The chains go to the front of the catalog
     * in the order given, so {@code Ws2.socket} picks them before what they layer over.
     *
     * @param modulePath  the provider's "DLL path" ({@code WSCGetProviderPath} answers it for {@code providerId})
     * @param wspStartup  the provider's {@code WSPStartup} (an upcall stub or a C function)
     * @param providerId  the provider's GUID, written in its layered and chain entries
     * @param name        {@code szProtocol} of the layered entry; chains are named {@code name + " over " + base}
     * @param over        catalog ids of the entries to layer over (base entries or other chains)
     */
    public synchronized InstalledProvider install(String modulePath, MemorySegment wspStartup, UUID providerId, String name,
                                                  int... over) {
        LinuxKernelPort.instance().registerExport(modulePath, "WSPStartup", wspStartup);
        CatalogEntry first = entry(over.length > 0 ? over[0] : BASE_TCP_V4);
        if (first == null) {
            throw new IllegalArgumentException("no catalog entry " + over[0]);
        }
        CatalogEntry layered = copyOf(first, modulePath, providerId);
        int layeredId = nextId++;
        MemorySegment li = layered.protocolInfo();
        WSAPROTOCOL_INFOW.dwCatalogEntryId(li, layeredId);
        WSAPROTOCOL_INFOW.dwProviderFlags(li, WSAPROTOCOL_INFOW.dwProviderFlags(li) | PFL_HIDDEN());
        WSAPROTOCOLCHAIN.ChainLen(WSAPROTOCOL_INFOW.ProtocolChain(li), LAYERED_PROTOCOL());
        WSAPROTOCOLCHAIN.ChainEntries(WSAPROTOCOL_INFOW.ProtocolChain(li), 0, layeredId);
        layered.setName(name);
        List<CatalogEntry> chains = new ArrayList<>();
        for (int target : over) {
            CatalogEntry below = entry(target);
            if (below == null || below.chainLength() == LAYERED_PROTOCOL()
                    || Math.max(1, below.chainLength()) + 1 > MAX_PROTOCOL_CHAIN()) {
                throw new IllegalArgumentException("cannot layer over catalog entry " + target);
            }
            CatalogEntry chain = copyOf(below, modulePath, providerId);
            MemorySegment ci = chain.protocolInfo();
            WSAPROTOCOL_INFOW.dwCatalogEntryId(ci, nextId++);
            MemorySegment pc = WSAPROTOCOL_INFOW.ProtocolChain(ci);
            int belowLength = below.chainLength() == BASE_PROTOCOL() ? 1 : below.chainLength();
            WSAPROTOCOLCHAIN.ChainLen(pc, belowLength + 1);
            WSAPROTOCOLCHAIN.ChainEntries(pc, 0, layeredId);
            for (int k = 0; k < belowLength; k++) {
                WSAPROTOCOLCHAIN.ChainEntries(pc, k + 1, below.chainLength() == BASE_PROTOCOL() ? target : below.chainEntry(k));
            }
            chain.setName(name + " over " + below.name());
            chains.add(chain);
        }
        entries.addAll(0, chains);
        entries.add(layered);
        return new InstalledProvider(this, modulePath, layered, List.copyOf(chains));
    }

    private static CatalogEntry copyOf(CatalogEntry from, String modulePath, UUID providerId) {
        CatalogEntry e = new CatalogEntry(modulePath);
        e.protocolInfo().copyFrom(from.protocolInfo());
        Guids.write(providerId, WSAPROTOCOL_INFOW.ProviderId(e.protocolInfo()));
        return e;
    }

    /** Removes an installed provider's entries and its module ({@code WSCDeinstallProvider}). */
    synchronized void uninstall(InstalledProvider p) {
        entries.remove(p.layered());
        entries.removeAll(p.chains());
        p.layered().close();
        p.chains().forEach(CatalogEntry::close);
        LinuxKernelPort.instance().unregisterModule(p.modulePath());
    }

    // ---- ws2_32 exports ---------------------------------------------------------------------

    /** {@code int WSCEnumProtocols(LPINT lpiProtocols, LPWSAPROTOCOL_INFOW lpProtocolBuffer, LPDWORD lpdwBufferLength, LPINT lpErrno)}. */
    int enumProtocols(MemorySegment lpiProtocols, MemorySegment buffer, MemorySegment lpLength, MemorySegment lpErrno) {
        try {
            if (lpLength.address() == 0) {
                WsaErrors.set(lpErrno, WSAEFAULT());
                return SOCKET_ERROR();
            }
            List<CatalogEntry> chosen = new ArrayList<>();
            for (CatalogEntry e : entries) {
                if (lpiProtocols.address() == 0 || listed(lpiProtocols, e.protocol())) {
                    chosen.add(e);
                }
            }
            MemorySegment length = lpLength.reinterpret(4);
            long needed = chosen.size() * WSAPROTOCOL_INFOW.sizeof();
            if (buffer.address() == 0 || Integer.toUnsignedLong(length.get(ValueLayout.JAVA_INT, 0)) < needed) {
                length.set(ValueLayout.JAVA_INT, 0, (int) needed);
                WsaErrors.set(lpErrno, WSAENOBUFS());
                return SOCKET_ERROR();
            }
            MemorySegment out = buffer.reinterpret(needed);
            for (int k = 0; k < chosen.size(); k++) {
                WSAPROTOCOL_INFOW.asSlice(out, k).copyFrom(chosen.get(k).protocolInfo());
            }
            return chosen.size();
        } catch (Throwable t) {
            UpcallFaults.report("WSCEnumProtocols", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    private static boolean listed(MemorySegment protocols, int protocol) {
        MemorySegment p = protocols.reinterpret(Long.MAX_VALUE);
        for (long k = 0; k < 256; k++) {
            int v = p.getAtIndex(ValueLayout.JAVA_INT, k);
            if (v == 0) {
                return false;
            }
            if (v == protocol) {
                return true;
            }
        }
        return false;
    }

    /** {@code int WSCGetProviderPath(LPGUID, WCHAR *path, LPINT lpProviderDllPathLen (chars), LPINT lpErrno)}. */
    int providerPath(MemorySegment lpGuid, MemorySegment path, MemorySegment lpLength, MemorySegment lpErrno) {
        try {
            if (lpGuid.address() == 0 || lpLength.address() == 0) {
                WsaErrors.set(lpErrno, WSAEFAULT());
                return SOCKET_ERROR();
            }
            UUID id = Guids.read(lpGuid.reinterpret(org.jwsp.bindings.windows.GUID.sizeof()));
            String module = null;
            for (CatalogEntry e : entries) {
                if (e.providerId().equals(id)) {
                    module = e.modulePath();
                    break;
                }
            }
            if (module == null) {
                WsaErrors.set(lpErrno, WSAEINVAL());
                return SOCKET_ERROR();
            }
            MemorySegment length = lpLength.reinterpret(4);
            int chars = module.length() + 1;
            if (path.address() == 0 || length.get(ValueLayout.JAVA_INT, 0) < chars) {
                length.set(ValueLayout.JAVA_INT, 0, chars);
                WsaErrors.set(lpErrno, WSAEFAULT());
                return SOCKET_ERROR();
            }
            MemorySegment out = path.reinterpret(chars * 2L);
            for (int k = 0; k < module.length(); k++) {
                out.setAtIndex(ValueLayout.JAVA_CHAR_UNALIGNED, k, module.charAt(k));
            }
            out.setAtIndex(ValueLayout.JAVA_CHAR_UNALIGNED, module.length(), (char) 0);
            length.set(ValueLayout.JAVA_INT, 0, chars);
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WSCGetProviderPath", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    /** Registers {@code WSCEnumProtocols} and {@code WSCGetProviderPath} under ws2_32.dll. */
    private static final class CatalogExports {
        static void register(Catalog c) {
            Ws2Exports.register();
            LinuxKernelPort k = LinuxKernelPort.instance();
            FunctionDescriptor enumDescriptor = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS);
            try {
                var handle = MethodHandles.lookup().findVirtual(Catalog.class, "enumProtocols", MethodType.methodType(int.class,
                        MemorySegment.class, MemorySegment.class, MemorySegment.class, MemorySegment.class)).bindTo(c);
                k.registerExport(Ws2Exports.MODULE, "WSCEnumProtocols",
                        Linker.nativeLinker().upcallStub(handle, enumDescriptor, java.lang.foreign.Arena.global()));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            k.registerExport(Ws2Exports.MODULE, "WSCGetProviderPath",
                    LPWPUGETPROVIDERPATH.allocate(c::providerPath, java.lang.foreign.Arena.global()));
        }
    }
}
