package org.jwsp.bindings;

import java.util.List;
import java.util.UUID;

/**
 * Winsock facts from {@code mswsock.h} and {@code winsock2.h} that the generated
 * {@code org.jwsp.bindings.windows} package does not carry yet: the base-handle and extension
 * ioctls, {@code SO_PROTOCOL_INFOA}, the accept/connect context options, the size of
 * {@code WSAPROTOCOL_INFOA}, and the GUIDs of the extension functions.
 *
 * <p>Hand-written, outside the generated packages, and proven like the generated ones: every
 * constant here is also listed in {@code jextract/windows.args} (the layout proof takes it from
 * this class while the generated header class lacks it, and compiles it against mingw-w64), and
 * every GUID is compared with the expansion of its {@code WSAID_*} macro by the mingw
 * preprocessor ({@code LayoutProofTest}). When the bindings are regenerated the constants appear in
 * {@code ws2spi_h} too; the GUIDs stay here (jextract emits no brace initialisers).
 *
 * <p>Immutable; any thread.
 */
public final class WinsockExtensions {

    /** {@code _WSAIOR(IOC_WS2,27)}: the handle of the provider just above the base (the "BSP"). */
    public static final int SIO_BSP_HANDLE = 0x4800001B;
    /** {@code _WSAIOR(IOC_WS2,28)}: the handle {@code select} hands to providers. */
    public static final int SIO_BSP_HANDLE_SELECT = 0x4800001C;
    /** {@code _WSAIOR(IOC_WS2,29)}: the handle {@code WSAPoll} hands to providers. */
    public static final int SIO_BSP_HANDLE_POLL = 0x4800001D;
    /** {@code _WSAIORW(IOC_WS2,30)}. */
    public static final int SIO_EXT_SELECT = 0xC800001E;
    /** {@code _WSAIORW(IOC_WS2,31)}: ws2_32's {@code WSAPoll} through the provider. */
    public static final int SIO_EXT_POLL = 0xC800001F;
    /** {@code _WSAIORW(IOC_WS2,32)}: ws2_32's {@code WSASendMsg} through the provider. */
    public static final int SIO_EXT_SENDMSG = 0xC8000020;
    /** {@code _WSAIOR(IOC_WS2,34)}: the base provider's handle, past every layered provider. */
    public static final int SIO_BASE_HANDLE = 0x48000022;
    /** {@code SO_PROTOCOL_INFOA}: the ANSI form of {@code SO_PROTOCOL_INFOW}. */
    public static final int SO_PROTOCOL_INFOA = 0x2004;
    /** {@code SO_UPDATE_ACCEPT_CONTEXT} (level {@code SOL_SOCKET}), set on a socket AcceptEx accepted into. */
    public static final int SO_UPDATE_ACCEPT_CONTEXT = 0x700B;
    /** {@code SO_UPDATE_CONNECT_CONTEXT} (level {@code SOL_SOCKET}), set on a socket ConnectEx connected. */
    public static final int SO_UPDATE_CONNECT_CONTEXT = 0x7010;
    /** {@code sizeof(WSAPROTOCOL_INFOA)}: {@code WSAPROTOCOL_INFOW} with {@code CHAR szProtocol[256]}. */
    public static final int WSAPROTOCOL_INFOA_SIZE = 372;

    /** {@code WSAID_ACCEPTEX}. */
    public static final UUID WSAID_ACCEPTEX = UUID.fromString("b5367df1-cbac-11cf-95ca-00805f48a192");
    /** {@code WSAID_GETACCEPTEXSOCKADDRS}. */
    public static final UUID WSAID_GETACCEPTEXSOCKADDRS = UUID.fromString("b5367df2-cbac-11cf-95ca-00805f48a192");
    /** {@code WSAID_TRANSMITFILE}. */
    public static final UUID WSAID_TRANSMITFILE = UUID.fromString("b5367df0-cbac-11cf-95ca-00805f48a192");
    /** {@code WSAID_CONNECTEX}. */
    public static final UUID WSAID_CONNECTEX = UUID.fromString("25a207b9-ddf3-4660-8ee9-76e58c74063e");
    /** {@code WSAID_DISCONNECTEX}. */
    public static final UUID WSAID_DISCONNECTEX = UUID.fromString("7fda2e11-8630-436f-a031-f536a6eec157");
    /** {@code WSAID_TRANSMITPACKETS}. */
    public static final UUID WSAID_TRANSMITPACKETS = UUID.fromString("d9689da0-1f90-11d3-9971-00c04f68c876");
    /** {@code WSAID_WSARECVMSG}. */
    public static final UUID WSAID_WSARECVMSG = UUID.fromString("f689d7c8-6f1f-436b-8a53-e54fe351c322");
    /** {@code WSAID_WSASENDMSG}. */
    public static final UUID WSAID_WSASENDMSG = UUID.fromString("a441e712-754f-43ca-84a7-0dee44cf606d");
    /** {@code WSAID_WSAPOLL}. */
    public static final UUID WSAID_WSAPOLL = UUID.fromString("18c76f85-dc66-4964-972e-23c27238312b");

    /** A GUID and the {@code mswsock.h} macro that spells it. */
    public record NamedGuid(String macro, UUID value) {
    }

    /** Every GUID above with its macro name, for the proof against the mingw headers. */
    public static final List<NamedGuid> GUIDS = List.of(
            new NamedGuid("WSAID_ACCEPTEX", WSAID_ACCEPTEX),
            new NamedGuid("WSAID_GETACCEPTEXSOCKADDRS", WSAID_GETACCEPTEXSOCKADDRS),
            new NamedGuid("WSAID_TRANSMITFILE", WSAID_TRANSMITFILE),
            new NamedGuid("WSAID_CONNECTEX", WSAID_CONNECTEX),
            new NamedGuid("WSAID_DISCONNECTEX", WSAID_DISCONNECTEX),
            new NamedGuid("WSAID_TRANSMITPACKETS", WSAID_TRANSMITPACKETS),
            new NamedGuid("WSAID_WSARECVMSG", WSAID_WSARECVMSG),
            new NamedGuid("WSAID_WSASENDMSG", WSAID_WSASENDMSG),
            new NamedGuid("WSAID_WSAPOLL", WSAID_WSAPOLL));

    private WinsockExtensions() {
    }
}
