package org.jwsp.provider;

/**
 * How a lower send's completion ends the sends it carried (the leader and the members merged
 * behind it, linked through {@link OverlappedRequest#nextInBatch}): the byte count is handed out
 * in order, each send the count covers finishes with its bytes, a send cut short keeps its place
 * for its remainder unless the completion failed or the socket is closing (then it finishes with
 * the code and the bytes it got). A TransmitFile completes whole; a send already delivered at
 * once finishes with the result it was given. Under the owning socket's lock
 * ({@link SubmissionQueue}); allocates nothing.
 */
final class BatchSplit {

    private BatchSplit() {
    }

    /**
     * Splits {@code bytes} (unsigned) and {@code error} over the batch led by {@code leader}: the
     * sends that end go to {@code done}, in order; those cut short are appended to
     * {@code unfinished}, in order, for the front of the queue.
     */
    static void split(SocketContext socket, OverlappedRequest leader, int error, int bytes, DoneList done,
                      WaitingSends unfinished) {
        long left = bytes & 0xFFFFFFFFL;
        for (OverlappedRequest r = leader; r != null; ) {
            OverlappedRequest next = r.nextInBatch;
            r.nextInBatch = null;
            if (r.kind == OverlappedRequest.TRANSMIT && !r.deliveredEarly) {
                // A TransmitFile goes down alone and completes whole or with an error, never in parts.
                int code = error != 0 && socket.closing ? WsaCondition.ABORTED.code() : error;
                done.finish(r, code, bytes);
                if (code == 0) {
                    TransmitFunctions.completed(socket, r);
                }
            } else if (r.deliveredEarly) {
                done.finish(r, r.error, r.transferred);
            } else {
                long take = Math.min(r.remaining(), left);
                left -= take;
                r.sent += take;
                if (r.remaining() == 0) {
                    done.finish(r, 0, (int) r.sent);
                } else if (error != 0 || socket.closing) {
                    done.finish(r, socket.closing ? WsaCondition.ABORTED.code() : error, (int) r.sent);
                } else if (bytes == 0) {
                    // A lower provider that consumed nothing without an error: report what was sent
                    // rather than re-issue forever.
                    done.finish(r, 0, (int) r.sent);
                } else {
                    unfinished.append(r);
                }
            }
            r = next;
        }
    }
}
