package org.jwsp.bindings;

/**
 * Windows constants the generated {@code ws2spi_h} does not hold yet, written by hand until the
 * next regeneration (their names are already in {@code jextract/windows.args}; see
 * {@code regenerate.sh}). Each value is what {@code x86_64-w64-mingw32-gcc} computes from the same
 * headers ({@code HandWrittenConstantsTest}), except the four {@link #NOT_IN_MINGW} ones, which
 * mingw-w64's headers lack: they are the Windows SDK's ({@code ws2ipdef.h}, 10.0.19041:
 * {@code TCP_KEEPALIVE 3}, {@code TCP_KEEPIDLE TCP_KEEPALIVE}, {@code TCP_KEEPCNT 16},
 * {@code TCP_KEEPINTVL 17}) and are checked by nothing but this comment.
 *
 * <p>Read by the Linux host (options, {@code SetFileCompletionNotificationModes}); no native call.
 */
public final class WindowsExtras {

    // SOL_SOCKET options (winsock2.h, mswsock.h)
    public static final int SO_ACCEPTCONN = 0x0002;
    public static final int SO_KEEPALIVE = 0x0008;
    public static final int SO_BROADCAST = 0x0020;
    public static final int SO_LINGER = 0x0080;
    public static final int SO_OOBINLINE = 0x0100;
    public static final int SO_DONTLINGER = ~SO_LINGER;
    public static final int SO_EXCLUSIVEADDRUSE = ~0x0004;
    public static final int SO_SNDTIMEO = 0x1005;
    public static final int SO_RCVTIMEO = 0x1006;
    public static final int SO_UPDATE_ACCEPT_CONTEXT = 0x700B;
    public static final int SO_UPDATE_CONNECT_CONTEXT = 0x7010;

    // levels and their options (winsock2.h, ws2ipdef.h)
    public static final int IPPROTO_IP = 0;
    public static final int IPPROTO_IPV6 = 41;
    public static final int IP_TTL = 4;
    public static final int IPV6_V6ONLY = 27;
    public static final int TCP_KEEPALIVE = 3;
    public static final int TCP_KEEPIDLE = 3;
    public static final int TCP_KEEPCNT = 16;
    public static final int TCP_KEEPINTVL = 17;

    // SetFileCompletionNotificationModes (winbase.h)
    public static final int FILE_SKIP_COMPLETION_PORT_ON_SUCCESS = 0x1;
    public static final int FILE_SKIP_SET_EVENT_ON_HANDLE = 0x2;

    /** Names mingw-w64's headers do not define (so the compiler check cannot hold them). */
    public static final java.util.Set<String> NOT_IN_MINGW =
            java.util.Set.of("TCP_KEEPALIVE", "TCP_KEEPIDLE", "TCP_KEEPCNT", "TCP_KEEPINTVL");

    private WindowsExtras() {
    }
}
