package org.jwsp.provider;

import java.util.Objects;
import java.util.UUID;

import org.jwsp.kernel.KernelPort;
import org.jwsp.provider.filter.SendFilter;

/**
 * How a jwsp runtime is built at its first WSPStartup: set with
 * {@link LayeredProvider#configure} before ws2_32 (or the Linux host's catalog) starts it.
 *
 * @param kernel                 the kernel door; null means {@link KernelPort#system()}
 * @param filter                 the send filter; {@link SendFilter#PASS_THROUGH} by default
 * @param requestPoolSize        bound on the overlapped operations (sends and proxied ones) jwsp
 *                               holds at once: the pool grows on demand up to it, and beyond it an
 *                               overlapped send answers WSAEWOULDBLOCK
 * @param socketSlots            bound on the sockets open through jwsp at once: the table grows on
 *                               demand up to it, and beyond it WSPSocket answers WSAEMFILE
 * @param lowerPostsImmediate    true when the lower provider queues a completion packet also for
 *                               an overlapped operation it completed at once (Windows' default,
 *                               without FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)
 * @param skipLowerPortOnSuccess true (default) to ask each overlapped lower socket of a base (IFS)
 *                               provider for FILE_SKIP_COMPLETION_PORT_ON_SUCCESS, so a send the
 *                               kernel takes at once is finished on the caller's thread and no
 *                               packet reaches jwsp's worker; false keeps the lower provider's
 *                               packet, and with it the send "in flight" until the worker reaps it,
 *                               so later sends wait and are merged (docs/PERFORMANCE.md weighs both)
 * @param probeCallerMemory      true to ask the kernel whether each caller pointer that passed the
 *                               address-range check is mapped before touching it (one system call
 *                               per pointer; README "Bad pointers"); false by default
 * @param providerId             the GUID of jwsp's hidden layered catalog entry: jwsp finds its own
 *                               position in a protocol chain by it ({@link #LAYERED_PROVIDER_ID} as installed)
 */
public record ProviderSettings(KernelPort kernel, SendFilter filter, int requestPoolSize, int socketSlots,
                               boolean lowerPostsImmediate, boolean skipLowerPortOnSuccess, boolean probeCallerMemory,
                               UUID providerId) {

    /** The GUID jwsp's installer gives its layered entry ({@code {6A77B5C1-3D2E-4F70-9C4B-1E5A0B7D2F11}}). */
    public static final UUID LAYERED_PROVIDER_ID = UUID.fromString("6A77B5C1-3D2E-4F70-9C4B-1E5A0B7D2F11");
    /** Default bound on outstanding operations: far above what one process keeps in flight. */
    public static final int DEFAULT_MAX_REQUESTS = 1 << 20;
    /** Default bound on open sockets: the default hard RLIMIT_NOFILE of a Linux process. */
    public static final int DEFAULT_MAX_SOCKETS = 1 << 20;

    public ProviderSettings {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(providerId, "providerId");
        if (requestPoolSize <= 0 || socketSlots <= 0) {
            throw new IllegalArgumentException("pool bounds must be positive");
        }
    }

    /**
     * System kernel port, pass-through filter, up to 2^20 requests and 2^20 sockets (grown on
     * demand), Windows completion semantics, no memory probe, the installed GUID.
     */
    public static ProviderSettings defaults() {
        return new ProviderSettings(null, SendFilter.PASS_THROUGH, DEFAULT_MAX_REQUESTS, DEFAULT_MAX_SOCKETS, true, true, false,
                LAYERED_PROVIDER_ID);
    }

    public ProviderSettings withKernel(KernelPort k) {
        return new ProviderSettings(k, filter, requestPoolSize, socketSlots, lowerPostsImmediate, skipLowerPortOnSuccess, probeCallerMemory, providerId);
    }

    public ProviderSettings withFilter(SendFilter f) {
        return new ProviderSettings(kernel, f, requestPoolSize, socketSlots, lowerPostsImmediate, skipLowerPortOnSuccess, probeCallerMemory, providerId);
    }

    public ProviderSettings withRequestPoolSize(int n) {
        return new ProviderSettings(kernel, filter, n, socketSlots, lowerPostsImmediate, skipLowerPortOnSuccess, probeCallerMemory, providerId);
    }

    public ProviderSettings withSocketSlots(int n) {
        return new ProviderSettings(kernel, filter, requestPoolSize, n, lowerPostsImmediate, skipLowerPortOnSuccess, probeCallerMemory, providerId);
    }

    public ProviderSettings withLowerPostsImmediate(boolean posts) {
        return new ProviderSettings(kernel, filter, requestPoolSize, socketSlots, posts, skipLowerPortOnSuccess, probeCallerMemory, providerId);
    }

    public ProviderSettings withSkipLowerPortOnSuccess(boolean skip) {
        return new ProviderSettings(kernel, filter, requestPoolSize, socketSlots, lowerPostsImmediate, skip, probeCallerMemory, providerId);
    }

    public ProviderSettings withProbeCallerMemory(boolean probe) {
        return new ProviderSettings(kernel, filter, requestPoolSize, socketSlots, lowerPostsImmediate, skipLowerPortOnSuccess, probe, providerId);
    }

    /** The GUID of the layered entry jwsp is installed under (tests install it under their own). */
    public ProviderSettings withProviderId(UUID id) {
        return new ProviderSettings(kernel, filter, requestPoolSize, socketSlots, lowerPostsImmediate, skipLowerPortOnSuccess, probeCallerMemory, id);
    }
}
