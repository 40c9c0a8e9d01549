/**
 * jwsp, the layered service provider: WSPSend in Java to the letter of the seed, the other 29
 * entries passed through to the next provider with the handle translated.
 *
 * <p>Entry: {@link org.jwsp.provider.LayeredProvider#startupStub()} (the native WSPStartup).
 * A WSPSend flows: {@code SendPath} (checks, one {@link org.jwsp.provider.WsaCondition} each) →
 * {@code WsaBufCapture} into a pooled {@code OverlappedRequest} ({@code RequestSlab}, whose life
 * — acquire, issue, complete, release — every overlapped entry goes through
 * {@code OverlappedRequests}, release in a {@code finally}) →
 * the socket's {@code SubmissionQueue} (order, merging, a send larger than one lower send takes
 * split into parts; a synchronous one split by {@code LargeSynchronousSend}) → the lower provider
 * with the request's own OVERLAPPED → {@code CompletionPort} (jwsp's port and its worker) → {@code CompletionDelivery}
 * (WPUQueueApc with jwsp's APC function, or WPUCompleteOverlappedRequest). The three doors are
 * {@code UpcallTable}, {@code LowerProvider} (found by {@code ProtocolCatalog}) and
 * {@link org.jwsp.kernel.KernelPort}. {@code ProviderRuntime} builds each entry class
 * ({@code SendPath}, {@code OverlappedProxy}, {@code SocketEntries}, {@code PassThrough}) with
 * only the collaborators it uses, and {@code ProcTable} binds each entry by a method reference;
 * state changes of a socket or a request are methods of {@code SocketContext} and
 * {@code OverlappedRequest}. Caller pointers are touched through
 * {@link org.jwsp.bindings.CallerMemory}. Threads, ownership and bounds are written on each class;
 * the promises and the choices where the seed is silent are in {@code provider/CONTRACT.md}.
 */
package org.jwsp.provider;
