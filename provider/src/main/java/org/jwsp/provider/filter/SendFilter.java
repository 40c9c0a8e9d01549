package org.jwsp.provider.filter;

/**
 * Java logic on jwsp's send path: called once per WSPSend, on the thread that called it,
 * after the contract's own checks and before anything goes to the lower provider.
 *
 * <p>Return {@link #PASS} to let the send go, {@link #DELAY} to hold an overlapped send (the
 * caller gets WSA_IO_PENDING; the send, and every later send of the socket, waits until
 * {@link SendFilters#release(long)} is called with
 * {@link SendView#ticket()}), or a Winsock error code (10000..11999, e.g. WSAEACCES 10013) to
 * fail the send with it: nothing is sent and no completion is indicated.
 * A synchronous send cannot be held: DELAY on it counts as PASS.
 *
 * <p>Every send the filter passed or delayed is then reported once to {@link #onComplete}, when
 * it is complete and before the application is told, so a filter can time it or look at its
 * bytes while they are still the application's.
 *
 * <p>Install a filter with {@link SendFilters#install}.
 *
 * <p>Rules for implementations: no blocking, no allocation if the caller measures the hot path,
 * never keep the {@link SendView} beyond the call (it is a reused flyweight). A Throwable thrown
 * from {@link #onSend} fails that send with WSAENETDOWN and is logged; one thrown from
 * {@link #onComplete} is logged; neither reaches native code.
 */
@FunctionalInterface
public interface SendFilter {

    /** Let the send go on. */
    int PASS = 0;
    /** Hold an overlapped send until released by ticket. */
    int DELAY = -1;

    /** The default: every send passes. */
    SendFilter PASS_THROUGH = send -> PASS;

    /**
     * @return {@link #PASS}, {@link #DELAY} or the WSAE code to fail this send with
     */
    int onSend(SendView send);

    /**
     * A send this filter passed or delayed is complete: called once, on the thread that completes
     * it (jwsp's completion thread, a thread that released it, or the caller's own thread for a
     * synchronous send or one done at once), before the application's completion is indicated.
     * Until this returns the application may not reuse the buffers, so
     * {@link SendView#copyPayload} reads exactly what was sent. Sends closed before they went out
     * are reported too, with their error. Does nothing by default.
     *
     * @param send  the same facts {@link #onSend} saw, valid only during this call
     * @param error 0, or the WSAE code the send completed with
     * @param bytes the bytes the lower provider reported sent
     */
    default void onComplete(SendView send, int error, long bytes) {
    }
}
