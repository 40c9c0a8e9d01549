package org.jwsp.bindings;

import java.util.List;
import java.util.UUID;

/**
 * The GUIDs of the Winsock extension functions ({@code WSAID_*} of {@code mswsock.h}), which the
 * generated {@code org.jwsp.bindings.windows} package cannot carry: they are brace initialisers,
 * not constants jextract can emit. The ioctl codes and options that go with them
 * ({@code SIO_BSP_HANDLE}, {@code SIO_EXT_SENDMSG}, {@code SO_UPDATE_ACCEPT_CONTEXT}...) are
 * generated ({@code ws2spi_h}, from {@code jextract/windows.args}).
 *
 * <p>Hand-written, outside the generated packages, and proven like the generated ones:
 * {@code LayoutProofTest} compares every GUID here with the expansion of its macro by the
 * mingw-w64 preprocessor.
 *
 * <p>Immutable; any thread.
 */
public final class WinsockExtensions {

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
