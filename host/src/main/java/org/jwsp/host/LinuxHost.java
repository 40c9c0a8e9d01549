package org.jwsp.host;

import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.kernel.KernelPort;
import org.jwsp.kernel.KernelPortProvider;

/**
 * The Linux host as {@link java.util.ServiceLoader} finds it: the kernel-port service registered by
 * {@code jwsp-host.jar}. Asking for the port also
 * brings up the host's ws2_32 (its catalog and exports), as a Windows process finds ws2_32 loaded:
 * code that looks ws2_32's exports up through {@link KernelPort#procAddress} then finds them.
 */
public final class LinuxHost implements KernelPortProvider {

    @Override
    public boolean runsHere() {
        return System.getProperty("os.name", "").equals("Linux")
                && System.getProperty("os.arch", "").matches("amd64|x86_64");
    }

    @Override
    public String describe() {
        return "Linux x86_64 (the jwsp host: io_uring, eventfd, org.jwsp.host.kernel.LinuxKernelPort)";
    }

    @Override
    public KernelPort kernelPort() {
        LinuxKernelPort port = LinuxKernelPort.instance();
        Catalog.system();
        return port;
    }
}
