package org.jwsp.kernel;

/**
 * A {@link KernelPort} implementation, as registered with {@link java.util.ServiceLoader} under
 * {@code META-INF/services/org.jwsp.kernel.KernelPortProvider}: the provider jar registers the
 * Windows port, the Linux host's jar its own. {@link KernelPort#system()} takes the first one
 * that {@link #runsHere() runs here}.
 *
 * <p>An implementation must be cheap to construct and must not touch its system's native code
 * before {@link #kernelPort()}: the loader constructs every registered one on every system.
 */
public interface KernelPortProvider {

    /** Whether this port runs in this JVM (its operating system and architecture). */
    boolean runsHere();

    /** What this port is, for messages: for example {@code "Windows x64 (kernel32)"}. */
    String describe();

    /**
     * The process's one kernel port of this kind, bound on first call.
     *
     * @throws KernelException when its native libraries cannot be bound
     */
    KernelPort kernelPort();
}
