package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jwsp.bindings.windows.GUID;
import org.jwsp.bindings.windows.WSAPROTOCOLCHAIN;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.kernel.KernelException;
import org.jwsp.kernel.KernelPort;

/**
 * Finds the next provider of a protocol chain, as a layered provider must: the chain in the
 * WSAPROTOCOL_INFOW that WSPStartup/WSPSocket receive names catalog entries; ws2_32's
 * WSCEnumProtocols tells which of them is jwsp's own layered entry and gives the entry after it,
 * WSCGetProviderPath its DLL path. Both exports
 * are found through {@link KernelPort#procAddress}, so the same code runs over ws2_32 on
 * Windows and the Linux host's catalog.
 *
 * <p>Called at WSPStartup only (never on the send path), on the caller's thread. Memory: the
 * enumeration buffer is confined to the call; the chosen entry is copied into the caller's arena.
 */
final class ProtocolCatalog {

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

    private static final Pattern ENV = Pattern.compile("%([^%]+)%");

    private final MethodHandle enumProtocols;
    private final MethodHandle getProviderPath;
    /** The GUID of jwsp's hidden layered entry. */
    private final UUID ownProviderId;

    ProtocolCatalog(KernelPort kernel, UUID ownProviderId) {
        this.ownProviderId = ownProviderId;
        this.enumProtocols = downcall(kernel, "WSCEnumProtocols", FOUR_POINTERS_TO_INT);
        this.getProviderPath = downcall(kernel, "WSCGetProviderPath", FOUR_POINTERS_TO_INT);
    }

    private static MethodHandle downcall(KernelPort kernel, String name, FunctionDescriptor fd) {
        MemorySegment fn = kernel.procAddress("ws2_32.dll", name);
        if (fn.address() == 0) {
            throw new KernelException("ws2_32!" + name + " is missing", 0);
        }
        return Linker.nativeLinker().downcallHandle(fn, fd);
    }

    /**
     * Resolves the provider after jwsp in {@code ownInfo}'s chain; copies of both entries go to
     * {@code arena}. jwsp's position is the chain member that is jwsp's layered entry (chain length
     * {@code LAYERED_PROTOCOL}, provider GUID {@link #ownProviderId}), as Microsoft's reference LSP
     * finds its own; so another LSP may sit above jwsp ({@code [X, jwsp, base]}) or below it
     * ({@code [jwsp, X, base]}). A chain without jwsp's layered entry (a catalog installed under
     * another GUID) is taken to start with jwsp, the entry ws2_32 loaded.
     */
    NextLink next(MemorySegment ownInfo, Arena arena) throws Throwable {
        MemorySegment info = ownInfo.reinterpret(WSAPROTOCOL_INFOW.layout().byteSize());
        MemorySegment chain = WSAPROTOCOL_INFOW.ProtocolChain(info);
        int chainLen = WSAPROTOCOLCHAIN.ChainLen(chain);
        if (chainLen < 2 || chainLen > ws2spi_h.MAX_PROTOCOL_CHAIN()) {
            throw new KernelException("jwsp's entry is not layered over anything (ChainLen " + chainLen + ")", 0);
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment catalog = enumerate(call);
            int entries = (int) (catalog.byteSize() / WSAPROTOCOL_INFOW.layout().byteSize());
            int position = 0;
            for (int i = 0; i < chainLen - 1; i++) {
                MemorySegment member = find(catalog, entries, WSAPROTOCOLCHAIN.ChainEntries(chain, i));
                if (member != null && isOwnLayeredEntry(member)) {
                    position = i;
                    break;
                }
            }
            int nextId = WSAPROTOCOLCHAIN.ChainEntries(chain, position + 1);
            MemorySegment entry = find(catalog, entries, nextId);
            if (entry == null) {
                throw new KernelException("catalog entry " + nextId + " of the chain is not installed", 0);
            }
            MemorySegment nextInfo = arena.allocate(WSAPROTOCOL_INFOW.layout()).copyFrom(entry);
            MemorySegment ownCopy = arena.allocate(WSAPROTOCOL_INFOW.layout()).copyFrom(info);
            String path = providerPath(WSAPROTOCOL_INFOW.ProviderId(nextInfo), call);
            return new NextLink(WSAPROTOCOL_INFOW.dwCatalogEntryId(info), ownCopy, nextInfo, path, position + 2 == chainLen);
        }
    }

    /** The whole catalog (WSCEnumProtocols), as an array of WSAPROTOCOL_INFOW in {@code call}. */
    private MemorySegment enumerate(Arena call) throws Throwable {
        MemorySegment len = call.allocate(ValueLayout.JAVA_INT);
        MemorySegment errno = call.allocate(ValueLayout.JAVA_INT);
        int n = (int) enumProtocols.invokeExact(MemorySegment.NULL, MemorySegment.NULL, len, errno);
        int bytes = len.get(ValueLayout.JAVA_INT, 0);
        if (n != ws2spi_h.SOCKET_ERROR() && n <= 0 || bytes <= 0) {
            throw new KernelException("WSCEnumProtocols reports no catalog", errno.get(ValueLayout.JAVA_INT, 0));
        }
        MemorySegment buffer = call.allocate(bytes, 8);
        n = (int) enumProtocols.invokeExact(MemorySegment.NULL, buffer, len, errno);
        if (n == ws2spi_h.SOCKET_ERROR()) {
            throw new KernelException("WSCEnumProtocols failed", errno.get(ValueLayout.JAVA_INT, 0));
        }
        return buffer.asSlice(0, n * WSAPROTOCOL_INFOW.layout().byteSize());
    }

    private static MemorySegment find(MemorySegment catalog, int entries, int catalogEntryId) {
        for (int i = 0; i < entries; i++) {
            MemorySegment entry = catalog.asSlice(i * WSAPROTOCOL_INFOW.layout().byteSize(), WSAPROTOCOL_INFOW.layout());
            if (WSAPROTOCOL_INFOW.dwCatalogEntryId(entry) == catalogEntryId) {
                return entry;
            }
        }
        return null;
    }

    private boolean isOwnLayeredEntry(MemorySegment entry) {
        if (WSAPROTOCOLCHAIN.ChainLen(WSAPROTOCOL_INFOW.ProtocolChain(entry)) != ws2spi_h.LAYERED_PROTOCOL()) {
            return false;
        }
        MemorySegment guid = WSAPROTOCOL_INFOW.ProviderId(entry);
        long high = (GUID.Data1(guid) & 0xFFFF_FFFFL) << 32 | (GUID.Data2(guid) & 0xFFFFL) << 16 | (GUID.Data3(guid) & 0xFFFFL);
        long low = 0;
        for (int i = 0; i < 8; i++) {
            low = low << 8 | (GUID.Data4(guid, i) & 0xFF);
        }
        return high == ownProviderId.getMostSignificantBits() && low == ownProviderId.getLeastSignificantBits();
    }

    private String providerPath(MemorySegment providerId, Arena call) throws Throwable {
        int max = ws2spi_h.MAX_PATH();
        MemorySegment path = call.allocate(2L * max, 2);
        MemorySegment len = call.allocate(ValueLayout.JAVA_INT);
        len.set(ValueLayout.JAVA_INT, 0, max);
        MemorySegment errno = call.allocate(ValueLayout.JAVA_INT);
        int rc = (int) getProviderPath.invokeExact(providerId, path, len, errno);
        if (rc != 0) {
            throw new KernelException("WSCGetProviderPath failed", errno.get(ValueLayout.JAVA_INT, 0));
        }
        int chars = 0;
        while (chars < max && path.get(ValueLayout.JAVA_SHORT, 2L * chars) != 0) {
            chars++;
        }
        return expand(new String(path.asSlice(0, 2L * chars).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_16LE));
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
