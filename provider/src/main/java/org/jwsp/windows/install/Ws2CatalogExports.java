package org.jwsp.windows.install;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.kernel.KernelException;
import org.jwsp.kernel.KernelPort;
import org.jwsp.provider.ProtocolCatalog;

/**
 * The Winsock catalog through ws2_32's catalog functions, given by address: read with
 * {@code WSCEnumProtocols} and {@code WSCGetProviderPath} (through the provider's
 * {@link ProtocolCatalog}, jwsp's one catalog reader), written with {@code WSCInstallProvider},
 * {@code WSCDeinstallProvider} and {@code WSCWriteProviderOrder}; LSP categories with
 * {@code WSCSet/GetProviderInfo} and {@code WSCGet/SetApplicationCategory}. On Windows the addresses are
 * ws2_32's own ({@link WinsockCatalog#open()}); on Linux they are the host's exports, found by name
 * through {@code KernelPort.procAddress("ws2_32.dll", ...)} ({@link #ofThisProcess()}) the way a
 * layered provider finds them. So {@code jwsp install | list | uninstall} run the same code, down to
 * the native calls, on both.
 *
 * <p>Called on the installer's thread; every call's transient memory lives in a confined arena of
 * that call, enumerated entries in the caller's arena. Not thread-safe (the installer is single-threaded).
 */
public final class Ws2CatalogExports implements WritableCatalog {

    /** {@code int WSCInstallProvider(LPGUID, const WCHAR *, LPWSAPROTOCOL_INFOW, DWORD, LPINT)}. */
    private static final FunctionDescriptor INSTALL = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS);
    /** {@code int WSCDeinstallProvider(LPGUID, LPINT)}. */
    private static final FunctionDescriptor DEINSTALL = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.ADDRESS);
    /** {@code int WSCWriteProviderOrder(LPDWORD, DWORD)}: returns the error code itself. */
    private static final FunctionDescriptor WRITE_ORDER = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_INT);

    /** {@code int WSCSetProviderInfo(LPGUID, WSC_PROVIDER_INFO_TYPE, PBYTE, size_t, DWORD, LPINT)}. */
    private static final FunctionDescriptor SET_PROVIDER_INFO = FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS);
    /** {@code int WSCGetProviderInfo(LPGUID, WSC_PROVIDER_INFO_TYPE, PBYTE, size_t *, DWORD, LPINT)}. */
    private static final FunctionDescriptor GET_PROVIDER_INFO = FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS);
    /** {@code int WSCGetApplicationCategory(LPCWSTR, DWORD, LPCWSTR, DWORD, DWORD *, LPINT)}. */
    private static final FunctionDescriptor GET_APP_CATEGORY = FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.ADDRESS);
    /** {@code int WSCSetApplicationCategory(LPCWSTR, DWORD, LPCWSTR, DWORD, DWORD, DWORD *, LPINT)}. */
    private static final FunctionDescriptor SET_APP_CATEGORY = FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS);

    private final ProtocolCatalog reader;
    private final MethodHandle installProvider;
    private final MethodHandle deinstallProvider;
    private final MethodHandle writeProviderOrder;
    private final MethodHandle setProviderInfo;
    private final MethodHandle getProviderInfo;
    private final MethodHandle getApplicationCategory;
    private final MethodHandle setApplicationCategory;
    private final BooleanSupplier elevated;

    /**
     * @param reader   the catalog's {@code WSCEnumProtocols}/{@code WSCGetProviderPath}
     * @param exports  ws2_32's export of each name ({@code WSCInstallProvider}, {@code WSCDeinstallProvider},
     *                 {@code WSCWriteProviderOrder}, {@code WSCSetProviderInfo},
     *                 {@code WSCGetProviderInfo}, {@code WSCGetApplicationCategory}, {@code WSCSetApplicationCategory}), NULL if missing
     * @param elevated whether this process may write the catalog
     */
    public Ws2CatalogExports(ProtocolCatalog reader, Function<String, MemorySegment> exports, BooleanSupplier elevated) {
        Linker linker = Linker.nativeLinker();
        this.reader = reader;
        this.installProvider = linker.downcallHandle(export(exports, "WSCInstallProvider"), INSTALL);
        this.deinstallProvider = linker.downcallHandle(export(exports, "WSCDeinstallProvider"), DEINSTALL);
        this.writeProviderOrder = linker.downcallHandle(export(exports, "WSCWriteProviderOrder"), WRITE_ORDER);
        this.setProviderInfo = linker.downcallHandle(export(exports, "WSCSetProviderInfo"), SET_PROVIDER_INFO);
        this.getProviderInfo = linker.downcallHandle(export(exports, "WSCGetProviderInfo"), GET_PROVIDER_INFO);
        this.getApplicationCategory = linker.downcallHandle(export(exports, "WSCGetApplicationCategory"), GET_APP_CATEGORY);
        this.setApplicationCategory = linker.downcallHandle(export(exports, "WSCSetApplicationCategory"), SET_APP_CATEGORY);
        this.elevated = elevated;
    }

    private static MemorySegment export(Function<String, MemorySegment> exports, String name) {
        MemorySegment address = exports.apply(name);
        if (address == null || address.address() == 0) {
            throw new CatalogException(name, "ws2_32 does not export it", null);
        }
        return address;
    }

    /**
     * The catalog of this process's ws2_32, found as a provider finds it: through
     * {@code KernelPort.system().procAddress("ws2_32.dll", ...)}. Off Windows that is the Linux
     * host's catalog (jwsp-host.jar registers the kernel port and the exports). The host answers
     * "elevated": its catalog belongs to this process alone, there is no one else to protect.
     *
     * @throws InstallerFailure {@link InstallerError#NO_HOST_CATALOG} naming what is missing
     */
    public static Ws2CatalogExports ofThisProcess() {
        KernelPort kernel = HostProviderModule.kernel();
        try {
            return new Ws2CatalogExports(ProtocolCatalog.of(kernel), name -> kernel.procAddress("ws2_32.dll", name),
                    () -> true);
        } catch (KernelException | CatalogException e) {
            throw new InstallerFailure(InstallerError.NO_HOST_CATALOG,
                    "this process's ws2_32.dll does not export the catalog functions: " + e.getMessage(), e);
        }
    }

    @Override
    public MemorySegment[] protocols(Arena arena) {
        try {
            return reader.protocols(arena);
        } catch (KernelException e) {
            throw e.code() != 0 ? new CatalogException("WSCEnumProtocols", e.code())
                    : new CatalogException("WSCEnumProtocols", e.getMessage(), e);
        }
    }

    @Override
    public String providerPath(MemorySegment entry) {
        try {
            return reader.providerPath(WSAPROTOCOL_INFOW.ProviderId(entry));
        } catch (KernelException e) {
            return null;
        }
    }

    @Override
    public boolean elevated() {
        return elevated.getAsBoolean();
    }

    @Override
    public void install(ProviderId id, String dllPath, MemorySegment entries, int count) {
        String call = "WSCInstallProvider " + id;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(ValueLayout.JAVA_INT);
            int result = (int) installProvider.invokeExact(id.allocate(arena),
                    arena.allocateFrom(dllPath, StandardCharsets.UTF_16LE), entries, count, errno);
            if (result != 0) {
                throw new CatalogException(call, errno.get(ValueLayout.JAVA_INT, 0));
            }
        } catch (CatalogException e) {
            throw e;
        } catch (Throwable t) {
            throw new CatalogException(call, t.toString(), t);
        }
    }

    @Override
    public void deinstall(ProviderId id) {
        String call = "WSCDeinstallProvider " + id;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(ValueLayout.JAVA_INT);
            if ((int) deinstallProvider.invokeExact(id.allocate(arena), errno) != 0) {
                throw new CatalogException(call, errno.get(ValueLayout.JAVA_INT, 0));
            }
        } catch (CatalogException e) {
            throw e;
        } catch (Throwable t) {
            throw new CatalogException(call, t.toString(), t);
        }
    }

    @Override
    public void writeOrder(int[] catalogIds) {
        try (Arena arena = Arena.ofConfined()) {
            int result = (int) writeProviderOrder.invokeExact(arena.allocateFrom(ValueLayout.JAVA_INT, catalogIds),
                    catalogIds.length);
            if (result != 0) {
                throw new CatalogException("WSCWriteProviderOrder", result);
            }
        } catch (CatalogException e) {
            throw e;
        } catch (Throwable t) {
            throw new CatalogException("WSCWriteProviderOrder", t.toString(), t);
        }
    }

    @Override
    public void setProviderCategories(ProviderId id, int categories) {
        String call = "WSCSetProviderInfo(ProviderInfoLspCategories) " + id;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment info = arena.allocateFrom(ValueLayout.JAVA_INT, categories);
            if ((int) setProviderInfo.invokeExact(id.allocate(arena),
                    ws2spi_h.ProviderInfoLspCategories(), info, 4L, 0, errno) != 0) {
                throw new CatalogException(call, errno.get(ValueLayout.JAVA_INT, 0));
            }
        } catch (CatalogException e) {
            throw e;
        } catch (Throwable t) {
            throw new CatalogException(call, t.toString(), t);
        }
    }

    /**
     * {@code WSCGetProviderInfo(ProviderInfoLspCategories)} of the entry's provider GUID, as an
     * unsigned DWORD; -1 when ws2_32 does not answer (a provider with no categories answers 0 on the
     * host; Windows may answer an error, shown as unknown).
     */
    @Override
    public long lspCategories(MemorySegment entry) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment info = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment size = arena.allocateFrom(ValueLayout.JAVA_LONG, 4L);
            int result = (int) getProviderInfo.invokeExact(ProtocolInfo.providerId(entry).allocate(arena),
                    ws2spi_h.ProviderInfoLspCategories(), info, size, 0, errno);
            return result == 0 ? Integer.toUnsignedLong(info.get(ValueLayout.JAVA_INT, 0)) : -1;
        } catch (Throwable t) {
            throw new CatalogException("WSCGetProviderInfo(ProviderInfoLspCategories)", t.toString(), t);
        }
    }

    @Override
    public int applicationCategories(String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment categories = arena.allocate(ValueLayout.JAVA_INT);
            int result = (int) getApplicationCategory.invokeExact(arena.allocateFrom(path, StandardCharsets.UTF_16LE),
                    path.length(), MemorySegment.NULL, 0, categories, errno);
            return result == 0 ? categories.get(ValueLayout.JAVA_INT, 0) : 0;
        } catch (Throwable t) {
            throw new CatalogException("WSCGetApplicationCategory " + path, t.toString(), t);
        }
    }

    @Override
    public void setApplicationCategories(String path, int categories) {
        String call = "WSCSetApplicationCategory " + path;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment previous = arena.allocate(ValueLayout.JAVA_INT);
            if ((int) setApplicationCategory.invokeExact(arena.allocateFrom(path, StandardCharsets.UTF_16LE),
                    path.length(), MemorySegment.NULL, 0, categories, previous, errno) != 0) {
                throw new CatalogException(call, errno.get(ValueLayout.JAVA_INT, 0));
            }
        } catch (CatalogException e) {
            throw e;
        } catch (Throwable t) {
            throw new CatalogException(call, t.toString(), t);
        }
    }
}
