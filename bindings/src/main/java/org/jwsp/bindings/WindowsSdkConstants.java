package org.jwsp.bindings;

/**
 * The only Windows constants jwsp writes by hand: the TCP keep-alive options of the Windows SDK's
 * {@code ws2ipdef.h} (10.0.19041: {@code TCP_KEEPALIVE 3}, {@code TCP_KEEPIDLE TCP_KEEPALIVE},
 * {@code TCP_KEEPCNT 16}, {@code TCP_KEEPINTVL 17}). mingw-w64 10's headers, which the bindings are
 * generated from and the layout proof compiles against, do not define them, so jextract cannot
 * generate them and {@code LayoutProofTest} cannot check them; every other Windows value jwsp
 * uses comes from the generated {@code ws2spi_h}. When the mingw-w64 headers gain these names,
 * add them to {@code jextract/windows.args}, regenerate, and delete this class.
 *
 * <p>Read by the Linux host's option translation; no native call.
 */
public final class WindowsSdkConstants {

    /** {@code IPPROTO_TCP} option: idle seconds before the first keep-alive probe. */
    public static final int TCP_KEEPALIVE = 3;
    /** The same option under its newer name. */
    public static final int TCP_KEEPIDLE = TCP_KEEPALIVE;
    /** {@code IPPROTO_TCP} option: probes sent before the connection is dropped. */
    public static final int TCP_KEEPCNT = 16;
    /** {@code IPPROTO_TCP} option: seconds between keep-alive probes. */
    public static final int TCP_KEEPINTVL = 17;

    private WindowsSdkConstants() {
    }
}
