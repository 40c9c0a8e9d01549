package org.jwsp.provider;

/**
 * What issues a queued request of kind {@link OverlappedRequest#TRANSMIT} to the lower provider:
 * {@link TransmitFunctions} (the lower {@code TransmitFile}) or {@link PacketFunctions} (the lower
 * {@code TransmitPackets}). Called by {@link LowerIssue} outside the socket lock, on whichever
 * thread took the job of issuing the request, when the sends before it have gone.
 */
sealed interface LowerTransmit permits TransmitFunctions, PacketFunctions {

    /**
     * Issues {@code r} on {@code socket}'s lower socket with the request's own OVERLAPPED: 0 with
     * the count in {@code s.bytes} when it completed at once, else SOCKET_ERROR with the code in
     * {@code s.errno} ({@code WSA_IO_PENDING} when it will complete), as {@link LowerProvider#sendRaw} answers.
     */
    int issue(OverlappedRequest r, SocketContext socket, ThreadScratch s);
}
