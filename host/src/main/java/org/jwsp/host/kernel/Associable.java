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
}
