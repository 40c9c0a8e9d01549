/*
 * Fail open: when jwsp cannot or must not run in a process, WSPStartup starts the provider that
 * follows jwsp in the protocol chain itself and returns that provider's result and table, so the
 * program gets working sockets without jwsp.
 *
 * As Microsoft's reference LSP does: enumerate the catalog (WSCEnumProtocols), find jwsp's own
 * layered entry in lpProtocolInfo->ProtocolChain (by jwsp's layered provider GUID, so LSPs layered
 * above jwsp are fine), take the entry after it, WSCGetProviderPath + ExpandEnvironmentStringsW
 * (the catalog stores %SystemRoot%-style paths; ws2_32 expands them the same way),
 * LoadLibraryW, GetProcAddress("WSPStartup"), and call it with the same version, WSPDATA, upcall
 * table and proc table. A base provider gets its own catalog entry as lpProtocolInfo, a layered
 * one the chain unchanged.
 *
 * Called on any thread that runs WSPStartup. The next provider's DLL stays loaded (ws2_32 calls
 * its WSPCleanup through the table it got); the base entries handed to base providers are copied
 * into static storage that lives as long as the process (providers may keep the pointer). The
 * catalog buffer is freed before returning.
 */
#include "jwsp.h"

#include <wchar.h>

/* ProviderId.JWSP_LAYERED of the installer: {6A77B5C1-3D2E-4F70-9C4B-1E5A0B7D2F11}. */
static const GUID JWSP_LAYERED_GUID = {0x6A77B5C1, 0x3D2E, 0x4F70, {0x9C, 0x4B, 0x1E, 0x5A, 0x0B, 0x7D, 0x2F, 0x11}};

#define MAX_BASES 32
static SRWLOCK bases_lock = SRWLOCK_INIT;
static WSAPROTOCOL_INFOW bases[MAX_BASES];
static int base_count;

/* A copy of entry that lives as long as the process (one per catalog id), or NULL when full. */
static LPWSAPROTOCOL_INFOW kept(const WSAPROTOCOL_INFOW *entry)
{
    LPWSAPROTOCOL_INFOW found = NULL;
    int i;
    AcquireSRWLockExclusive(&bases_lock);
    for (i = 0; i < base_count && found == NULL; i++) {
        if (bases[i].dwCatalogEntryId == entry->dwCatalogEntryId) {
            found = &bases[i];
        }
    }
    if (found == NULL && base_count < MAX_BASES) {
        found = &bases[base_count++];
        *found = *entry;
    }
    ReleaseSRWLockExclusive(&bases_lock);
    return found;
}

static const WSAPROTOCOL_INFOW *entry_of(const WSAPROTOCOL_INFOW *catalog, int count, DWORD id)
{
    int i;
    for (i = 0; i < count; i++) {
        if (catalog[i].dwCatalogEntryId == id) {
            return &catalog[i];
        }
    }
    return NULL;
}

/* The whole catalog in a HeapAlloc'ed buffer (count entries), or NULL with reason. */
static LPWSAPROTOCOL_INFOW enumerate(int *count, wchar_t *reason)
{
    DWORD bytes = 0;
    int error = 0;
    LPWSAPROTOCOL_INFOW catalog = NULL;
    int attempt;

    for (attempt = 0; attempt < 3; attempt++) {         /* the catalog may grow in between */
        int n = WSCEnumProtocols(NULL, catalog, &bytes, &error);
        if (n != SOCKET_ERROR) {
            *count = n;
            return catalog;
        }
        if (catalog != NULL) {
            HeapFree(GetProcessHeap(), 0, catalog);
            catalog = NULL;
        }
        if (error != WSAENOBUFS || bytes == 0
            || (catalog = HeapAlloc(GetProcessHeap(), 0, bytes)) == NULL) {
            break;
        }
    }
    jwsp_format(reason, JWSP_REASON_LEN, L"cannot pass on to the next provider: WSCEnumProtocols failed: %d", error);
    return NULL;
}

static int start_next(const WSAPROTOCOL_INFOW *next, LPWSAPROTOCOL_INFOW pass, WORD version, LPWSPDATA data,
                      WSPUPCALLTABLE upcalls, LPWSPPROC_TABLE procs, wchar_t *path, size_t path_len, wchar_t *reason)
{
    wchar_t raw[MAX_PATH + 1];
    int raw_len = MAX_PATH;
    int error = 0;
    HMODULE dll;
    LPWSPSTARTUP startup;
    GUID id = next->ProviderId;

    if (WSCGetProviderPath(&id, raw, &raw_len, &error) == SOCKET_ERROR) {
        jwsp_format(reason, JWSP_REASON_LEN, L"cannot pass on to the next provider (catalog id %lu): "
                    L"WSCGetProviderPath failed: %d", next->dwCatalogEntryId, error);
        return WSAEPROVIDERFAILEDINIT;
    }
    raw[MAX_PATH] = L'\0';
    if (ExpandEnvironmentStringsW(raw, path, (DWORD) path_len) == 0 || path[0] == L'\0') {
        jwsp_format(reason, JWSP_REASON_LEN, L"cannot pass on to the next provider: cannot expand its path '%ls'", raw);
        return WSAEPROVIDERFAILEDINIT;
    }
    dll = LoadLibraryW(path);
    startup = dll == NULL ? NULL : (LPWSPSTARTUP) (void (*)(void)) GetProcAddress(dll, "WSPStartup");
    if (startup == NULL) {
        jwsp_format(reason, JWSP_REASON_LEN, L"cannot pass on to the next provider %ls: %ls error %lu", path,
                    dll == NULL ? L"LoadLibrary" : L"GetProcAddress(WSPStartup)", GetLastError());
        return WSAEPROVIDERFAILEDINIT;
    }
    return startup(version, data, pass, upcalls, procs);
}

int jwsp_next_startup(WORD version, LPWSPDATA data, LPWSAPROTOCOL_INFOW info, WSPUPCALLTABLE upcalls,
                      LPWSPPROC_TABLE procs, wchar_t *next_path, size_t next_len, wchar_t *reason)
{
    LPWSAPROTOCOL_INFOW catalog;
    const WSAPROTOCOL_INFOW *next = NULL;
    LPWSAPROTOCOL_INFOW pass = info;
    int count = 0;
    int i;
    int rc;

    next_path[0] = L'\0';
    if (info == NULL || info->ProtocolChain.ChainLen < 2 || info->ProtocolChain.ChainLen > MAX_PROTOCOL_CHAIN) {
        jwsp_format(reason, JWSP_REASON_LEN, L"cannot pass on to the next provider: lpProtocolInfo is %ls",
                    info == NULL ? L"NULL" : L"not a protocol chain");
        return WSAEPROVIDERFAILEDINIT;
    }
    catalog = enumerate(&count, reason);
    if (catalog == NULL) {
        return WSAEPROVIDERFAILEDINIT;
    }
    for (i = 0; i + 1 < info->ProtocolChain.ChainLen && next == NULL; i++) {
        const WSAPROTOCOL_INFOW *link = entry_of(catalog, count, info->ProtocolChain.ChainEntries[i]);
        if (link != NULL && IsEqualGUID(&link->ProviderId, &JWSP_LAYERED_GUID)) {
            next = entry_of(catalog, count, info->ProtocolChain.ChainEntries[i + 1]);
            if (next != NULL && i + 2 == info->ProtocolChain.ChainLen) {
                pass = kept(next);                 /* the base provider: its own entry */
            }
        }
    }
    if (next == NULL || pass == NULL) {
        jwsp_format(reason, JWSP_REASON_LEN, L"cannot pass on to the next provider: %ls (chain of catalog id %lu)",
                    next == NULL ? L"jwsp's layered entry, or the entry after it, is not in the catalog"
                                 : L"too many base providers", info->dwCatalogEntryId);
        rc = WSAEPROVIDERFAILEDINIT;
    } else {
        rc = start_next(next, pass, version, data, upcalls, procs, next_path, next_len, reason);
    }
    HeapFree(GetProcessHeap(), 0, catalog);
    return rc;
}
