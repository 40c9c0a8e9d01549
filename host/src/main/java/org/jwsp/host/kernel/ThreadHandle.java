package org.jwsp.host.kernel;

/**
 * A real handle to a thread ({@code DuplicateHandle(GetCurrentThread())}): what
 * {@code WPUOpenCurrentThread} puts in a {@code WSATHREADID} and {@code QueueUserAPC} takes.
 * Keeps the thread's {@link HostThread} reachable; closing it releases nothing native.
 */
final class ThreadHandle implements KernelObject {

    final HostThread thread;

    ThreadHandle(HostThread thread) {
        this.thread = thread;
    }

    @Override
    public void close() {
        // a thread holds no fd between alertable waits (WakeFds lends one per wait): nothing to free here
    }
}
