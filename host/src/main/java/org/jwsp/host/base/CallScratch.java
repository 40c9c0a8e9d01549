package org.jwsp.host.base;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.linux.iovec;
import org.jwsp.bindings.linux.msghdr;
import org.jwsp.bindings.linux.pollfd;
import org.jwsp.bindings.linux.sockaddr_storage;

/**
 * Per-thread native scratch for the base provider's synchronous calls (blocking and nonblocking
 * send/receive, bind, connect, accept, names, options): a {@code msghdr} with 16 inline iovecs, a
 * Linux {@code sockaddr_storage}, a {@code socklen_t}, an 8-byte option value and a {@code pollfd}.
 * Only the owning thread uses it, inside one call. It lives as long as the thread (automatic
 * arena, freed when the thread's {@link ThreadLocal} value is collected); a call with more than 16
 * buffers uses a confined arena of its own for that call.
 */
final class CallScratch {

    static final int INLINE_BUFFERS = 16;
    private static final ThreadLocal<CallScratch> CURRENT = ThreadLocal.withInitial(CallScratch::new);

    final MemorySegment message;
    final MemorySegment iov;
    final MemorySegment address;
    final MemorySegment addressLength;
    final MemorySegment value;
    final MemorySegment poll;

    private CallScratch() {
        Arena arena = Arena.ofAuto();
        message = msghdr.allocate(arena);
        iov = iovec.allocateArray(INLINE_BUFFERS, arena);
        address = sockaddr_storage.allocate(arena);
        addressLength = arena.allocate(4, 4);
        value = arena.allocate(8, 8);
        poll = pollfd.allocate(arena);
    }

    static CallScratch current() {
        return CURRENT.get();
    }
}
