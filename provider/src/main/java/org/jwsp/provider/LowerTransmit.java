package org.jwsp.provider;

import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.provider.filter.SendFilter;

/**
 * What issues a queued request of kind {@link OverlappedRequest#TRANSMIT} to the lower provider:
 * {@link TransmitFunctions} (the lower {@code TransmitFile}) or {@link PacketFunctions} (the lower
 * {@code TransmitPackets}). Called by {@link LowerIssue} outside the socket lock, on whichever
 * thread took the job of issuing the request, when the sends before it have gone. Also the frame
 * both share around a call without OVERLAPPED ({@link #synchronous}).
 */
sealed interface LowerTransmit permits TransmitFunctions, PacketFunctions {

    /**
     * Issues {@code r} on {@code socket}'s lower socket with the request's own OVERLAPPED: 0 with
     * the count in {@code s.bytes} when it completed at once, else SOCKET_ERROR with the code in
     * {@code s.errno} ({@code WSA_IO_PENDING} when it will complete), as {@link LowerProvider#sendRaw} answers.
     */
    int issue(OverlappedRequest r, SocketContext socket, ThreadScratch s);

    /** The lower TransmitFile or TransmitPackets of a call without OVERLAPPED: TRUE or FALSE, as the lower function answers. */
    @FunctionalInterface
    interface Call {
        int call() throws Throwable;
    }

    /**
     * A TransmitFile or TransmitPackets without OVERLAPPED: the filter's verdict on what it sends
     * ({@code count} WSABUFs at {@code wsabufs} and {@code fileBytes} of file, -1 for "the file's
     * rest"), the socket's turn after jwsp's queued sends, the lower {@code call}, what it means
     * for the socket ({@code flags}' TF_DISCONNECT/TF_REUSE_SOCKET), and the filter told. The call
     * has not returned when the filter hears, so the buffers are still the caller's.
     *
     * @return TRUE, or FALSE with the thread's last error set
     */
    static int synchronous(SendPath sendPath, ExtensionFunctions extensions, SocketContext c, long resolved, long wsabufs,
                           int count, long fileBytes, int flags, ThreadScratch sc, Call call) throws Throwable {
        SendFilter f = sendPath.filter();
        long accepted = System.nanoTime();
        long caller = Thread.currentThread().threadId();
        long total = WsaBufCapture.validate(wsabufs, count);
        if (f != SendFilter.PASS_THROUGH) {
            int verdict = SendPath.filter(f, sc.facts.aim(c, false, wsabufs, count, total, 0, 0, accepted, caller).fileBytes(fileBytes));
            sc.facts.clear();
            if (verdict > 0) {
                return extensions.fail(verdict);
            }
        }
        if (sendPath.enterSynchronous(c, resolved, sc.errno.address()) != 0) {
            return extensions.fail(sc.errno());
        }
        int ok;
        int error = 0;
        try {
            ok = call.call();
            if (ok == ExtensionFunctions.FALSE) {
                error = extensions.lastError().get();
            } else {
                TransmitFunctions.accepted(c, flags, true);
            }
        } finally {
            sendPath.leaveSynchronous(c, sc);
        }
        if (f != SendFilter.PASS_THROUGH) {
            // No count comes back from a synchronous call: what it was asked to send (a file's rest is unknown).
            CompletionDelivery.tellFilter(f, sc.completed.aim(c, false, wsabufs, count, total, 0, 0, accepted, caller).fileBytes(fileBytes),
                    error, error == 0 ? total + Math.max(fileBytes, 0) : 0);
            sc.completed.clear();
        }
        return ok == ExtensionFunctions.FALSE ? extensions.fail(error) : ExtensionFunctions.TRUE;
    }

    /**
     * {@link #issue}'s answer from what the lower function returned for {@code r}: at once, the count
     * the lower provider wrote into jwsp's OVERLAPPED (as Windows does) in {@code s.bytes}; else
     * the thread's last error in {@code s.errno}.
     */
    static int answer(int ok, OverlappedRequest r, ThreadScratch s, ExtensionFunctions extensions) throws Throwable {
        if (ok != ExtensionFunctions.FALSE) {
            s.bytes.set(ValueLayout.JAVA_INT, 0, (int) r.overlapped.get(ValueLayout.JAVA_LONG, OVERLAPPED.InternalHigh$offset()));
            return 0;
        }
        s.errno.set(ValueLayout.JAVA_INT, 0, extensions.lastError().get());
        return Errno.SOCKET_ERROR;
    }
}
