package org.jwsp.host.catalog;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jwsp.bindings.windows.WSAPROTOCOLCHAIN;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.host.base.BaseProvider;

/**
 * The host's Winsock catalog: the ordered list of {@link CatalogEntry}s that {@code WSCEnumProtocols}
 * returns and {@code Ws2.socket} chooses from (first match wins, as on Windows). It starts with the
 * four base entries (TCP and UDP over IPv4 and IPv6, provider {@link BaseProvider}). Nothing else
 * writes it but ws2_32's catalog exports ({@link CatalogExports}: {@code WSCInstallProvider},
 * {@code WSCDeinstallProvider}, {@code WSCWriteProviderOrder}), which the installer calls through
 * native pointers exactly as it calls ws2_32 on Windows: so a layered provider gets into the host's
 * catalog only the way it gets into Windows'.
 *
 * <p>One per process ({@link #system()}); thread-safe (copy-on-write list, writers synchronized).
 * Each entry owns its native {@code WSAPROTOCOL_INFOW}, freed when its provider is deinstalled; the
 * export stubs live for the process.
 */
public final class Catalog {

    /** The base provider's GUID (MSAFD Tcpip's). */
    public static final UUID BASE_PROVIDER_ID = UUID.fromString("e70f1aa0-ab8b-11cf-8ca3-00805f48a192");
    /** Catalog ids of the base entries. */
    public static final int BASE_TCP_V4 = 1001, BASE_UDP_V4 = 1002, BASE_TCP_V6 = 1003, BASE_UDP_V6 = 1004;

    private static final Catalog SYSTEM = new Catalog();

    private final List<CatalogEntry> entries = new CopyOnWriteArrayList<>();
    /** {@code ProviderInfoLspCategories} per provider GUID; gone with the provider's entries, as on Windows. */
    private final Map<UUID, Integer> lspCategories = new ConcurrentHashMap<>();
    /** {@code WSCSetApplicationCategory}'s permitted categories per program ("path\0extra", path case-folded). */
    private final Map<String, Integer> applicationCategories = new ConcurrentHashMap<>();
    private int nextId = 1005;

    private Catalog() {
        BaseProvider.register();
        addBase(BASE_TCP_V4, AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), "MSAFD Tcpip [TCP/IP]");
        addBase(BASE_UDP_V4, AF_INET(), SOCK_DGRAM(), IPPROTO_UDP(), "MSAFD Tcpip [UDP/IP]");
        addBase(BASE_TCP_V6, AF_INET6(), SOCK_STREAM(), IPPROTO_TCP(), "MSAFD Tcpip [TCP/IPv6]");
        addBase(BASE_UDP_V6, AF_INET6(), SOCK_DGRAM(), IPPROTO_UDP(), "MSAFD Tcpip [UDP/IPv6]");
        CatalogExports.register(this);
    }

    /** The process's catalog. */
    public static Catalog system() {
        return SYSTEM;
    }

    private void addBase(int id, int af, int type, int protocol, String name) {
        CatalogEntry e = new CatalogEntry(BaseProvider.MODULE);
        MemorySegment i = e.protocolInfo();
        boolean stream = type == SOCK_STREAM();
        // msafd's entries carry XP1_IFS_HANDLES; a program (libuv) reads it to pick its completion mode
        WSAPROTOCOL_INFOW.dwServiceFlags1(i, XP1_IFS_HANDLES() | (stream ? XP1_GUARANTEED_ORDER() : XP1_MESSAGE_ORIENTED()));
        WSAPROTOCOL_INFOW.dwProviderFlags(i, PFL_MATCHES_PROTOCOL_ZERO());
        Guids.write(BASE_PROVIDER_ID, WSAPROTOCOL_INFOW.ProviderId(i));
        WSAPROTOCOL_INFOW.dwCatalogEntryId(i, id);
        MemorySegment chain = WSAPROTOCOL_INFOW.ProtocolChain(i);
        WSAPROTOCOLCHAIN.ChainLen(chain, BASE_PROTOCOL());
        WSAPROTOCOLCHAIN.ChainEntries(chain, 0, id);
        WSAPROTOCOL_INFOW.iVersion(i, 2);
        WSAPROTOCOL_INFOW.iAddressFamily(i, af);
        int size = af == AF_INET6() ? 28 : 16;
        WSAPROTOCOL_INFOW.iMaxSockAddr(i, size);
        WSAPROTOCOL_INFOW.iMinSockAddr(i, size);
        WSAPROTOCOL_INFOW.iSocketType(i, type);
        WSAPROTOCOL_INFOW.iProtocol(i, protocol);
        WSAPROTOCOL_INFOW.dwMessageSize(i, stream ? 0 : af == AF_INET6() ? 65527 : 65507);
        e.setName(name);
        entries.add(e);
    }

    /** The entries in catalog order (a snapshot). */
    public List<CatalogEntry> entries() {
        return List.copyOf(entries);
    }

    /** The entry with {@code catalogEntryId}, or null. */
    public CatalogEntry entry(int catalogEntryId) {
        for (CatalogEntry e : entries) {
            if (e.catalogEntryId() == catalogEntryId) {
                return e;
            }
        }
        return null;
    }

    /**
     * {@code WSCInstallProvider}'s effect once the export has checked its arguments: gives each entry
     * the next catalog id (a base entry's {@code ChainEntries[0]} too) and appends them in order.
     *
     * @return the catalog ids given, in the order of {@code added}
     */
    synchronized int[] append(List<CatalogEntry> added) {
        int[] ids = new int[added.size()];
        for (int k = 0; k < ids.length; k++) {
            MemorySegment info = added.get(k).protocolInfo();
            ids[k] = nextId++;
            WSAPROTOCOL_INFOW.dwCatalogEntryId(info, ids[k]);
            if (added.get(k).chainLength() == BASE_PROTOCOL()) {
                WSAPROTOCOLCHAIN.ChainEntries(WSAPROTOCOL_INFOW.ProtocolChain(info), 0, ids[k]);
            }
        }
        entries.addAll(added);
        return ids;
    }

    /** {@code WSCDeinstallProvider}'s effect: removes and frees every entry of {@code providerId}; false if there was none. */
    synchronized boolean remove(UUID providerId) {
        List<CatalogEntry> gone = entries.stream().filter(e -> e.providerId().equals(providerId)).toList();
        entries.removeAll(gone);
        gone.forEach(CatalogEntry::close);
        lspCategories.remove(providerId);
        return !gone.isEmpty();
    }

    /** {@code WSCWriteProviderOrder}'s effect: false (and nothing changed) unless {@code ids} is a permutation of every id. */
    synchronized boolean reorder(int[] ids) {
        if (ids.length != entries.size()) {
            return false;
        }
        List<CatalogEntry> ordered = new ArrayList<>(ids.length);
        for (int id : ids) {
            CatalogEntry e = entry(id);
            if (e == null || ordered.contains(e)) {
                return false;
            }
            ordered.add(e);
        }
        entries.clear();
        entries.addAll(ordered);
        return true;
    }

    /** Whether an entry of {@code providerId} is in the catalog. */
    boolean has(UUID providerId) {
        return entries.stream().anyMatch(e -> e.providerId().equals(providerId));
    }

    /** The module path of {@code providerId}'s first entry, or null. */
    String modulePath(UUID providerId) {
        for (CatalogEntry e : entries) {
            if (e.providerId().equals(providerId)) {
                return e.modulePath();
            }
        }
        return null;
    }

    /** The LSP categories set on {@code providerId} ({@code WSCSetProviderInfo}), 0 when none were. */
    public int lspCategories(UUID providerId) {
        return lspCategories.getOrDefault(providerId, 0);
    }

    /** The permitted LSP categories set for a program ({@code WSCSetApplicationCategory}), or null. */
    public Integer applicationCategories(String path, String extra) {
        return applicationCategories.get(applicationKey(path, extra));
    }

    void setLspCategories(UUID providerId, int categories) {
        lspCategories.put(providerId, categories);
    }

    /** Sets a program's categories; returns the previous ones (0 when none). */
    int setApplicationCategories(String path, String extra, int categories) {
        Integer previous = applicationCategories.put(applicationKey(path, extra), categories);
        return previous == null ? 0 : previous;
    }

    private static String applicationKey(String path, String extra) {
        return path.toLowerCase(java.util.Locale.ROOT) + "\0" + (extra == null ? "" : extra);
    }
}
