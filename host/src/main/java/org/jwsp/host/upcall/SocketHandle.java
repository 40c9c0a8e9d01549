package org.jwsp.host.upcall;

import java.util.function.LongPredicate;

import org.jwsp.host.kernel.Associable;
import org.jwsp.host.kernel.CompletionModes;
import org.jwsp.host.kernel.CompletionPortObject;
import org.jwsp.kernel.KernelException;

/**
 * A Winsock {@code SOCKET} made by {@code WPUCreateSocketHandle}: the catalog entry of the
 * provider that owns it, the provider's context ({@code DWORD_PTR}), and the completion port it
 * is associated with (by {@code CreateIoCompletionPort}, i.e. {@code KernelPort.associate}).
 * Its value comes from the kernel port's handle table, as a socket is a kernel handle on Windows.
 *
 * <p>Created and closed by the upcall table, on the provider's thread; the association is
 * written once and read by any thread (volatile). No native memory.
 */
public final class SocketHandle implements Associable {

    private final int catalogEntryId;
    private final long context;
    private volatile CompletionPortObject port;
    private volatile long completionKey;
    private volatile Object clientRecord;
    /** {@code SetFileCompletionNotificationModes} flags. */
    private volatile int notificationModes;
    /** The owning provider's cancel of this socket's overlapped operations (an IFS provider's), or null. */
    private volatile LongPredicate ioCancel;

    SocketHandle(int catalogEntryId, long context) {
        this.catalogEntryId = catalogEntryId;
        this.context = context;
    }

    public int catalogEntryId() {
        return catalogEntryId;
    }

    public long context() {
        return context;
    }

    /** The associated port, or null. */
    public CompletionPortObject port() {
        return port;
    }

    public long completionKey() {
        return completionKey;
    }

    /**
     * ws2_32's own record for this socket (on the host: which started provider a program reaches
     * it through, set by {@code Ws2} when {@code WSPSocket}/{@code WSPAccept} returns it), so the
     * client side finds it by handle without a map. Null until set.
     */
    public Object clientRecord() {
        return clientRecord;
    }

    public void clientRecord(Object record) {
        clientRecord = record;
    }

    /** {@code FILE_SKIP_COMPLETION_PORT_ON_SUCCESS} is set: an operation that succeeds at once posts no packet. */
    public boolean skipsPortOnSuccess() {
        return (notificationModes & CompletionModes.FILE_SKIP_COMPLETION_PORT_ON_SUCCESS) != 0;
    }

    /** Adds {@code flags}: as on Windows, a mode once set cannot be cleared. */
    @Override
    public synchronized void notificationModes(int flags) {
        notificationModes |= flags;
    }

    @Override
    public int notificationModes() {
        return notificationModes;
    }

    /**
     * Lets {@code CancelIoEx} reach the socket's overlapped operations: set by a provider whose
     * operations are the handle's own, as an IFS base provider's are. A layered provider's handle
     * (non-IFS) has none, so {@code CancelIoEx} finds nothing on it, as on Windows, where its
     * operations are issued on the lower provider's handle.
     */
    public void ioCancel(LongPredicate cancel) {
        ioCancel = cancel;
    }

    @Override
    public boolean cancelIo(long overlapped) {
        LongPredicate c = ioCancel;
        return c != null && c.test(overlapped);
    }

    @Override
    public synchronized void associate(CompletionPortObject p, long key) {
        if (port != null) {
            throw new KernelException("socket is already associated with a completion port", 22 /* EINVAL */);
        }
        completionKey = key;
        port = p;
    }
}
