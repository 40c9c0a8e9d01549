package org.jwsp.windows.install;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;

/**
 * Catalog entries as a Windows 10/11 x64 machine has them (values as `netsh winsock show catalog`
 * prints them), built through the generated layouts, plus two entries that must not be layered
 * over: a hidden TCP base in front of MSAFD, and a second visible IPv4 TCP base after it.
 */
final class WindowsCatalogFixture {

    static final ProviderId MSAFD_IPV4 = ProviderId.parse("{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}");
    static final ProviderId MSAFD_IPV6 = ProviderId.parse("{F9EAB0C0-26D4-11D0-BBBF-00AA006C34E4}");
    static final ProviderId HYPER_V = ProviderId.parse("{1234191B-4BF7-4CA7-86E0-DFD7C32B5445}");
    static final ProviderId HIDDEN = ProviderId.parse("{00000000-1111-2222-3333-444444444444}");
    static final ProviderId RSVP = ProviderId.parse("{9D60A9E0-337A-11D0-BD88-0000C082E69A}");
    static final String MSWSOCK = "%SystemRoot%\\system32\\mswsock.dll";

    static final int AF_INET = 2;
    static final int AF_INET6 = 23;
    static final int AF_HYPERV = 34;
    static final int XP1_IFS_HANDLES = 0x20000;
    static final int PFL_HIDDEN = 4;
    static final int PFL_MATCHES_PROTOCOL_ZERO = 8;

    private WindowsCatalogFixture() {
    }

    static MemorySegment base(Arena arena, ProviderId id, int catalogId, String name, int family, int type,
            int protocol, int serviceFlags, int providerFlags) {
        MemorySegment e = WSAPROTOCOL_INFOW.allocate(arena);
        WSAPROTOCOL_INFOW.dwServiceFlags1(e, serviceFlags);
        WSAPROTOCOL_INFOW.dwProviderFlags(e, providerFlags);
        ProtocolInfo.providerId(e, id);
        WSAPROTOCOL_INFOW.dwCatalogEntryId(e, catalogId);
        ProtocolInfo.setChain(e, catalogId);
        WSAPROTOCOL_INFOW.iVersion(e, 2);
        WSAPROTOCOL_INFOW.iAddressFamily(e, family);
        WSAPROTOCOL_INFOW.iMaxSockAddr(e, family == AF_INET6 ? 28 : 16);
        WSAPROTOCOL_INFOW.iMinSockAddr(e, family == AF_INET6 ? 28 : 16);
        WSAPROTOCOL_INFOW.iSocketType(e, type);
        WSAPROTOCOL_INFOW.iProtocol(e, protocol);
        WSAPROTOCOL_INFOW.dwMessageSize(e, type == 1 ? 0 : 65467);
        ProtocolInfo.name(e, name);
        return e;
    }

    /** The catalog in order: hidden TCP, MSAFD x6, Hyper-V RAW, RSVP TCP (a second IPv4 TCP base). */
    static InMemoryCatalog windows11(Arena arena) {
        InMemoryCatalog c = new InMemoryCatalog(1001);
        c.add(base(arena, HIDDEN, 1000, "Hidden TCP", AF_INET, 1, 6, 0x20066, PFL_HIDDEN), "C:\\hidden.dll");
        c.add(base(arena, MSAFD_IPV4, 1001, "MSAFD Tcpip [TCP/IP]", AF_INET, 1, 6, 0x20066,
                PFL_MATCHES_PROTOCOL_ZERO), MSWSOCK);
        c.add(base(arena, MSAFD_IPV4, 1002, "MSAFD Tcpip [UDP/IP]", AF_INET, 2, 17, 0x20609,
                PFL_MATCHES_PROTOCOL_ZERO), MSWSOCK);
        c.add(base(arena, MSAFD_IPV4, 1003, "MSAFD Tcpip [RAW/IP]", AF_INET, 3, 0, 0x20609, 12), MSWSOCK);
        c.add(base(arena, MSAFD_IPV6, 1004, "MSAFD Tcpip [TCP/IPv6]", AF_INET6, 1, 6, 0x20066,
                PFL_MATCHES_PROTOCOL_ZERO), MSWSOCK);
        c.add(base(arena, MSAFD_IPV6, 1005, "MSAFD Tcpip [UDP/IPv6]", AF_INET6, 2, 17, 0x20609,
                PFL_MATCHES_PROTOCOL_ZERO), MSWSOCK);
        c.add(base(arena, MSAFD_IPV6, 1006, "MSAFD Tcpip [RAW/IPv6]", AF_INET6, 3, 0, 0x20609, 12), MSWSOCK);
        c.add(base(arena, HYPER_V, 1007, "Hyper-V RAW", AF_HYPERV, 1, 1, 0x20026, PFL_MATCHES_PROTOCOL_ZERO),
                MSWSOCK);
        c.add(base(arena, RSVP, 1008, "RSVP TCP Service Provider", AF_INET, 1, 6, 0x22066, 0),
                "%SystemRoot%\\system32\\rsvpsp.dll");
        return c;
    }
}
