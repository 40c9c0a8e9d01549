/*
 * Stand-in ws2_32.dll for the Wine test of jwsp.dll (BootstrapDllWineTest): the two catalog
 * functions jwsp.dll's fail-open path calls, over a fixed catalog:
 *   1001  base "fake base TCP/IP" (FAKE_BASE), chain [1001]
 *   1002  jwsp's hidden layered entry (jwsp's layered GUID), ChainLen 0
 *   1003  jwsp over the base, chain [1002, 1001]
 *   2001  another LSP's layered entry, ChainLen 0
 *   2002  that LSP over jwsp, chain [2001, 1002, 1001]
 * WSCGetProviderPath answers, for FAKE_BASE, "%FAKEWS2_NEXT_DIR%\nextprov.dll" (unexpanded, as
 * the real catalog stores %SystemRoot% paths), and WSAEINVAL for any other provider. Loaded in
 * place of Wine's own through WINEDLLOVERRIDES=ws2_32=n from wspcaller.exe's folder. Test code.
 */
#include <winsock2.h>
#include <ws2spi.h>

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

int WSPAPI WSCEnumProtocols(LPINT protocols, LPWSAPROTOCOL_INFOW buffer, LPDWORD length, LPINT error)
{
    WSAPROTOCOL_INFOW all[5];
    (void) protocols;
    entry(&all[0], 1001, &FAKE_BASE, 1, 1001, 0, 0, L"fake base TCP/IP");
    entry(&all[1], 1002, &JWSP_LAYERED, 0, 0, 0, 0, L"jwsp");
    entry(&all[2], 1003, &JWSP_CHAINS, 2, 1002, 1001, 0, L"jwsp over [fake base TCP/IP]");
    entry(&all[3], 2001, &OTHER, 0, 0, 0, 0, L"other LSP");
    entry(&all[4], 2002, &OTHER_CHAIN, 3, 2001, 1002, 1001, L"other LSP over jwsp");
    if (buffer == NULL || *length < sizeof(all)) {
        *length = sizeof(all);
        *error = WSAENOBUFS;
        return SOCKET_ERROR;
    }
    memcpy(buffer, all, sizeof(all));
    return 5;
}

int WSPAPI WSCGetProviderPath(LPGUID provider, LPWSTR path, LPINT length, LPINT error)
{
    static const wchar_t next[] = L"%FAKEWS2_NEXT_DIR%\\nextprov.dll";
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
