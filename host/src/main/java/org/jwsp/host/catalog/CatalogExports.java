package org.jwsp.host.catalog;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.jwsp.bindings.windows.GUID;
import org.jwsp.bindings.windows.WSAPROTOCOLCHAIN;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.host.upcall.UpcallFaults;
import org.jwsp.host.upcall.User32Exports;
import org.jwsp.host.upcall.Ws2Exports;
import org.jwsp.host.upcall.WsaErrors;

/**
 * ws2_32's catalog functions over the host's {@link Catalog}, registered as native exports under
 * {@code procAddress("ws2_32.dll", name)}: the two a layered provider reads its chain with
 * ({@code WSCEnumProtocols}, {@code WSCGetProviderPath}) and the three the installer writes the
 * catalog with ({@code WSCInstallProvider}, {@code WSCDeinstallProvider},
 * {@code WSCWriteProviderOrder}). Windows' signatures, semantics and error codes:
 * <ul>
 * <li>{@code int WSCInstallProvider(LPGUID, const WCHAR *lpszProviderDllPath, LPWSAPROTOCOL_INFOW,
 *     DWORD dwNumberOfEntries, LPINT lpErrno)}: appends copies of the entries under the GUID and the
 *     path, each with the next catalog id (a base entry's {@code ChainEntries[0]} too). The path
 *     names a module of the host's registry ({@code LinuxKernelPort.registerExport(path,
 *     "WSPStartup", ...)}), the host's stand-in for a DLL on disk; like Windows, installing does not
 *     load it. {@code WSAEFAULT} for a null pointer; {@code WSAEINVAL} for 0 or more than
 *     {@value #MAX_ENTRIES} entries, an empty path or one of {@code MAX_PATH} characters or more, a
 *     GUID already in the catalog, or an entry Winsock could not use: a chain longer than
 *     {@code MAX_PROTOCOL_CHAIN}, or one that is not {@code [layered ids..., base id]} of entries
 *     in the catalog.</li>
 * <li>{@code int WSCDeinstallProvider(LPGUID, LPINT lpErrno)}: removes every entry of the GUID.
 *     {@code WSAEFAULT} for a null pointer, {@code WSAEINVAL} for a GUID the catalog does not have.
 *     The module stays registered (Windows does not delete the DLL either).</li>
 * <li>{@code int WSCWriteProviderOrder(LPDWORD lpwdCatalogEntryId, DWORD dwNumberOfEntries)}:
 *     returns the code itself ({@code ERROR_SUCCESS} 0): {@code WSAEFAULT} for a null array,
 *     {@code WSAEINVAL} unless it is a permutation of every catalog id (nothing changes then).</li>
 * <li>{@code int WSCSetProviderInfo(LPGUID, WSC_PROVIDER_INFO_TYPE, PBYTE Info, size_t InfoSize,
 *     DWORD Flags, LPINT lpErrno)} and {@code WSCGetProviderInfo(LPGUID, type, PBYTE, size_t *, DWORD,
 *     LPINT)}: only {@code ProviderInfoLspCategories}, a {@code DWORD}; {@code WSAEFAULT} for a null
 *     pointer, {@code WSAEINVAL} for another type, size or non-zero flags, or a GUID the catalog does
 *     not have. The categories go with the provider's entries.</li>
 * <li>{@code int WSCSetApplicationCategory(LPCWSTR Path, DWORD PathLength, LPCWSTR Extra, DWORD
 *     ExtraLength, DWORD PermittedLspCategories, DWORD *pPrevPermLspCat, LPINT)} and
 *     {@code WSCGetApplicationCategory(Path, PathLength, Extra, ExtraLength, DWORD *, LPINT)}: per
 *     program (path case-folded, lengths in characters); the getter answers
 *     {@code WSASERVICE_NOT_FOUND} for a program with none. The host records them; it has one process
 *     and does not use them to choose providers.</li>
 * </ul>
 * Errors go to {@code *lpErrno} with {@code SOCKET_ERROR} returned, as Windows does; a null
 * {@code lpErrno} gets nothing written. The process is always "elevated" on the host: there is no
 * other user whose catalog this could be. Any thread; a Java fault is answered like a Winsock error
 * ({@link UpcallFaults}), never thrown into native code. The stubs live for the process.
 */
final class CatalogExports {

    /** Most entries one {@code WSCInstallProvider} takes on the host (Windows documents no limit). */
    static final int MAX_ENTRIES = 256;
    private static final int MAX_PATH_CHARS = 260;

    private final Catalog catalog;

    private CatalogExports(Catalog catalog) {
        this.catalog = catalog;
    }

    /** Registers the nine exports of {@code catalog} under ws2_32.dll. */
    static void register(Catalog catalog) {
        Ws2Exports.register();
        User32Exports.register(); // loaded with ws2_32 here, as WSAAsyncSelect's programs find it on Windows
        CatalogExports exports = new CatalogExports(catalog);
        ValueLayout a = ValueLayout.ADDRESS;
        ValueLayout i = ValueLayout.JAVA_INT;
        exports.export("WSCEnumProtocols", "enumProtocols", FunctionDescriptor.of(i, a, a, a, a));
        exports.export("WSCGetProviderPath", "providerPath", FunctionDescriptor.of(i, a, a, a, a));
        exports.export("WSCInstallProvider", "installProvider", FunctionDescriptor.of(i, a, a, a, i, a));
        exports.export("WSCDeinstallProvider", "deinstallProvider", FunctionDescriptor.of(i, a, a));
        exports.export("WSCWriteProviderOrder", "writeProviderOrder", FunctionDescriptor.of(i, a, i));
        ValueLayout j = ValueLayout.JAVA_LONG;
        exports.export("WSCSetProviderInfo", "setProviderInfo", FunctionDescriptor.of(i, a, i, a, j, i, a));
        exports.export("WSCGetProviderInfo", "getProviderInfo", FunctionDescriptor.of(i, a, i, a, a, i, a));
        exports.export("WSCSetApplicationCategory", "setApplicationCategory", FunctionDescriptor.of(i, a, i, a, i, i, a, a));
        exports.export("WSCGetApplicationCategory", "getApplicationCategory", FunctionDescriptor.of(i, a, i, a, i, a, a));
    }

    private void export(String name, String method, FunctionDescriptor descriptor) {
        try {
            MethodHandle handle = MethodHandles.lookup().findVirtual(CatalogExports.class, method,
                    descriptor.toMethodType()).bindTo(this);
            LinuxKernelPort.instance().registerExport(Ws2Exports.MODULE, name,
                    Linker.nativeLinker().upcallStub(handle, descriptor, Arena.global()));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code int WSCEnumProtocols(LPINT lpiProtocols, LPWSAPROTOCOL_INFOW lpProtocolBuffer, LPDWORD lpdwBufferLength, LPINT lpErrno)}. */
    int enumProtocols(MemorySegment lpiProtocols, MemorySegment buffer, MemorySegment lpLength, MemorySegment lpErrno) {
        try {
            if (lpLength.address() == 0) {
                return fail(lpErrno, WSAEFAULT());
            }
            List<CatalogEntry> chosen = new ArrayList<>();
            for (CatalogEntry e : catalog.entries()) {
                if (lpiProtocols.address() == 0 || listed(lpiProtocols, e.protocol())) {
                    chosen.add(e);
                }
            }
            MemorySegment length = lpLength.reinterpret(4);
            long needed = chosen.size() * WSAPROTOCOL_INFOW.sizeof();
            if (buffer.address() == 0 || Integer.toUnsignedLong(length.get(ValueLayout.JAVA_INT, 0)) < needed) {
                length.set(ValueLayout.JAVA_INT, 0, (int) needed);
                return fail(lpErrno, WSAENOBUFS());
            }
            MemorySegment out = buffer.reinterpret(needed);
            for (int k = 0; k < chosen.size(); k++) {
                out.asSlice(k * WSAPROTOCOL_INFOW.sizeof(), WSAPROTOCOL_INFOW.sizeof()).copyFrom(chosen.get(k).protocolInfo());
            }
            return chosen.size();
        } catch (Throwable t) {
            UpcallFaults.report("WSCEnumProtocols", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    private static boolean listed(MemorySegment protocols, int protocol) {
        MemorySegment p = protocols.reinterpret(Long.MAX_VALUE);
        for (long k = 0; k < 256; k++) {
            int v = p.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, k);
            if (v == 0) {
                return false;
            }
            if (v == protocol) {
                return true;
            }
        }
        return false;
    }

    /** {@code int WSCGetProviderPath(LPGUID, WCHAR *path, LPINT lpProviderDllPathLen (chars), LPINT lpErrno)}. */
    int providerPath(MemorySegment lpGuid, MemorySegment path, MemorySegment lpLength, MemorySegment lpErrno) {
        try {
            if (lpGuid.address() == 0 || lpLength.address() == 0) {
                return fail(lpErrno, WSAEFAULT());
            }
            String module = catalog.modulePath(guid(lpGuid));
            if (module == null) {
                return fail(lpErrno, WSAEINVAL());
            }
            MemorySegment length = lpLength.reinterpret(4);
            int chars = module.length() + 1;
            if (path.address() == 0 || length.get(ValueLayout.JAVA_INT, 0) < chars) {
                length.set(ValueLayout.JAVA_INT, 0, chars);
                return fail(lpErrno, WSAEFAULT());
            }
            MemorySegment out = path.reinterpret(chars * 2L);
            for (int k = 0; k < module.length(); k++) {
                out.setAtIndex(ValueLayout.JAVA_CHAR_UNALIGNED, k, module.charAt(k));
            }
            out.setAtIndex(ValueLayout.JAVA_CHAR_UNALIGNED, module.length(), (char) 0);
            length.set(ValueLayout.JAVA_INT, 0, chars);
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WSCGetProviderPath", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    /** {@code int WSCInstallProvider(LPGUID, const WCHAR *lpszProviderDllPath, LPWSAPROTOCOL_INFOW, DWORD, LPINT lpErrno)}. */
    int installProvider(MemorySegment lpGuid, MemorySegment lpszPath, MemorySegment lpInfo, int count, MemorySegment lpErrno) {
        List<CatalogEntry> added = new ArrayList<>();
        try {
            if (lpGuid.address() == 0 || lpszPath.address() == 0 || lpInfo.address() == 0) {
                return fail(lpErrno, WSAEFAULT());
            }
            String path = widePath(lpszPath);
            if (path == null || count <= 0 || count > MAX_ENTRIES) {
                return fail(lpErrno, WSAEINVAL());
            }
            UUID id = guid(lpGuid);
            MemorySegment infos = lpInfo.reinterpret(count * WSAPROTOCOL_INFOW.sizeof());
            synchronized (catalog) {
                if (catalog.has(id)) {
                    return fail(lpErrno, WSAEINVAL());
                }
                for (int k = 0; k < count; k++) {
                    CatalogEntry e = new CatalogEntry(path);
                    added.add(e);
                    e.protocolInfo().copyFrom(infos.asSlice(k * WSAPROTOCOL_INFOW.sizeof(), WSAPROTOCOL_INFOW.sizeof()));
                    Guids.write(id, WSAPROTOCOL_INFOW.ProviderId(e.protocolInfo()));
                    if (!usable(e)) {
                        added.forEach(CatalogEntry::close);
                        return fail(lpErrno, WSAEINVAL());
                    }
                }
                catalog.append(added);
            }
            return 0;
        } catch (Throwable t) {
            added.forEach(CatalogEntry::close);
            UpcallFaults.report("WSCInstallProvider", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    /** Layered (ChainLen 0), base (1), or a chain {@code [layered ids..., base id]} over entries already installed. */
    private boolean usable(CatalogEntry e) {
        int length = e.chainLength();
        if (length == LAYERED_PROTOCOL() || length == BASE_PROTOCOL()) {
            return true;
        }
        if (length < 0 || length > MAX_PROTOCOL_CHAIN()) {
            return false;
        }
        for (int k = 0; k < length; k++) {
            CatalogEntry link = catalog.entry(e.chainEntry(k));
            int expected = k < length - 1 ? LAYERED_PROTOCOL() : BASE_PROTOCOL();
            if (link == null || link.chainLength() != expected) {
                return false;
            }
        }
        return true;
    }

    /** {@code int WSCDeinstallProvider(LPGUID lpProviderId, LPINT lpErrno)}. */
    int deinstallProvider(MemorySegment lpGuid, MemorySegment lpErrno) {
        try {
            if (lpGuid.address() == 0) {
                return fail(lpErrno, WSAEFAULT());
            }
            return catalog.remove(guid(lpGuid)) ? 0 : fail(lpErrno, WSAEINVAL());
        } catch (Throwable t) {
            UpcallFaults.report("WSCDeinstallProvider", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    /** {@code int WSCWriteProviderOrder(LPDWORD lpwdCatalogEntryId, DWORD dwNumberOfEntries)}: the code is the result. */
    int writeProviderOrder(MemorySegment lpIds, int count) {
        try {
            if (lpIds.address() == 0) {
                return WSAEFAULT();
            }
            if (count <= 0 || count > catalog.entries().size()) {
                return WSAEINVAL();
            }
            int[] ids = lpIds.reinterpret(count * 4L).toArray(ValueLayout.JAVA_INT);
            return catalog.reorder(ids) ? 0 : WSAEINVAL();
        } catch (Throwable t) {
            return UpcallFaults.report("WSCWriteProviderOrder", t, MemorySegment.NULL);
        }
    }

    /** {@code int WSCSetProviderInfo(LPGUID, WSC_PROVIDER_INFO_TYPE, PBYTE, size_t, DWORD, LPINT)}. */
    int setProviderInfo(MemorySegment lpGuid, int type, MemorySegment info, long size, int flags, MemorySegment lpErrno) {
        try {
            if (lpGuid.address() == 0 || info.address() == 0) {
                return fail(lpErrno, WSAEFAULT());
            }
            UUID id = guid(lpGuid);
            if (type != ProviderInfoLspCategories() || size != 4 || flags != 0 || !catalog.has(id)) {
                return fail(lpErrno, WSAEINVAL());
            }
            catalog.setLspCategories(id, info.reinterpret(4).get(ValueLayout.JAVA_INT, 0));
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WSCSetProviderInfo", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    /** {@code int WSCGetProviderInfo(LPGUID, WSC_PROVIDER_INFO_TYPE, PBYTE, size_t *InfoSize, DWORD, LPINT)}. */
    int getProviderInfo(MemorySegment lpGuid, int type, MemorySegment info, MemorySegment lpSize, int flags,
                        MemorySegment lpErrno) {
        try {
            if (lpGuid.address() == 0 || lpSize.address() == 0) {
                return fail(lpErrno, WSAEFAULT());
            }
            UUID id = guid(lpGuid);
            if (type != ProviderInfoLspCategories() || flags != 0 || !catalog.has(id)) {
                return fail(lpErrno, WSAEINVAL());
            }
            MemorySegment size = lpSize.reinterpret(8);
            if (info.address() == 0 || size.get(ValueLayout.JAVA_LONG, 0) < 4) {
                size.set(ValueLayout.JAVA_LONG, 0, 4);
                return fail(lpErrno, WSAEFAULT());
            }
            info.reinterpret(4).set(ValueLayout.JAVA_INT, 0, catalog.lspCategories(id));
            size.set(ValueLayout.JAVA_LONG, 0, 4);
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WSCGetProviderInfo", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    /** {@code int WSCSetApplicationCategory(LPCWSTR, DWORD, LPCWSTR, DWORD, DWORD, DWORD *, LPINT)}. */
    int setApplicationCategory(MemorySegment path, int pathLength, MemorySegment extra, int extraLength, int categories,
                               MemorySegment lpPrevious, MemorySegment lpErrno) {
        try {
            if (path.address() == 0 || (extraLength > 0 && extra.address() == 0)) {
                return fail(lpErrno, WSAEFAULT());
            }
            if (pathLength <= 0 || pathLength >= MAX_PATH_CHARS || extraLength < 0 || extraLength >= MAX_PATH_CHARS) {
                return fail(lpErrno, WSAEINVAL());
            }
            int previous = catalog.setApplicationCategories(chars(path, pathLength), chars(extra, extraLength), categories);
            if (lpPrevious.address() != 0) {
                lpPrevious.reinterpret(4).set(ValueLayout.JAVA_INT, 0, previous);
            }
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WSCSetApplicationCategory", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    /** {@code int WSCGetApplicationCategory(LPCWSTR, DWORD, LPCWSTR, DWORD, DWORD *, LPINT)}. */
    int getApplicationCategory(MemorySegment path, int pathLength, MemorySegment extra, int extraLength,
                               MemorySegment lpCategories, MemorySegment lpErrno) {
        try {
            if (path.address() == 0 || lpCategories.address() == 0 || (extraLength > 0 && extra.address() == 0)) {
                return fail(lpErrno, WSAEFAULT());
            }
            if (pathLength <= 0 || pathLength >= MAX_PATH_CHARS || extraLength < 0 || extraLength >= MAX_PATH_CHARS) {
                return fail(lpErrno, WSAEINVAL());
            }
            Integer categories = catalog.applicationCategories(chars(path, pathLength), chars(extra, extraLength));
            if (categories == null) {
                return fail(lpErrno, WSASERVICE_NOT_FOUND());
            }
            lpCategories.reinterpret(4).set(ValueLayout.JAVA_INT, 0, categories);
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WSCGetApplicationCategory", t, lpErrno);
            return SOCKET_ERROR();
        }
    }

    /** {@code length} UTF-16 characters at {@code text} ("" for none). */
    private static String chars(MemorySegment text, int length) {
        if (length <= 0) {
            return "";
        }
        MemorySegment s = text.reinterpret(length * 2L);
        StringBuilder b = new StringBuilder(length);
        for (int k = 0; k < length; k++) {
            b.append(s.getAtIndex(ValueLayout.JAVA_CHAR_UNALIGNED, k));
        }
        return b.toString();
    }

    private static UUID guid(MemorySegment lpGuid) {
        return Guids.read(lpGuid.reinterpret(GUID.sizeof()));
    }

    /** The NUL-terminated UTF-16 path, or null when it is empty or has no NUL within {@code MAX_PATH} characters. */
    private static String widePath(MemorySegment lpszPath) {
        MemorySegment chars = lpszPath.reinterpret(MAX_PATH_CHARS * 2L);
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < MAX_PATH_CHARS; k++) {
            char c = chars.getAtIndex(ValueLayout.JAVA_CHAR_UNALIGNED, k);
            if (c == 0) {
                return b.isEmpty() ? null : b.toString();
            }
            b.append(c);
        }
        return null;
    }

    private static int fail(MemorySegment lpErrno, int code) {
        WsaErrors.set(lpErrno, code);
        return SOCKET_ERROR();
    }
}
