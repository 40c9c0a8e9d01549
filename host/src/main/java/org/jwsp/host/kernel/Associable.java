package org.jwsp.host.kernel;

/**
 * A handle that can be associated with a completion port ({@code CreateIoCompletionPort(handle,
 * port, key, 0)}): on the host, the Winsock {@code SOCKET} handles made by the upcall table.
 * {@link LinuxKernelPort#associate} finds it by handle and calls {@link #associate} once.
 */
public interface Associable {
    /**
     * Records the port and key; overlapped operations issued on this handle afterwards complete
     * on {@code port} with {@code completionKey}. Called on the associating thread.
     *
     * @throws org.jwsp.kernel.KernelException if the handle is already associated (as Windows refuses)
     */
    void associate(CompletionPortObject port, long completionKey);

    /**
     * {@code SetFileCompletionNotificationModes(handle, flags)}: records the flags (only
     * {@link CompletionModes#FILE_SKIP_COMPLETION_PORT_ON_SUCCESS} changes what the host does).
     */
    void notificationModes(int flags);

    /** The flags last set by {@link #notificationModes(int)}, 0 at first. */
    int notificationModes();

    /**
     * {@code CancelIoEx}: starts cancelling the pending overlapped operation of {@code overlapped}
     * on this handle (every pending one when it is 0); each then completes with
     * {@code WSA_OPERATION_ABORTED} as usual (port packet, event or routine). True if there was one.
     * Any thread.
     */
    boolean cancelIo(long overlapped);
}
