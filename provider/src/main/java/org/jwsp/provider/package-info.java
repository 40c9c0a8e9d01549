/**
 * jwsp, the layered service provider: WSPSend in Java to the letter of the seed, the other 29
 * entries passed through to the next provider with the handle translated.
 *
 * <p>Entry: {@link org.jwsp.provider.LayeredProvider#startupStub()} (the native WSPStartup).
 * A WSPSend flows: {@code SendPath} (checks, one {@link org.jwsp.provider.WsaCondition} each) →
 * {@code WsaBufCapture} into a pooled {@code OverlappedRequest} ({@code RequestSlab}) →
 * the socket's {@code SubmissionQueue} (order, merging) → the lower provider with the request's
 * own OVERLAPPED → {@code CompletionPort} (jwsp's port and its worker) → {@code CompletionDelivery}
 * (WPUQueueApc with jwsp's APC function, or WPUCompleteOverlappedRequest). The three doors are
 * {@code UpcallTable}, {@code LowerProvider} (found by {@code ProtocolCatalog}) and
 * {@link org.jwsp.kernel.KernelPort}. Threads, ownership and bounds are written on each class;
 * the promises and the choices where the seed is silent are in {@code provider/CONTRACT.md}.
 */
package org.jwsp.provider;
