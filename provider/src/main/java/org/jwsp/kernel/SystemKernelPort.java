package org.jwsp.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

import org.apache.logging.log4j.LogManager;

/**
 * Holds the one {@link KernelPort} of this process: the first {@link KernelPortProvider} on the
 * class path that runs here. Found through {@link ServiceLoader} with this jar's class loader (a
 * JVM the bootstrap DLL started has no useful context class loader), so no class of the other
 * system's port is ever initialised.
 */
final class SystemKernelPort {

    /** The port, or the {@link KernelException} saying why there is none (kept, so every call says it). */
    private static final Object OUTCOME = outcome();

    private SystemKernelPort() {
    }

    static KernelPort get() {
        if (OUTCOME instanceof KernelPort port) {
            return port;
        }
        KernelException why = (KernelException) OUTCOME;
        throw new KernelException(why.getMessage(), why.code(), why);
    }

    private static Object outcome() {
        Module jwsp = KernelPortProvider.class.getModule();
        String grant = "--enable-native-access=" + (jwsp.isNamed() ? jwsp.getName() : "ALL-UNNAMED");
        if (!jwsp.isNativeAccessEnabled()) {
            LogManager.getLogger(KernelPort.class).warn("native access is not granted to jwsp ({}): start the JVM with {}"
                    + " (the JDK warns on each restricted call, and refuses them with --illegal-native-access=deny)",
                    jwsp, grant);
        }
        try {
            return load();
        } catch (KernelException e) {
            return e;
        } catch (RuntimeException | LinkageError e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof IllegalCallerException denied) {
                    return new KernelException("native access is not granted to jwsp (" + jwsp + "): start the JVM with "
                            + grant + " (" + denied.getMessage() + ")", 0, e);
                }
            }
            return new KernelException("no kernel port for " + System.getProperty("os.name") + ": " + e, 0, e);
        }
    }

    private static KernelPort load() {
        String system = System.getProperty("os.name") + " " + System.getProperty("os.arch");
        List<String> found = new ArrayList<>();
        try {
            for (KernelPortProvider provider : ServiceLoader.load(KernelPortProvider.class,
                    KernelPortProvider.class.getClassLoader())) {
                if (provider.runsHere()) {
                    return provider.kernelPort();
                }
                found.add(provider.describe());
            }
        } catch (ServiceConfigurationError e) {
            throw new KernelException("no kernel port for " + system + ": a registered kernel port cannot be loaded: "
                    + e.getMessage(), 0, e);
        }
        throw new KernelException("no kernel port for " + system + ": "
                + (found.isEmpty() ? "none is registered (META-INF/services/" + KernelPortProvider.class.getName()
                        + "); off Windows put jwsp-host.jar on the class path"
                        : "the registered ones run elsewhere: " + String.join(", ", found)
                                + (system.startsWith("Windows") ? "" : "; off Windows put jwsp-host.jar on the class path")),
                0);
    }
}
