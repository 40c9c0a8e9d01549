package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jwsp.bindings.windows.WSAPROTOCOLCHAIN;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.kernel.KernelException;
import org.jwsp.kernel.KernelPort;

/**
 * The one reader of a Winsock catalog in jwsp: ws2_32's {@code WSCEnumProtocols} and
 * {@code WSCGetProviderPath}, called through their native addresses. The provider uses it at
 * {@code WSPStartup} to find the next provider of its chain ({@link #next}); the installer uses it to
 * list and check the catalog it writes ({@code org.jwsp.windows.install.Ws2CatalogExports}). The
 * addresses come from {@link KernelPort#procAddress} ({@link #of}): ws2_32's own on Windows, the
 * Linux host's exports there, so the same code reads either catalog.
 *
 * <p>Any thread; each call's transient memory lives in a confined arena of that call, what it
 * returns in the caller's arena. Failures are {@link KernelException}s whose code is the WSAE code
 * ws2_32 reported (0 when the call could not be made).
 */
public final class ProtocolCatalog {

    /** What jwsp needs of its next provider for one of its own catalog entries. */
    record NextLink(int ownCatalogEntryId, MemorySegment ownInfo, MemorySegment nextInfo, String nextPath, boolean nextIsBase) {
    }

    /**
     * {@code int WSCEnumProtocols(LPINT, LPWSAPROTOCOL_INFOW, LPDWORD, LPINT)} and
     * {@code int WSCGetProviderPath(LPGUID, WCHAR*, LPINT, LPINT)}. Spelled here from the generated
     * C layouts: the generated {@code $descriptor()} sits in a holder that also looks the symbol
     * up in the process, which fails where ws2_32 is not loaded (the Linux host).
     */
    static final FunctionDescriptor FOUR_POINTERS_TO_INT = FunctionDescriptor.of(ws2spi_h.C_INT,
            ws2spi_h.C_POINTER, ws2spi_h.C_POINTER, ws2spi_h.C_POINTER, ws2spi_h.C_POINTER);

    /** The catalog can grow between the sizing call and the real one: so many tries. */
    private static final int ENUM_ATTEMPTS = 4;
    private static final Pattern ENV = Pattern.compile("%([^%]+)%");

    private final MethodHandle enumProtocols;
    private final MethodHandle getProviderPath;

    /** Over the two exports at these addresses. */
    public ProtocolCatalog(MemorySegment enumProtocols, MemorySegment getProviderPath) {
        Objects.requireNonNull(enumProtocols);
        if (enumProtocols.address() == 0 || getProviderPath.address() == 0) {
            throw new KernelException("ws2_32 exports no WSCEnumProtocols/WSCGetProviderPath", 0);
        }
        this.enumProtocols = Linker.nativeLinker().downcallHandle(enumProtocols, FOUR_POINTERS_TO_INT);
        this.getProviderPath = Linker.nativeLinker().downcallHandle(getProviderPath, FOUR_POINTERS_TO_INT);
    }

    /** The catalog of {@code kernel}'s ws2_32, found as {@code GetProcAddress(ws2_32, ...)} finds it. */
    public static ProtocolCatalog of(KernelPort kernel) {
        return new ProtocolCatalog(kernel.procAddress("ws2_32.dll", "WSCEnumProtocols"),
                kernel.procAddress("ws2_32.dll", "WSCGetProviderPath"));
    }

    /** Every catalog entry in catalog order, each exactly one {@code WSAPROTOCOL_INFOW} in {@code arena}. */
    public MemorySegment[] protocols(Arena arena) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment length = call.allocate(ValueLayout.JAVA_INT);
            MemorySegment errno = call.allocate(ValueLayout.JAVA_INT);
            MemorySegment buffer = MemorySegment.NULL;
            for (int attempt = 0; attempt < ENUM_ATTEMPTS; attempt++) {
                int count = enumerate(buffer, length, errno);
                if (count != ws2spi_h.SOCKET_ERROR()) {
                    MemorySegment[] entries = new MemorySegment[count];
                    for (int i = 0; i < count; i++) {
                        entries[i] = buffer.asSlice(i * WSAPROTOCOL_INFOW.sizeof(), WSAPROTOCOL_INFOW.sizeof());
                    }
                    return entries;
                }
                int error = errno.get(ValueLayout.JAVA_INT, 0);
                if (error != ws2spi_h.WSAENOBUFS()) {
                    throw new KernelException("WSCEnumProtocols failed", error);
                }
                buffer = arena.allocate(Integer.toUnsignedLong(length.get(ValueLayout.JAVA_INT, 0)),
                        WSAPROTOCOL_INFOW.layout().byteAlignment());
            }
            throw new KernelException("WSCEnumProtocols: the catalog kept growing", ws2spi_h.WSAENOBUFS());
        }
    }

    private int enumerate(MemorySegment buffer, MemorySegment length, MemorySegment errno) {
        try {
            return (int) enumProtocols.invokeExact(MemorySegment.NULL, buffer, length, errno);
        } catch (Throwable t) {
            throw new KernelException("WSCEnumProtocols could not be called: " + t, 0, t);
        }
    }

    /** The DLL path the catalog holds for the provider GUID at {@code providerId}, as stored (not expanded). */
    public String providerPath(MemorySegment providerId) {
        int max = ws2spi_h.MAX_PATH() + 1;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment path = call.allocate(2L * max, 2);
            MemorySegment len = call.allocateFrom(ValueLayout.JAVA_INT, max);
            MemorySegment errno = call.allocate(ValueLayout.JAVA_INT);
            int rc;
            try {
                rc = (int) getProviderPath.invokeExact(providerId, path, len, errno);
            } catch (Throwable t) {
                throw new KernelException("WSCGetProviderPath could not be called: " + t, 0, t);
            }
            if (rc != 0) {
                throw new KernelException("WSCGetProviderPath failed", errno.get(ValueLayout.JAVA_INT, 0));
            }
            int chars = 0;
            while (chars < max && path.get(ValueLayout.JAVA_SHORT, 2L * chars) != 0) {
                chars++;
            }
            return new String(path.asSlice(0, 2L * chars).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_16LE);
        }
    }

    /** Resolves the provider after jwsp in {@code ownInfo}'s chain; copies of both entries go to {@code arena}. */
    NextLink next(MemorySegment ownInfo, Arena arena) {
        MemorySegment info = ownInfo.reinterpret(WSAPROTOCOL_INFOW.layout().byteSize());
        MemorySegment chain = WSAPROTOCOL_INFOW.ProtocolChain(info);
        int chainLen = WSAPROTOCOLCHAIN.ChainLen(chain);
        if (chainLen < 2 || chainLen > ws2spi_h.MAX_PROTOCOL_CHAIN()) {
            throw new KernelException("jwsp's entry is not layered over anything (ChainLen " + chainLen + ")", 0);
        }
        int nextId = WSAPROTOCOLCHAIN.ChainEntries(chain, 1);
        try (Arena call = Arena.ofConfined()) {
            for (MemorySegment entry : protocols(call)) {
                if (WSAPROTOCOL_INFOW.dwCatalogEntryId(entry) != nextId) {
                    continue;
                }
                MemorySegment nextInfo = arena.allocate(WSAPROTOCOL_INFOW.layout()).copyFrom(entry);
                MemorySegment ownCopy = arena.allocate(WSAPROTOCOL_INFOW.layout()).copyFrom(info);
                String path = expand(providerPath(WSAPROTOCOL_INFOW.ProviderId(nextInfo)));
                return new NextLink(WSAPROTOCOL_INFOW.dwCatalogEntryId(info), ownCopy, nextInfo, path, chainLen == 2);
            }
        }
        throw new KernelException("catalog entry " + nextId + " of the chain is not installed", 0);
    }

    /** %SystemRoot%-style variables, as ExpandEnvironmentStrings would (catalog paths use them). */
    static String expand(String path) {
        Matcher m = ENV.matcher(path);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = System.getenv(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(value != null ? value : m.group()));
        }
        m.appendTail(out);
        return out.toString();
    }
}
