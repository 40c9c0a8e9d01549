/**
 * kernel32 on Linux: {@link org.jwsp.host.kernel.LinuxKernelPort} and what it is made of — one
 * {@link org.jwsp.host.kernel.CompletionPortObject} per io_uring ({@code IoUring}: mmap'd rings, the
 * memory-ordering argument is in its class comment), eventfd events, per-thread APC queues
 * ({@code HostThread}, {@code ApcQueue}), threads made by {@code CreateThread} ({@code CreatedThread}:
 * pthreads the JVM did not start), poll-based waits ({@code Waits}), regular files opened for
 * reading by {@code CreateFileW} ({@link org.jwsp.host.kernel.FileObject}: what {@code TransmitFile} sends), one
 * {@link org.jwsp.host.kernel.HandleTable} for every handle, the module registry, and
 * {@link org.jwsp.host.kernel.CountedArena}, through which the host's native memory is counted.
 */
package org.jwsp.host.kernel;
