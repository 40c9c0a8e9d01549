package org.jwsp.kernel;

/** Holds the one {@link KernelPort} of this process, chosen by {@code os.name} on first use. */
final class SystemKernelPort {

    static final KernelPort INSTANCE = load();

    private SystemKernelPort() {
    }

    private static KernelPort load() {
        boolean windows = System.getProperty("os.name", "").startsWith("Windows");
        String name = windows ? "org.jwsp.windows.WindowsKernelPort" : "org.jwsp.host.kernel.LinuxKernelPort";
        try {
            return (KernelPort) Class.forName(name).getMethod("instance").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new KernelException("no kernel port for " + System.getProperty("os.name") + ": " + name, 0, e);
        }
    }
}
