package org.jwsp.bindings;

/**
 * Linux (glibc, x86_64) constants the generated {@code linux_h} does not hold yet, written by hand
 * until the next regeneration (their names are already in {@code jextract/linux.args}); each
 * value is what {@code gcc} computes from the same headers ({@code HandWrittenConstantsTest}).
 * Read by the Linux host's option translation; no native call.
 */
public final class LinuxExtras {

    public static final int SO_KEEPALIVE = 9;
    public static final int SO_BROADCAST = 6;
    public static final int SO_OOBINLINE = 10;
    public static final int SO_RCVTIMEO = 20;
    public static final int SO_SNDTIMEO = 21;
    public static final int SO_ACCEPTCONN = 30;
    public static final int IPPROTO_IP = 0;
    public static final int IP_TTL = 2;
    public static final int TCP_KEEPIDLE = 4;
    public static final int TCP_KEEPINTVL = 5;
    public static final int TCP_KEEPCNT = 6;

    private LinuxExtras() {
    }
}
