/*
 * Stand-in ws2_32.dll for the Wine test of jwsp.dll (BootstrapDllWineTest): the two catalog
 * functions jwsp.dll's fail-open path calls, over a fixed catalog:
 *   1001  base "fake base TCP/IP" (FAKE_BASE), chain [1001]
 *   1002  jwsp's hidden layered entry (jwsp's layered GUID), ChainLen 0
 *   1003  jwsp over the base, chain [1002, 1001]
 *   2001  another LSP's layered entry, ChainLen 0
 *   2002  that LSP over jwsp, chain [2001, 1002, 1001]
 * WSCGetProviderPath answers, for FAKE_BASE, "%FAKEWS2_NEXT_DIR%\nextprov.dll" (unexpanded, as
 * the real catalog stores %SystemRoot% paths), for the other LSP's chains C:\other\otherlsp.dll,
 * and WSAEINVAL for any other provider. For jwsp-admin.exe the catalog can change, in this
 * process only: WSCDeinstallProvider, WSCInstallProvider (new ids from 3001, appended),
 * WSCWriteProviderOrder, WSCSetProviderInfo, WSCGet/SetApplicationCategory; each of these is
 * recorded, one line, to the file FAKEJVM_RECORD names. Loaded in place of Wine's own through
 * WINEDLLOVERRIDES=ws2_32=n,b from the program's folder. Test code.
 */
#include <winsock2.h>
#include <ws2spi.h>

#include <sporder.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const GUID FAKE_BASE = {0xB0000001, 0x0000, 0x4000, {0x80, 0, 0, 0, 0, 0, 0, 0x01}};
static const GUID JWSP_LAYERED = {0x6A77B5C1, 0x3D2E, 0x4F70, {0x9C, 0x4B, 0x1E, 0x5A, 0x0B, 0x7D, 0x2F, 0x11}};
static const GUID JWSP_CHAINS = {0x6A77B5C2, 0x3D2E, 0x4F70, {0x9C, 0x4B, 0x1E, 0x5A, 0x0B, 0x7D, 0x2F, 0x11}};
static const GUID OTHER = {0xC0000001, 0x0000, 0x4000, {0x80, 0, 0, 0, 0, 0, 0, 0x01}};
static const GUID OTHER_CHAIN = {0xC0000002, 0x0000, 0x4000, {0x80, 0, 0, 0, 0, 0, 0, 0x01}};

static void entry(WSAPROTOCOL_INFOW *e, DWORD id, const GUID *provider, int len, DWORD a, DWORD b, DWORD c,
                  const wchar_t *name)
{
    memset(e, 0, sizeof(*e));
    e->dwCatalogEntryId = id;
    e->ProviderId = *provider;
    e->ProtocolChain.ChainLen = len;
    e->ProtocolChain.ChainEntries[0] = a;
    e->ProtocolChain.ChainEntries[1] = b;
    e->ProtocolChain.ChainEntries[2] = c;
    e->iVersion = 2;
    e->iAddressFamily = AF_INET;
    e->iMaxSockAddr = sizeof(struct sockaddr_in);
    e->iMinSockAddr = sizeof(struct sockaddr_in);
    e->iSocketType = SOCK_STREAM;
    e->iProtocol = IPPROTO_TCP;
    lstrcpynW(e->szProtocol, name, WSAPROTOCOL_LEN);
}

#define MAX_ENTRIES 32
static WSAPROTOCOL_INFOW catalog[MAX_ENTRIES];
static int entries = -1;
static DWORD next_id = 3001;

static void record(const char *fmt, ...)
{
    char path[1024];
    char line[1024];
    va_list args;
    FILE *f;
    int n = snprintf(line, sizeof(line), "tid=%lu ", GetCurrentThreadId());
    va_start(args, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t) n - 2, fmt, args);
    va_end(args);
    strcat(line, "\n");
    if (GetEnvironmentVariableA("FAKEJVM_RECORD", path, sizeof(path)) == 0 || (f = fopen(path, "ab")) == NULL) {
        return;
    }
    fputs(line, f);
    fclose(f);
}

static void initial(void)
{
    if (entries >= 0) {
        return;
    }
    entry(&catalog[0], 1001, &FAKE_BASE, 1, 1001, 0, 0, L"fake base TCP/IP");
    entry(&catalog[1], 1002, &JWSP_LAYERED, 0, 0, 0, 0, L"jwsp");
    entry(&catalog[2], 1003, &JWSP_CHAINS, 2, 1002, 1001, 0, L"jwsp over [fake base TCP/IP]");
    entry(&catalog[3], 2001, &OTHER, 0, 0, 0, 0, L"other LSP");
    entry(&catalog[4], 2002, &OTHER_CHAIN, 3, 2001, 1002, 1001, L"other LSP over jwsp");
    entries = 5;
}

int WSPAPI WSCEnumProtocols(LPINT protocols, LPWSAPROTOCOL_INFOW buffer, LPDWORD length, LPINT error)
{
    DWORD bytes;
    (void) protocols;
    initial();
    bytes = (DWORD) (entries * sizeof(WSAPROTOCOL_INFOW));
    if (buffer == NULL || *length < bytes) {
        *length = bytes;
        *error = WSAENOBUFS;
        return SOCKET_ERROR;
    }
    memcpy(buffer, catalog, bytes);
    return entries;
}

static const char *name_of(const GUID *id)
{
    return IsEqualGUID(id, &JWSP_LAYERED) ? "JWSP_LAYERED" : IsEqualGUID(id, &JWSP_CHAINS) ? "JWSP_CHAINS"
        : IsEqualGUID(id, &OTHER) ? "OTHER" : IsEqualGUID(id, &OTHER_CHAIN) ? "OTHER_CHAIN"
        : IsEqualGUID(id, &FAKE_BASE) ? "FAKE_BASE" : "unknown";
}

int WSPAPI WSCDeinstallProvider(LPGUID id, LPINT error)
{
    int i, out = 0;
    initial();
    for (i = 0; i < entries; i++) {
        if (!IsEqualGUID(&catalog[i].ProviderId, id)) {
            catalog[out++] = catalog[i];
        }
    }
    record("WSCDeinstallProvider %s removed=%d", name_of(id), entries - out);
    if (out == entries) {
        *error = WSAEINVAL;
        return SOCKET_ERROR;
    }
    entries = out;
    return 0;
}

int WSPAPI WSCInstallProvider(LPGUID id, const WCHAR *path, const LPWSAPROTOCOL_INFOW list, DWORD count, LPINT error)
{
    DWORD i;
    initial();
    if (entries + (int) count > MAX_ENTRIES) {
        *error = WSAENOBUFS;
        return SOCKET_ERROR;
    }
    for (i = 0; i < count; i++) {
        WSAPROTOCOL_INFOW *e = &catalog[entries++];
        *e = list[i];
        e->ProviderId = *id;
        e->dwCatalogEntryId = next_id++;
        record("WSCInstallProvider %s path=%ls id=%lu chainlen=%d chain=%lu,%lu,%lu", name_of(id), path,
               e->dwCatalogEntryId, e->ProtocolChain.ChainLen, e->ProtocolChain.ChainEntries[0],
               e->ProtocolChain.ChainEntries[1], e->ProtocolChain.ChainEntries[2]);
    }
    return 0;
}

int WSPAPI WSCWriteProviderOrder(LPDWORD ids, DWORD count)
{
    WSAPROTOCOL_INFOW ordered[MAX_ENTRIES];
    DWORD i;
    int j, found;
    initial();
    if ((int) count != entries) {
        record("WSCWriteProviderOrder count=%lu of %d -> WSAEINVAL", count, entries);
        return WSAEINVAL;
    }
    for (i = 0; i < count; i++) {
        for (j = 0, found = 0; j < entries && !found; j++) {
            if (catalog[j].dwCatalogEntryId == ids[i]) {
                ordered[i] = catalog[j];
                found = 1;
            }
        }
        if (!found) {
            record("WSCWriteProviderOrder unknown id %lu -> WSAEINVAL", ids[i]);
            return WSAEINVAL;
        }
    }
    memcpy(catalog, ordered, count * sizeof(WSAPROTOCOL_INFOW));
    record("WSCWriteProviderOrder count=%lu", count);
    return 0;
}

int WSPAPI WSCSetProviderInfo(LPGUID id, WSC_PROVIDER_INFO_TYPE type, PBYTE info, size_t size, DWORD flags, LPINT error)
{
    (void) flags;
    (void) error;
    record("WSCSetProviderInfo %s type=%d value=0x%08lx size=%u", name_of(id), (int) type,
           size == sizeof(DWORD) ? *(DWORD *) info : 0UL, (unsigned) size);
    return 0;
}

int WSPAPI WSCGetApplicationCategory(LPCWSTR path, DWORD length, LPCWSTR extra, DWORD extra_length, DWORD *categories,
                                     LPINT error)
{
    (void) length; (void) extra; (void) extra_length;
    /* winlogon.exe has a category already (as another product might have set it) */
    *categories = wcsstr(path, L"winlogon.exe") != NULL ? LSP_SYSTEM | LSP_FIREWALL : 0;
    if (*categories == 0) {
        *error = WSASERVICE_NOT_FOUND;
        return SOCKET_ERROR;
    }
    return 0;
}

int WSPAPI WSCSetApplicationCategory(LPCWSTR path, DWORD length, LPCWSTR extra, DWORD extra_length, DWORD categories,
                                     DWORD *previous, LPINT error)
{
    (void) length; (void) extra; (void) extra_length; (void) error;
    *previous = 0;
    record("WSCSetApplicationCategory %ls 0x%08lx", path, categories);
    return 0;
}

int WSPAPI WSCGetProviderPath(LPGUID provider, LPWSTR path, LPINT length, LPINT error)
{
    static const wchar_t next[] = L"%FAKEWS2_NEXT_DIR%\\nextprov.dll";
    static const wchar_t other[] = L"C:\\other\\otherlsp.dll";
    if (IsEqualGUID(provider, &OTHER_CHAIN) && *length >= (int) (sizeof(other) / sizeof(wchar_t))) {
        memcpy(path, other, sizeof(other));
        *length = (int) (sizeof(other) / sizeof(wchar_t));
        return 0;
    }
    if (!IsEqualGUID(provider, &FAKE_BASE)) {
        *error = WSAEINVAL;
        return SOCKET_ERROR;
    }
    if (*length < (int) (sizeof(next) / sizeof(wchar_t))) {
        *error = WSAEFAULT;
        return SOCKET_ERROR;
    }
    memcpy(path, next, sizeof(next));
    *length = (int) (sizeof(next) / sizeof(wchar_t));
    return 0;
}
