package org.jwsp.host.base;

import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.linux.iovec;
import org.jwsp.bindings.linux.msghdr;
import org.jwsp.bindings.linux.sockaddr_storage;
import org.jwsp.host.kernel.CountedArena;

/**
 * The base provider's pool of {@link IoRequest}s. A request's slot is written (+1) into the
 * caller's {@code OVERLAPPED.Offset} while the provider owns the operation, so the completion finds
 * its request by index, not by lookup. Requests are made on demand and kept; a request's iovec
 * array grows (to {@link #MAX_BUFFERS}) and is kept too, so the steady state allocates nothing.
 *
 * <p>Any thread takes and frees (under the monitor). Owns one {@link CountedArena} for all
 * requests' native memory, closed by {@link #close()} when the provider is cleaned up.
 */
final class RequestPool {

    /** Most {@code WSABUF}s one call may pass (Linux {@code IOV_MAX}); more is {@code WSAENOBUFS}. */
    static final int MAX_BUFFERS = 1024;
    private static final int INLINE_BUFFERS = 16;

    private final CountedArena arena = new CountedArena();
    private IoRequest[] requests = new IoRequest[64];
    private int[] free = new int[64];
    private int freeCount;
    private int used;

    synchronized IoRequest take(int bufferCount) {
        IoRequest r;
        if (freeCount > 0) {
            r = requests[free[--freeCount]];
        } else {
            if (used == requests.length) {
                requests = java.util.Arrays.copyOf(requests, used * 2);
                free = java.util.Arrays.copyOf(free, used * 2);
            }
            r = new IoRequest(used, msghdr.allocate(arena), sockaddr_storage.allocate(arena),
                    iovec.allocateArray(INLINE_BUFFERS, arena), INLINE_BUFFERS);
            requests[used++] = r;
        }
        if (bufferCount > r.iovCapacity) {
            int n = Math.max(bufferCount, r.iovCapacity * 2);
            r.iov = iovec.allocateArray(n, arena);
            r.iovCapacity = n;
        }
        return r;
    }

    /** The request at {@code slot} (from an {@code OVERLAPPED.Offset} - 1), or null. */
    synchronized IoRequest get(int slot) {
        return slot >= 0 && slot < used ? requests[slot] : null;
    }

    synchronized void free(IoRequest r) {
        r.reset();
        free[freeCount++] = r.slot;
    }

    /**
     * Marks for {@code CancelIoEx} the requests of {@code s} still pending (of {@code ov}, or all
     * when it is 0); returns how many.
     */
    synchronized int markCancelled(BaseSocket s, long ov) {
        int n = 0;
        for (int i = 0; i < used; i++) {
            IoRequest r = requests[i];
            if (r.socket == s && r.overlapped != 0 && (ov == 0 || r.overlapped == ov)
                    && r.kind != IoRequest.CONTROL && org.jwsp.host.upcall.OverlappedStatus.isPending(r.overlapped)) {
                r.cancelled = true;
                n++;
            }
        }
        return n;
    }

    synchronized int inUse() {
        return used - freeCount;
    }

    void close() {
        arena.close();
    }
}
