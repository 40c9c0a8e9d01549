package org.jwsp.windows.install;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import org.jwsp.bindings.windows.LPWPUGETPROVIDERPATH;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.kernel.KernelException;
import org.jwsp.kernel.KernelPort;

/**
 * A catalog read through ws2_32's two exported catalog functions, given by address:
 * {@code WSCEnumProtocols} and {@code WSCGetProviderPath}. On Windows the addresses are ws2_32's
 * own; on Linux they are the host's exports, found by name through
 * {@code KernelPort.procAddress("ws2_32.dll", ...)} — the same way a layered provider finds them,
 * so {@code jwsp list} reads either catalog through the same native calls.
 *
 * <p>Called on the installer's thread; every call's transient memory lives in a confined arena of
 * that call, the entries in the caller's arena.
 */
public final class Ws2CatalogExports implements CatalogSource {

    /** {@code int WSCEnumProtocols(LPINT, LPWSAPROTOCOL_INFOW, LPDWORD, LPINT)}: built by hand, because
     *  the generated {@code ws2spi_h.WSCEnumProtocols$descriptor()} sits beside a symbol look-up that
     *  only succeeds where ws2_32 is loaded. */
    private static final FunctionDescriptor ENUM_PROTOCOLS = FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS);
    private static final int ENUM_ATTEMPTS = 4;
    private static final int MAX_PATH_CHARS = 260 + 1;

    private final MethodHandle enumProtocols;
    private final MemorySegment getProviderPath;

    public Ws2CatalogExports(MemorySegment enumProtocols, MemorySegment getProviderPath) {
        if (enumProtocols.equals(MemorySegment.NULL) || getProviderPath.equals(MemorySegment.NULL)) {
            throw new CatalogException("WSCEnumProtocols/WSCGetProviderPath not exported", ws2spi_h.WSAEINVAL());
        }
        this.enumProtocols = Linker.nativeLinker().downcallHandle(enumProtocols, ENUM_PROTOCOLS);
        this.getProviderPath = getProviderPath;
    }

    /**
     * The catalog of this process's ws2_32, found as a provider finds it: through
     * {@code KernelPort.system().procAddress("ws2_32.dll", ...)}. Off Windows that is the Linux host's
     * catalog (jwsp-host.jar registers the kernel port and exports), so {@code jwsp list} reads it
     * through the same native calls as on Windows.
     *
     * @throws InstallerFailure {@link InstallerError#NO_HOST_CATALOG} naming what is missing
     */
    public static Ws2CatalogExports ofThisProcess() {
        KernelPort kernel;
        try {
            kernel = KernelPort.system();
        } catch (KernelException e) {
            throw new InstallerFailure(InstallerError.NO_HOST_CATALOG, "there is no Winsock catalog on "
                    + System.getProperty("os.name") + ": " + e.getMessage(), e);
        }
        MemorySegment enumProtocols = kernel.procAddress("ws2_32.dll", "WSCEnumProtocols");
        MemorySegment providerPath = kernel.procAddress("ws2_32.dll", "WSCGetProviderPath");
        if (enumProtocols.equals(MemorySegment.NULL) || providerPath.equals(MemorySegment.NULL)) {
            throw new InstallerFailure(InstallerError.NO_HOST_CATALOG,
                    "this process's ws2_32.dll exports no WSCEnumProtocols/WSCGetProviderPath");
        }
        return new Ws2CatalogExports(enumProtocols, providerPath);
    }

    @Override
    public MemorySegment[] protocols(Arena arena) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment length = call.allocate(ValueLayout.JAVA_INT);
            MemorySegment errno = call.allocate(ValueLayout.JAVA_INT);
            MemorySegment buffer = MemorySegment.NULL;
            // The catalog can grow between the sizing call and the real one: retry a few times.
            for (int attempt = 0; attempt < ENUM_ATTEMPTS; attempt++) {
                int count = enumerate(buffer, length, errno);
                if (count != ws2spi_h.SOCKET_ERROR()) {
                    MemorySegment[] entries = new MemorySegment[count];
                    for (int i = 0; i < count; i++) {
                        entries[i] = WSAPROTOCOL_INFOW.asSlice(buffer, i).asSlice(0, WSAPROTOCOL_INFOW.sizeof());
                    }
                    return entries;
                }
                int error = errno.get(ValueLayout.JAVA_INT, 0);
                if (error != ws2spi_h.WSAENOBUFS()) {
                    throw new CatalogException("WSCEnumProtocols", error);
                }
                buffer = arena.allocate(Integer.toUnsignedLong(length.get(ValueLayout.JAVA_INT, 0)),
                        WSAPROTOCOL_INFOW.layout().byteAlignment());
            }
            throw new CatalogException("WSCEnumProtocols", ws2spi_h.WSAENOBUFS());
        }
    }

    @Override
    public String providerPath(MemorySegment entry) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment path = call.allocate(ValueLayout.JAVA_SHORT, MAX_PATH_CHARS);
            MemorySegment length = call.allocateFrom(ValueLayout.JAVA_INT, MAX_PATH_CHARS);
            MemorySegment errno = call.allocate(ValueLayout.JAVA_INT);
            if (LPWPUGETPROVIDERPATH.invoke(getProviderPath, WSAPROTOCOL_INFOW.ProviderId(entry), path, length,
                    errno) != 0) {
                return null;
            }
            return path.getString(0, StandardCharsets.UTF_16LE);
        }
    }

    private int enumerate(MemorySegment buffer, MemorySegment length, MemorySegment errno) {
        try {
            return (int) enumProtocols.invokeExact(MemorySegment.NULL, buffer, length, errno);
        } catch (Throwable t) {
            throw new CatalogException("WSCEnumProtocols: " + t, ws2spi_h.WSAEINVAL());
        }
    }
}
