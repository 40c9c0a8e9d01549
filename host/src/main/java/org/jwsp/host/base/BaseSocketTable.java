package org.jwsp.host.base;

import org.jwsp.host.upcall.SocketHandle;
import org.jwsp.host.kernel.LinuxKernelPort;

/**
 * The base provider's sockets by slot. A Winsock {@code SOCKET} is a host handle whose
 * {@code WPUCreateSocketHandle} context is the slot, so {@link #find} is two array indexes and
 * two compares (handle table, then this table), no map. Slots are reused after close; a stale
 * handle never resolves because the handle table's generation differs.
 *
 * <p>Any thread; add/remove under the monitor, {@link #find} lock-free. No native memory.
 */
final class BaseSocketTable {

    private final LinuxKernelPort kernel;
    private volatile BaseSocket[] sockets = new BaseSocket[64];
    private int[] free = new int[64];
    private int freeCount;
    private int used;

    BaseSocketTable(LinuxKernelPort kernel) {
        this.kernel = kernel;
    }

    /** The kernel's object behind the Winsock handle {@code s} (made by {@code WPUCreateSocketHandle}), or null. */
    SocketHandle handle(long s) {
        return kernel.handles().get(s) instanceof SocketHandle h ? h : null;
    }

    synchronized int reserve() {
        if (freeCount > 0) {
            return free[--freeCount];
        }
        if (used == sockets.length) {
            sockets = java.util.Arrays.copyOf(sockets, used * 2);
            free = java.util.Arrays.copyOf(free, used * 2);
        }
        return used++;
    }

    synchronized void put(BaseSocket s) {
        sockets[s.slot] = s;
    }

    synchronized void release(int slot) {
        sockets[slot] = null;
        free[freeCount++] = slot;
    }

    /** The open socket behind {@code s}, or null. <em>Hot</em>. */
    BaseSocket find(long s) {
        SocketHandle h = handle(s);
        if (h == null) {
            return null;
        }
        long slot = h.context();
        BaseSocket[] all = sockets;
        if (slot < 0 || slot >= all.length) {
            return null;
        }
        BaseSocket sock = all[(int) slot];
        return sock != null && sock.handle == s && !sock.closing() ? sock : null;
    }

    /**
     * <em>Hot.</em> The open socket behind {@code s} with a call's reference taken (the caller
     * must {@link BaseSocket#release} it when it leaves the call), or null if {@code s} is not an
     * open socket or its close has begun.
     */
    BaseSocket acquire(long s) {
        BaseSocket sock = find(s);
        return sock != null && sock.acquire() ? sock : null; // handle is final once published: sock is s's
    }

    /** Handles of the sockets open now (for {@code WSPCleanup}). */
    synchronized long[] openHandles() {
        return java.util.Arrays.stream(sockets).filter(java.util.Objects::nonNull).mapToLong(b -> b.handle).toArray();
    }

    synchronized int openCount() {
        return used - freeCount;
    }
}
