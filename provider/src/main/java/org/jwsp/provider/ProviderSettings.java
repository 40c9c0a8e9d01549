package org.jwsp.provider;

import java.util.Objects;

import org.jwsp.kernel.KernelPort;
import org.jwsp.provider.filter.SendFilter;

/**
 * How a jwsp runtime is built at its first WSPStartup: set with
 * {@link LayeredProvider#configure} before ws2_32 (or the Linux host's catalog) starts it.
 *
 * @param kernel                 the kernel door; null means {@link KernelPort#system()}
 * @param filter                 the send filter; {@link SendFilter#PASS_THROUGH} by default
 * @param requestPoolSize        outstanding overlapped operations (sends and proxied ones) jwsp
 *                               holds at once; beyond it an overlapped send answers WSAEWOULDBLOCK
 * @param socketSlots            sockets open through jwsp at once; beyond it WSPSocket answers WSAEMFILE
 * @param lowerPostsImmediate    true when the lower provider queues a completion packet also for
 *                               an overlapped operation it completed at once (Windows' default,
 *                               without FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)
 */
public record ProviderSettings(KernelPort kernel, SendFilter filter, int requestPoolSize, int socketSlots,
                               boolean lowerPostsImmediate) {

    public ProviderSettings {
        Objects.requireNonNull(filter, "filter");
        if (requestPoolSize <= 0 || socketSlots <= 0) {
            throw new IllegalArgumentException("pool sizes must be positive");
        }
    }

    /** System kernel port, pass-through filter, 4096 requests, 1024 sockets, Windows completion semantics. */
    public static ProviderSettings defaults() {
        return new ProviderSettings(null, SendFilter.PASS_THROUGH, 4096, 1024, true);
    }

    public ProviderSettings withKernel(KernelPort k) {
        return new ProviderSettings(k, filter, requestPoolSize, socketSlots, lowerPostsImmediate);
    }

    public ProviderSettings withFilter(SendFilter f) {
        return new ProviderSettings(kernel, f, requestPoolSize, socketSlots, lowerPostsImmediate);
    }

    public ProviderSettings withRequestPoolSize(int n) {
        return new ProviderSettings(kernel, filter, n, socketSlots, lowerPostsImmediate);
    }

    public ProviderSettings withLowerPostsImmediate(boolean posts) {
        return new ProviderSettings(kernel, filter, requestPoolSize, socketSlots, posts);
    }
}
