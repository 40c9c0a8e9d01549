package org.jwsp.provider.filter;

import java.util.Objects;

import org.jwsp.provider.LayeredProvider;

/**
 * The rest of the filter API beside {@link SendFilter} and {@link SendView}: installing a filter,
 * releasing the sends it held, and the verdicts it may answer. A filter written against this
 * package alone runs unchanged wherever jwsp runs: inside the provider on Windows, or over the
 * Linux host.
 *
 * <p>Static; every method may be called from any thread. This class only forwards to the
 * provider ({@link LayeredProvider}), so the provider's internals stay free to change.
 */
public final class SendFilters {

    /** Let the send go on (same as {@link SendFilter#PASS}). */
    public static final int PASS = SendFilter.PASS;
    /** Hold an overlapped send until {@link #release} (same as {@link SendFilter#DELAY}). */
    public static final int DELAY = SendFilter.DELAY;
    /** WSAEACCES (10013): a refusal meaning "not allowed", as a firewall answers. */
    public static final int WSAEACCES = 10013;
    /** WSAEWOULDBLOCK (10035): a refusal meaning "too many outstanding sends, try again". */
    public static final int WSAEWOULDBLOCK = 10035;
    /** WSAENETUNREACH (10051): a refusal meaning "no route to that destination". */
    public static final int WSAENETUNREACH = 10051;

    private static final int FIRST_WSAE = 10000, LAST_WSAE = 11999;

    private SendFilters() {
    }

    /**
     * Makes {@code filter} jwsp's send filter in this process: at once for a running provider
     * (the next WSPSend calls it), and for every provider started later. The previous filter
     * sees no further sends once this returns, except those already inside its {@code onSend}.
     */
    public static void install(SendFilter filter) {
        LayeredProvider.setFilter(Objects.requireNonNull(filter, "filter"));
    }

    /**
     * Releases an overlapped send held with {@link #DELAY}: it, and the sends of its socket
     * queued behind it, go on to the lower provider. Any thread; never blocks on the network.
     *
     * @param ticket {@link SendView#ticket()} of the held send
     * @return false if the ticket names no held send (already released, or its socket closed)
     */
    public static boolean release(long ticket) {
        return LayeredProvider.releaseDelayed(ticket);
    }

    /**
     * The verdict that fails a send with {@code wsaError} (nothing is sent, no completion is
     * indicated, the caller sees SOCKET_ERROR and that code).
     *
     * @throws IllegalArgumentException unless {@code wsaError} is a Winsock code (10000..11999)
     */
    public static int refuse(int wsaError) {
        if (!isRefusal(wsaError)) {
            throw new IllegalArgumentException("not a Winsock error code (10000..11999): " + wsaError);
        }
        return wsaError;
    }

    /** Whether {@code verdict} fails the send (a Winsock code), rather than passing or holding it. */
    public static boolean isRefusal(int verdict) {
        return verdict >= FIRST_WSAE && verdict <= LAST_WSAE;
    }
}
