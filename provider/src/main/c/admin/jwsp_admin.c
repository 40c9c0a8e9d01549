/*
 * jwsp-admin.exe: jwsp's catalog chores that must work without Java (a removed or broken JDK is
 * exactly when they are needed). Run from an elevated prompt:
 *
 *   jwsp-admin list         the 64-bit Winsock catalog: id, chain, provider GUID, name
 *   jwsp-admin uninstall    remove jwsp's entries; the chains of other LSPs layered over jwsp are
 *                           rewritten without jwsp (reinstalled under their GUID, same DLL, same
 *                           order) instead of being left broken
 *   jwsp-admin check        what jwsp.dll would refuse, checked now with the bootstrap's own code:
 *                           HKLM\SOFTWARE\jwsp (values, JVM option allowlist), and who may write
 *                           this folder (the install folder: jwsp.dll beside this tool), jwsp.dll,
 *                           jvm.dll, the JDK folders and every class path entry
 *   jwsp-admin categorize   set jwsp's LSP categories (LSP_INSPECTOR | LSP_OUTBOUND_MODIFY: it
 *                           observes and may change what programs send) on both of its GUIDs, and
 *                           keep critical system processes out: WSCSetApplicationCategory(LSP_SYSTEM)
 *                           for lsass, winlogon, services, wininit, csrss and smss in system32,
 *                           where no category is set yet (a set one is left as it is, and said)
 *
 * Each command prints one line per change and exits 0, or prints one line "jwsp-admin <command>:
 * <reason>" on stderr and exits 1 (usage 2). Everything is on the calling thread; the catalog
 * buffers are HeapAlloc'ed and freed before returning. Uses only ws2_32's WSC functions
 * (the same ones the Java installer uses, plus WSCSetProviderInfo and WSCSetApplicationCategory).
 */
#include "jwsp.h"

#include <sporder.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

static const GUID JWSP_LAYERED = {0x6A77B5C1, 0x3D2E, 0x4F70, {0x9C, 0x4B, 0x1E, 0x5A, 0x0B, 0x7D, 0x2F, 0x11}};
static const GUID JWSP_CHAINS = {0x6A77B5C2, 0x3D2E, 0x4F70, {0x9C, 0x4B, 0x1E, 0x5A, 0x0B, 0x7D, 0x2F, 0x11}};
#define JWSP_CATEGORIES (LSP_INSPECTOR | LSP_OUTBOUND_MODIFY)
#define MAX_GROUPS 16

static int refuse(const char *command, const char *fmt, ...)
{
    va_list args;
    fprintf(stderr, "jwsp-admin %s: ", command);
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fputc('\n', stderr);
    return 1;
}

static int is_jwsp(const GUID *id)
{
    return IsEqualGUID(id, &JWSP_LAYERED) || IsEqualGUID(id, &JWSP_CHAINS);
}

/* The catalog in a HeapAlloc'ed buffer, count entries; NULL with *error. */
static LPWSAPROTOCOL_INFOW enumerate(int *count, int *error)
{
    DWORD bytes = 0;
    LPWSAPROTOCOL_INFOW catalog = NULL;
    int attempt;
    for (attempt = 0; attempt < 3; attempt++) {
        int n = WSCEnumProtocols(NULL, catalog, &bytes, error);
        if (n != SOCKET_ERROR) {
            *count = n;
            return catalog;
        }
        HeapFree(GetProcessHeap(), 0, catalog);
        catalog = NULL;
        if (*error != WSAENOBUFS || (catalog = HeapAlloc(GetProcessHeap(), 0, bytes)) == NULL) {
            return NULL;
        }
    }
    return NULL;
}

static void guid_text(const GUID *g, char *out, size_t len)
{
    snprintf(out, len, "{%08lX-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", g->Data1, g->Data2, g->Data3,
             g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3], g->Data4[4], g->Data4[5], g->Data4[6], g->Data4[7]);
}

static int list(void)
{
    int count = 0;
    int error = 0;
    int i, j;
    LPWSAPROTOCOL_INFOW catalog = enumerate(&count, &error);
    if (catalog == NULL) {
        return refuse("list", "WSCEnumProtocols failed: %d", error);
    }
    for (i = 0; i < count; i++) {
        char guid[64];
        guid_text(&catalog[i].ProviderId, guid, sizeof(guid));
        printf("ENTRY id=%lu guid=%s chain=", catalog[i].dwCatalogEntryId, guid);
        for (j = 0; j < catalog[i].ProtocolChain.ChainLen && j < MAX_PROTOCOL_CHAIN; j++) {
            printf("%s%lu", j == 0 ? "" : ",", catalog[i].ProtocolChain.ChainEntries[j]);
        }
        printf(" name=%ls\n", catalog[i].szProtocol);
    }
    HeapFree(GetProcessHeap(), 0, catalog);
    return 0;
}

/* Whether entry's chain names one of jwsp's ids (other than itself). */
static int through_jwsp(const WSAPROTOCOL_INFOW *entry, const DWORD *ours, int n_ours)
{
    int i, k;
    for (i = 0; i < entry->ProtocolChain.ChainLen && i < MAX_PROTOCOL_CHAIN; i++) {
        for (k = 0; k < n_ours; k++) {
            if (entry->ProtocolChain.ChainEntries[i] == ours[k]) {
                return 1;
            }
        }
    }
    return 0;
}

/* entry's chain without jwsp's ids. */
static void strip(WSAPROTOCOL_INFOW *entry, const DWORD *ours, int n_ours)
{
    int i, k, out = 0;
    for (i = 0; i < entry->ProtocolChain.ChainLen && i < MAX_PROTOCOL_CHAIN; i++) {
        int mine = 0;
        for (k = 0; k < n_ours; k++) {
            mine |= entry->ProtocolChain.ChainEntries[i] == ours[k];
        }
        if (!mine) {
            entry->ProtocolChain.ChainEntries[out++] = entry->ProtocolChain.ChainEntries[i];
        }
    }
    entry->ProtocolChain.ChainLen = out;
    for (i = out; i < MAX_PROTOCOL_CHAIN; i++) {
        entry->ProtocolChain.ChainEntries[i] = 0;
    }
}

/*
 * Reinstalls every entry of provider id with jwsp stripped from the chains; order[] (the catalog
 * order by id, n entries) gets the new ids in place of the old ones. 0, or 1 after refusing.
 */
static int repair(GUID id, LPWSAPROTOCOL_INFOW catalog, int count, const DWORD *ours, int n_ours, DWORD *order)
{
    WSAPROTOCOL_INFOW group[64];
    DWORD old_ids[64];
    wchar_t raw[MAX_PATH + 1];
    int raw_len = MAX_PATH;
    int n = 0, error = 0, i, after_count = 0, k = 0;
    char guid[64];
    LPWSAPROTOCOL_INFOW after;

    guid_text(&id, guid, sizeof(guid));
    for (i = 0; i < count && n < 64; i++) {
        if (IsEqualGUID(&catalog[i].ProviderId, &id)) {
            if (catalog[i].ProtocolChain.ChainLen == LAYERED_PROTOCOL) {
                return refuse("uninstall", "provider %s layered over jwsp keeps its layered entry under the same GUID "
                              "as its chains; it cannot be repaired here: uninstall it first, or run netsh winsock reset", guid);
            }
            old_ids[n] = catalog[i].dwCatalogEntryId;
            group[n] = catalog[i];
            strip(&group[n++], ours, n_ours);
        }
    }
    if (WSCGetProviderPath(&id, raw, &raw_len, &error) == SOCKET_ERROR) {
        return refuse("uninstall", "WSCGetProviderPath %s failed: %d", guid, error);
    }
    raw[MAX_PATH] = L'\0';
    if (WSCDeinstallProvider(&id, &error) == SOCKET_ERROR) {
        return refuse("uninstall", "WSCDeinstallProvider %s failed: %d", guid, error);
    }
    if (WSCInstallProvider(&id, raw, group, (DWORD) n, &error) == SOCKET_ERROR) {
        return refuse("uninstall", "WSCInstallProvider %s (its %d entries without jwsp, from %ls) failed: %d; "
                      "that LSP is now missing: reinstall it, or run netsh winsock reset", guid, n, raw, error);
    }
    /* The new ids, in install order, take the old ones' places in the order. */
    after = enumerate(&after_count, &error);
    for (i = 0; after != NULL && i < after_count && k < n; i++) {
        if (IsEqualGUID(&after[i].ProviderId, &id)) {
            int j;
            for (j = 0; j < count; j++) {
                if (order[j] == old_ids[k]) {
                    order[j] = after[i].dwCatalogEntryId;
                }
            }
            k++;
        }
    }
    HeapFree(GetProcessHeap(), 0, after);
    printf("REPAIRED %s: %d entries reinstalled without jwsp in their chains\n", guid, n);
    return 0;
}

/* After uninstall: nothing of jwsp left, no chain naming one of its old ids; prints the order. */
static int verify(const DWORD *ours, int n_ours)
{
    int count = 0, error = 0, i, rc = 0;
    LPWSAPROTOCOL_INFOW catalog = enumerate(&count, &error);
    if (catalog == NULL) {
        return refuse("uninstall", "WSCEnumProtocols (to verify) failed: %d", error);
    }
    printf("CATALOG ");
    for (i = 0; i < count; i++) {
        printf("%s%lu", i == 0 ? "" : ",", catalog[i].dwCatalogEntryId);
        if (is_jwsp(&catalog[i].ProviderId) || through_jwsp(&catalog[i], ours, n_ours)) {
            rc = 1;
        }
    }
    printf("\n");
    HeapFree(GetProcessHeap(), 0, catalog);
    return rc == 0 ? 0 : refuse("uninstall", "the catalog still holds jwsp's entries or chains through them");
}

static int uninstall(void)
{
    int count = 0, error = 0, i, k, rc = 0;
    DWORD ours[64];
    int n_ours = 0;
    GUID groups[MAX_GROUPS];
    int n_groups = 0;
    DWORD *order;
    int n_order = 0;
    LPWSAPROTOCOL_INFOW catalog = enumerate(&count, &error);

    if (catalog == NULL) {
        return refuse("uninstall", "WSCEnumProtocols failed: %d", error);
    }
    for (i = 0; i < count && n_ours < 64; i++) {
        if (is_jwsp(&catalog[i].ProviderId)) {
            ours[n_ours++] = catalog[i].dwCatalogEntryId;
        }
    }
    if (n_ours == 0) {
        printf("jwsp is not installed; the catalog is unchanged\n");
        HeapFree(GetProcessHeap(), 0, catalog);
        return 0;
    }
    for (i = 0; i < count; i++) {
        int known = 0;
        if (is_jwsp(&catalog[i].ProviderId) || !through_jwsp(&catalog[i], ours, n_ours)) {
            continue;
        }
        for (k = 0; k < n_groups; k++) {
            known |= IsEqualGUID(&groups[k], &catalog[i].ProviderId);
        }
        if (!known && n_groups < MAX_GROUPS) {
            groups[n_groups++] = catalog[i].ProviderId;
        }
    }
    order = HeapAlloc(GetProcessHeap(), 0, sizeof(DWORD) * (size_t) (count + 1));
    for (i = 0; order != NULL && i < count; i++) {
        order[i] = catalog[i].dwCatalogEntryId;
    }
    for (k = 0; rc == 0 && order != NULL && k < n_groups; k++) {
        rc = repair(groups[k], catalog, count, ours, n_ours, order);
    }
    if (rc == 0 && order != NULL) {
        if (WSCDeinstallProvider((GUID *) &JWSP_CHAINS, &error) == SOCKET_ERROR
            || WSCDeinstallProvider((GUID *) &JWSP_LAYERED, &error) == SOCKET_ERROR) {
            rc = refuse("uninstall", "WSCDeinstallProvider (jwsp) failed: %d", error);
        }
    }
    if (rc == 0 && order != NULL) {
        for (i = 0; i < count; i++) {
            int mine = 0;
            for (k = 0; k < n_ours; k++) {
                mine |= order[i] == ours[k];
            }
            if (!mine) {
                order[n_order++] = order[i];
            }
        }
        if (n_groups > 0 && WSCWriteProviderOrder(order, (DWORD) n_order) != 0) {
            rc = refuse("uninstall", "WSCWriteProviderOrder failed: jwsp is removed, but the repaired LSPs "
                        "may now be in another place in the catalog");
        }
    }
    if (rc == 0) {
        rc = verify(ours, n_ours);
    }
    if (rc == 0) {
        printf("jwsp uninstalled: %d catalog entries removed, %d layered providers above it repaired\n", n_ours, n_groups);
    }
    HeapFree(GetProcessHeap(), 0, order);
    HeapFree(GetProcessHeap(), 0, catalog);
    return rc;
}

static int categorize(void)
{
    static const wchar_t *const SYSTEM_PROCESSES[] = {
        L"lsass.exe", L"winlogon.exe", L"services.exe", L"wininit.exe", L"csrss.exe", L"smss.exe",
    };
    DWORD categories = JWSP_CATEGORIES;
    wchar_t system[MAX_PATH];
    int error = 0;
    size_t i;

    if (WSCSetProviderInfo((GUID *) &JWSP_LAYERED, ProviderInfoLspCategories, (PBYTE) &categories,
                           sizeof(categories), 0, &error) == SOCKET_ERROR
        || WSCSetProviderInfo((GUID *) &JWSP_CHAINS, ProviderInfoLspCategories, (PBYTE) &categories,
                              sizeof(categories), 0, &error) == SOCKET_ERROR) {
        return refuse("categorize", "WSCSetProviderInfo(ProviderInfoLspCategories) failed: %d (is jwsp installed?)", error);
    }
    printf("CATEGORIES jwsp = 0x%08lx (LSP_INSPECTOR | LSP_OUTBOUND_MODIFY)\n", categories);
    if (GetSystemDirectoryW(system, MAX_PATH) == 0) {
        return refuse("categorize", "GetSystemDirectoryW failed: %lu", GetLastError());
    }
    for (i = 0; i < sizeof(SYSTEM_PROCESSES) / sizeof(SYSTEM_PROCESSES[0]); i++) {
        wchar_t path[MAX_PATH + 32];
        DWORD current = 0;
        DWORD previous = 0;
        _snwprintf(path, MAX_PATH + 32, L"%ls\\%ls", system, SYSTEM_PROCESSES[i]);
        path[MAX_PATH + 31] = L'\0';
        if (WSCGetApplicationCategory(path, (DWORD) wcslen(path), NULL, 0, &current, &error) == 0 && current != 0) {
            printf("APPLICATION %ls keeps its categories 0x%08lx\n", path, current);
            continue;
        }
        if (WSCSetApplicationCategory(path, (DWORD) wcslen(path), NULL, 0, LSP_SYSTEM, &previous, &error) == SOCKET_ERROR) {
            return refuse("categorize", "WSCSetApplicationCategory %ls failed: %d", path, error);
        }
        printf("APPLICATION %ls = LSP_SYSTEM (jwsp is not loaded there)\n", path);
    }
    return 0;
}

/* The bootstrap's own checks (jwsp_config.c, jwsp_policy.c, jwsp_acl.c), run here and now. */
static int check(void)
{
    static jwsp_config config;
    jwsp_reason reason;
    wchar_t dll[JWSP_PATH_LEN];
    int read = jwsp_config_read(GetModuleHandleW(NULL), &config, reason);

    if (read != JWSP_CONFIG_OK) {
        return refuse("check", "%ls", reason);
    }
    _snwprintf(dll, JWSP_PATH_LEN, L"%ls\\jwsp.dll", config.dll_dir);
    dll[JWSP_PATH_LEN - 1] = L'\0';
    if (jwsp_policy_check_options(&config, reason) != 0 || jwsp_acl_check_path(config.dll_dir, reason) != 0
        || jwsp_acl_check_path(dll, reason) != 0 || jwsp_acl_check_config(&config, reason) != 0) {
        return refuse("check", "%ls", reason);
    }
    printf("OK %ls, %ls and the class path may be changed only by SYSTEM, Administrators, TrustedInstaller; "
           "%d JVM options allowed; serves %d program name(s)%s\n", dll, config.jvm_dll, config.option_count,
           config.process_count, config.process_count == 0 ? " (none: jwsp passes every process through)" : "");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        return list();
    }
    if (argc == 2 && strcmp(argv[1], "uninstall") == 0) {
        return uninstall();
    }
    if (argc == 2 && strcmp(argv[1], "check") == 0) {
        return check();
    }
    if (argc == 2 && strcmp(argv[1], "categorize") == 0) {
        return categorize();
    }
    fprintf(stderr, "usage: jwsp-admin list | uninstall | check | categorize   (from an elevated prompt)\n");
    return 2;
}
