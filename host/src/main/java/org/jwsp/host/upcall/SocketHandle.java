package org.jwsp.host.upcall;

import org.jwsp.host.kernel.Associable;
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

    @Override
    public synchronized void associate(CompletionPortObject p, long key) {
        if (port != null) {
            throw new KernelException("socket is already associated with a completion port", 22 /* EINVAL */);
        }
        completionKey = key;
        port = p;
    }
}
