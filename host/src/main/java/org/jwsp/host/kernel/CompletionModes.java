package org.jwsp.host.kernel;

import org.jwsp.bindings.windows.ws2spi_h;

/**
 * {@code SetFileCompletionNotificationModes} flags (winbase.h), as the host honours them on the
 * handles it can associate with a port ({@link Associable}):
 * <ul>
 *   <li>{@link #FILE_SKIP_COMPLETION_PORT_ON_SUCCESS}: an overlapped operation that succeeds inside
 *       its call (returns 0) queues no packet to the associated port; the event in its
 *       {@code OVERLAPPED} is still set and a completion routine still queued.</li>
 *   <li>{@link #FILE_SKIP_SET_EVENT_ON_HANDLE}: accepted and recorded. On Windows it spares the
 *       I/O manager setting the file object's own event; the host signals a socket's waiters
 *       ({@code WSPGetOverlappedResult} without an event) by the operation's status, not by a
 *       handle state a program could observe, so there is nothing to skip.</li>
 * </ul>
 */
public final class CompletionModes {

    public static final int FILE_SKIP_COMPLETION_PORT_ON_SUCCESS = ws2spi_h.FILE_SKIP_COMPLETION_PORT_ON_SUCCESS();
    public static final int FILE_SKIP_SET_EVENT_ON_HANDLE = ws2spi_h.FILE_SKIP_SET_EVENT_ON_HANDLE();
    /** Every flag the host knows; others make {@code SetFileCompletionNotificationModes} fail. */
    public static final int KNOWN = FILE_SKIP_COMPLETION_PORT_ON_SUCCESS | FILE_SKIP_SET_EVENT_ON_HANDLE;

    private CompletionModes() {
    }
}
