package org.jwsp.host.kernel;

/**
 * An object {@link LinuxKernelPort#closeHandle} may close: a port, an event, a thread handle.
 * Socket handles are not kernel objects here: they are closed through Winsock
 * ({@code WSPCloseSocket}/{@code WPUCloseSocketHandle}), never by {@code CloseHandle}.
 */
interface KernelObject {
    /** Releases what the object holds; called once, by the thread that closed its handle. */
    void close();
}
