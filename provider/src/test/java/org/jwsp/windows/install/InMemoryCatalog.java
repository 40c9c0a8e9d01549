package org.jwsp.windows.install;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;

/**
 * A Winsock catalog in native memory that behaves as ws2_32's catalog functions are documented
 * to: installs append entries under the given GUID with fresh catalog ids, deinstall removes every
 * entry of a GUID (WSAEINVAL if there is none), the order must be a permutation of every id
 * (WSAEINVAL otherwise), a process that may not write gets the configured refusal, and one call can
 * be made to fail with a chosen code. Test-only; owns its entries in its own arena (close it).
 */
final class InMemoryCatalog implements WritableCatalog, AutoCloseable {

    static final int WSAEINVAL = 10022;

    private final Arena arena = Arena.ofShared();
    private final List<MemorySegment> entries = new ArrayList<>();
    private final Map<ProviderId, String> paths = new HashMap<>();
    private int nextCatalogId;
    boolean elevated = true;
    int writes;
    private String failingCall;
    private int failingCode;
    private int failingSkip;

    InMemoryCatalog(int firstCatalogId) {
        this.nextCatalogId = firstCatalogId;
    }

    /** Adds a base or foreign entry as Windows setup would have (no checks). */
    MemorySegment add(MemorySegment entry, String path) {
        MemorySegment copy = arena.allocate(WSAPROTOCOL_INFOW.layout());
        copy.copyFrom(entry);
        if (ProtocolInfo.catalogId(copy) == 0) {
            WSAPROTOCOL_INFOW.dwCatalogEntryId(copy, nextCatalogId++);
        } else {
            nextCatalogId = Math.max(nextCatalogId, ProtocolInfo.catalogId(copy) + 1);
        }
        entries.add(copy);
        paths.put(ProtocolInfo.providerId(copy), path);
        return copy;
    }

    /** The next call named {@code call} ("install", "deinstall", "writeOrder") fails with {@code code}. */
    void failNext(String call, int code) {
        failAfter(call, 0, code);
    }

    /** The call named {@code call} after {@code skip} successful ones fails with {@code code}. */
    void failAfter(String call, int skip, int code) {
        failingCall = call;
        failingSkip = skip;
        failingCode = code;
    }

    /** Every entry's bytes, in catalog order: equal snapshots mean an identical catalog. */
    List<String> snapshot() {
        List<String> out = new ArrayList<>();
        for (MemorySegment e : entries) {
            out.add(java.util.HexFormat.of().formatHex(e.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
        }
        return out;
    }

    List<MemorySegment> entries() {
        return entries;
    }

    private void maybeFail(String call) {
        if (call.equals(failingCall) && failingSkip-- == 0) {
            failingCall = null;
            throw new CatalogException(call, failingCode);
        }
    }

    /** Every arena the catalog's callers enumerated into, to check they were all closed. */
    final List<MemorySegment.Scope> callerScopes = new ArrayList<>();

    @Override
    public MemorySegment[] protocols(Arena into) {
        callerScopes.add(into.scope());
        MemorySegment buffer = WSAPROTOCOL_INFOW.allocateArray(Math.max(1, entries.size()), into);
        MemorySegment[] out = new MemorySegment[entries.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = WSAPROTOCOL_INFOW.asSlice(buffer, i).asSlice(0, WSAPROTOCOL_INFOW.sizeof());
            out[i].copyFrom(entries.get(i));
        }
        return out;
    }

    @Override
    public String providerPath(MemorySegment entry) {
        return paths.get(ProtocolInfo.providerId(entry));
    }

    @Override
    public boolean elevated() {
        return elevated;
    }

    @Override
    public void install(ProviderId id, String dllPath, MemorySegment list, int count) {
        writes++;
        maybeFail("install");
        if (paths.containsKey(id)) {
            throw new CatalogException("install", WSAEINVAL);
        }
        for (int i = 0; i < count; i++) {
            MemorySegment e = WSAPROTOCOL_INFOW.asSlice(list, i).asSlice(0, WSAPROTOCOL_INFOW.sizeof());
            MemorySegment copy = arena.allocate(WSAPROTOCOL_INFOW.layout());
            copy.copyFrom(e);
            ProtocolInfo.providerId(copy, id);
            WSAPROTOCOL_INFOW.dwCatalogEntryId(copy, nextCatalogId++);
            entries.add(copy);
        }
        paths.put(id, dllPath);
    }

    @Override
    public void deinstall(ProviderId id) {
        writes++;
        maybeFail("deinstall");
        if (!entries.removeIf(e -> ProtocolInfo.providerId(e).equals(id))) {
            throw new CatalogException("deinstall", WSAEINVAL);
        }
        paths.remove(id);
    }

    @Override
    public void writeOrder(int[] catalogIds) {
        writes++;
        maybeFail("writeOrder");
        Map<Integer, MemorySegment> byId = new HashMap<>();
        for (MemorySegment e : entries) {
            byId.put(ProtocolInfo.catalogId(e), e);
        }
        Set<Integer> seen = new HashSet<>();
        for (int id : catalogIds) {
            if (!byId.containsKey(id) || !seen.add(id)) {
                throw new CatalogException("writeOrder", WSAEINVAL);
            }
        }
        if (seen.size() != entries.size()) {
            throw new CatalogException("writeOrder", WSAEINVAL);
        }
        entries.clear();
        for (int id : catalogIds) {
            entries.add(byId.get(id));
        }
    }

    /** Categories set with {@link #setProviderCategories}, per GUID (gone with the GUID's entries on Windows; kept here). */
    final Map<ProviderId, Integer> providerCategories = new HashMap<>();
    /** Permitted categories per program path. */
    final Map<String, Integer> applicationCategories = new HashMap<>();

    @Override
    public void setProviderCategories(ProviderId id, int categories) {
        writes++;
        maybeFail("setProviderCategories");
        if (!paths.containsKey(id)) {
            throw new CatalogException("setProviderCategories", WSAEINVAL);
        }
        providerCategories.put(id, categories);
    }

    @Override
    public int applicationCategories(String path) {
        return applicationCategories.getOrDefault(path, 0);
    }

    @Override
    public void setApplicationCategories(String path, int categories) {
        writes++;
        maybeFail("setApplicationCategories");
        applicationCategories.put(path, categories);
    }

    @Override
    public void close() {
        arena.close();
    }
}
