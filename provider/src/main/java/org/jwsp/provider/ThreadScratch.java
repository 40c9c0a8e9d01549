package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Per-thread native out-parameters for the provider's own downcalls (lpErrno of an upcall-table
 * call, the lower provider's byte count and flags), and what the last handle this thread looked up
 * resolved to.
 * Allocated once per thread on its first call into jwsp, so no send allocates; owned by an
 * automatic arena that frees it when the thread (and its ThreadLocal) is gone. Only its own
 * thread touches it.
 */
final class ThreadScratch {

    private static final ThreadLocal<ThreadScratch> CURRENT = ThreadLocal.withInitial(ThreadScratch::new);

    final MemorySegment errno;
    /** The context value the last {@link SocketTable#socketOf} on this thread resolved its handle to (0: none). */
    long resolved;
    final MemorySegment bytes;
    final MemorySegment flags;
    /** jwsp's own WSATHREADID of this thread (WPUOpenCurrentThread), opened for the runtime {@link #ownThreadOf}. */
    final MemorySegment ownThread;
    /** {@link RoutinesDue#generation} of the runtime that opened {@link #ownThread}, 0 when none did. */
    int ownThreadOf;
    /** One WSABUF: a part of a caller's entry that a lower send takes alone ({@link LargeSynchronousSend}). */
    final MemorySegment part;
    /** A TransmitFile's head and tail as two WSABUFs (+0), and the TRANSMIT_FILE_BUFFERS of a lower TransmitFile (+32). */
    final MemorySegment transmit;
    /** The filter's view of a synchronous send on this thread (overlapped sends use their request). */
    final SendFacts facts = new SendFacts();
    /** The filter's view of a send being completed on this thread ({@code SendFilter.onComplete}). */
    final SendFacts completed = new SendFacts();
    /**
     * The queue whose next lower send this thread took the job of issuing under its lock, to issue
     * after leaving it ({@link LowerIssue#issueClaimed}); null otherwise.
     */
    SubmissionQueue issuing;

    private ThreadScratch() {
        MemorySegment block = Arena.ofAuto().allocate(64, 8);
        this.errno = block.asSlice(8, ValueLayout.JAVA_INT);
        this.bytes = block.asSlice(12, ValueLayout.JAVA_INT);
        this.flags = block.asSlice(16, ValueLayout.JAVA_INT);
        this.ownThread = block.asSlice(32, 16);
        this.part = block.asSlice(48, WsaBufCapture.SIZEOF_WSABUF);
        this.transmit = Arena.ofAuto().allocate(64, 8);
    }

    static ThreadScratch get() {
        return CURRENT.get();
    }

    int errno() {
        return errno.get(ValueLayout.JAVA_INT, 0);
    }

    int bytes() {
        return bytes.get(ValueLayout.JAVA_INT, 0);
    }
}
