package org.jwsp.windows;

import org.jwsp.kernel.KernelPort;
import org.jwsp.kernel.KernelPortProvider;

/** Registers {@link WindowsKernelPort} with {@link java.util.ServiceLoader}; binds nothing until asked. */
public final class WindowsKernelPortProvider implements KernelPortProvider {

    @Override
    public boolean runsHere() {
        return WindowsKernelPort.refusal(System.getProperty("os.name", ""), System.getProperty("os.arch", "")) == null;
    }

    @Override
    public String describe() {
        return "Windows x64 (kernel32, org.jwsp.windows.WindowsKernelPort)";
    }

    @Override
    public KernelPort kernelPort() {
        return WindowsKernelPort.instance();
    }
}
