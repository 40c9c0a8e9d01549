/*
 * Test program for jwsp.dll under Wine (BootstrapDllWineTest): plays ws2_32's part.
 *
 *   wspcaller.exe JWSP_DLL VERSION_HEX once
 *   wspcaller.exe JWSP_DLL VERSION_HEX threads N   one call, then N threads at once, then one more
 *   wspcaller.exe JWSP_DLL VERSION_HEX race N      first call held inside JNI_CreateJavaVM (the
 *                                                  stand-in jvm.dll's gate) while N threads call
 *   wspcaller.exe JWSP_DLL VERSION_HEX reload      one call, FreeLibrary (as ws2_32 does at the last
 *                                                  WSACleanup), LoadLibrary again, one more call
 *   wspcaller.exe JWSP_DLL VERSION_HEX loaderlock  one call holding the loader lock (as from a
 *                                                  DllMain), then one call without it
 *
 * Before loading the DLL it plays the administrator and the process's past:
 *   WSPCALLER_REGISTRY  a file of lines "sz Name=value" | "multi Name=value" (repeat to add a
 *                       string): HKLM\SOFTWARE\jwsp is deleted, then made of these lines
 *                       (without the variable, the key is only deleted: jwsp not configured)
 *   WSPCALLER_PRELOAD   a DLL to load first (e.g. another JDK's jvm.dll)
 *   WSPCALLER_CHAIN     the chain of the protocol entry passed, "id,id,..." (default 1002,1001,
 *                       jwsp over the stand-in ws2_32's base) and WSPCALLER_ENTRY its catalog
 *                       id (default 1003)
 * When a call returns 0 with a WSPSocket of nextprov.dll (jwsp passed the call on), it opens and
 * closes a socket through that table: USE tid=.. socket=0x.. close=..
 *
 * LoadLibraryW's the DLL, GetProcAddress("WSPStartup"), and calls it like ws2_32 does: version,
 * WSPDATA, WSAPROTOCOL_INFOW, the upcall table by value, WSPPROC_TABLE. Prints one line per fact:
 *   LOAD ok | LOAD error=N;  EXPORT WSPStartup=found|missing
 *   CALL tid=.. version=0x.. data=.. info=.. protocol=.. upcalls=<15 hex> procs=..   (before)
 *   RESULT tid=.. rc=.. wVersion=0x.. wHighVersion=0x.. desc=.. procs=<30 hex>      (after)
 *   RACE tid=.. began_before_release=0|1 ended_after_release=0|1
 * Exit code 0 when every step could run (the results are judged by the Java test).
 */
#include <winsock2.h>
#include <ws2spi.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

typedef int (WSPAPI *startup_fn)(WORD, LPWSPDATA, LPWSAPROTOCOL_INFOW, WSPUPCALLTABLE, LPWSPPROC_TABLE);

static startup_fn startup;
static WORD version;
static CRITICAL_SECTION out;
static HANDLE go;
static volatile LONG released;
static volatile LONG ready;

static int chain[MAX_PROTOCOL_CHAIN] = {1002, 1001};
static int chain_len = 2;
static DWORD entry_id = 1003;

static void hex_list(char *dst, size_t len, const void *table, int count)
{
    const UINT_PTR *p = table;
    size_t used = 0;
    int i;
    dst[0] = '\0';
    for (i = 0; i < count && used + 20 < len; i++) {
        used += (size_t) snprintf(dst + used, len - used, "%s%llx", i == 0 ? "" : ",",
                                  (unsigned long long) p[i]);
    }
}

static void print(const char *fmt, ...)
{
    va_list args;
    EnterCriticalSection(&out);
    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
    fflush(stdout);
    LeaveCriticalSection(&out);
}

/* When the table is nextprov.dll's (jwsp passed the call on), a socket opened and closed through it. */
static void use_next(const WSPPROC_TABLE *procs)
{
    HMODULE next = GetModuleHandleW(L"nextprov.dll");
    HMODULE owner = NULL;
    SOCKET s;
    int error = 0;
    int closed;

    if (next == NULL || procs->lpWSPSocket == NULL
        || !GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                               (LPCWSTR) (void *) procs->lpWSPSocket, &owner)
        || owner != next) {
        return;
    }
    s = procs->lpWSPSocket(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, 0, &error);
    closed = procs->lpWSPCloseSocket(s, &error);
    print("USE tid=%lu socket=0x%llx close=%d\n", GetCurrentThreadId(), (unsigned long long) s, closed);
}

/* One WSPStartup as ws2_32 makes it; the upcall table holds markers unique to this thread. */
static int call(void)
{
    WSPDATA data;
    WSAPROTOCOL_INFOW info;
    WSPUPCALLTABLE upcalls;
    WSPPROC_TABLE procs;
    UINT_PTR *slots = (UINT_PTR *) &upcalls;
    char upcall_list[1024];
    char proc_list[2048];
    char desc[512];
    DWORD tid = GetCurrentThreadId();
    int i;
    int rc;

    ZeroMemory(&data, sizeof(data));
    ZeroMemory(&info, sizeof(info));
    ZeroMemory(&procs, sizeof(procs));
    _snwprintf(info.szProtocol, WSAPROTOCOL_LEN, L"jwsp-test-%lu", tid);
    info.dwCatalogEntryId = entry_id;
    info.ProtocolChain.ChainLen = chain_len;
    for (i = 0; i < chain_len; i++) {
        info.ProtocolChain.ChainEntries[i] = (DWORD) chain[i];
    }
    for (i = 0; i < (int) (sizeof(upcalls) / sizeof(void *)); i++) {
        slots[i] = (UINT_PTR) 0xA000000000ULL + (UINT_PTR) tid * 0x100 + (UINT_PTR) i;
    }
    hex_list(upcall_list, sizeof(upcall_list), &upcalls, (int) (sizeof(upcalls) / sizeof(void *)));
    print("CALL tid=%lu version=0x%04x data=%llx info=%llx protocol=jwsp-test-%lu upcalls=%s procs=%llx\n",
          tid, version, (unsigned long long) (UINT_PTR) &data, (unsigned long long) (UINT_PTR) &info, tid,
          upcall_list, (unsigned long long) (UINT_PTR) &procs);
    rc = startup(version, &data, &info, upcalls, &procs);
    hex_list(proc_list, sizeof(proc_list), &procs, (int) (sizeof(procs) / sizeof(void *)));
    WideCharToMultiByte(CP_UTF8, 0, data.szDescription, -1, desc, sizeof(desc), NULL, NULL);
    print("RESULT tid=%lu rc=%d wVersion=0x%04x wHighVersion=0x%04x desc=%s procs=%s\n", tid, rc,
          data.wVersion, data.wHighVersion, desc, proc_list);
    if (rc == 0) {
        use_next(&procs);
    }
    return rc;
}

static DWORD WINAPI on_go(LPVOID unused)
{
    (void) unused;
    WaitForSingleObject(go, 20000);
    call();
    return 0;
}

static DWORD WINAPI racer(LPVOID unused)
{
    LONG before;
    (void) unused;
    before = released;
    InterlockedIncrement(&ready);
    call();
    print("RACE tid=%lu began_before_release=%d ended_after_release=%d\n", GetCurrentThreadId(),
          before == 0, released != 0);
    return 0;
}

static int join_all(HANDLE *threads, int n)
{
    int i;
    int ok = WaitForMultipleObjects((DWORD) n, threads, TRUE, 30000) == WAIT_OBJECT_0;
    for (i = 0; i < n; i++) {
        CloseHandle(threads[i]);
    }
    if (!ok) {
        print("TIMEOUT waiting for threads\n");
    }
    return ok;
}

static int threads(int n)
{
    HANDLE t[64];
    int i;
    call();
    go = CreateEventW(NULL, TRUE, FALSE, NULL);
    for (i = 0; i < n; i++) {
        t[i] = CreateThread(NULL, 0, on_go, NULL, 0, NULL);
    }
    SetEvent(go);
    if (!join_all(t, n)) {
        return 4;
    }
    call();
    return 0;
}

static int race(int n)
{
    HANDLE started = CreateEventW(NULL, TRUE, FALSE, L"Local\\jwsp-fake-create-started");
    HANDLE release = CreateEventW(NULL, TRUE, FALSE, L"Local\\jwsp-fake-create-release");
    HANDLE t[64];
    int i;

    t[0] = CreateThread(NULL, 0, racer, NULL, 0, NULL);
    if (WaitForSingleObject(started, 20000) != WAIT_OBJECT_0) {
        print("TIMEOUT waiting for JNI_CreateJavaVM to start\n");
        SetEvent(release);
        join_all(t, 1);
        return 5;
    }
    for (i = 1; i <= n; i++) {
        t[i] = CreateThread(NULL, 0, racer, NULL, 0, NULL);
    }
    while (ready < n + 1) {
        SwitchToThread();
    }
    /* The racers are about to call; give them time to reach the start-up guard. If one were late
     * it would only weaken the proof (it would find the start-up done), never fail it. */
    Sleep(300);
    InterlockedExchange(&released, 1);
    SetEvent(release);
    return join_all(t, n + 1) ? 0 : 4;
}

/* HKLM\SOFTWARE\jwsp as the file WSPCALLER_REGISTRY describes (deleted first). 0, or -1. */
static int configure(void)
{
    char file[1024];
    char line[4096];
    wchar_t name[256];
    static wchar_t multi[8][16384];
    static DWORD multi_len[8];
    static wchar_t multi_name[8][256];
    int multis = 0;
    HKEY key;
    FILE *f;
    int i;

    RegDeleteTreeW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\jwsp");
    RegDeleteKeyW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\jwsp");
    if (GetEnvironmentVariableA("WSPCALLER_REGISTRY", file, sizeof(file)) == 0) {
        return 0;
    }
    if ((f = fopen(file, "rb")) == NULL
        || RegCreateKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\jwsp", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &key, NULL) != 0) {
        print("REGISTRY cannot configure from %s\n", file);
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *eq = strchr(line, '=');
        char *end = line + strlen(line);
        wchar_t value[4096];
        int n;
        while (end > line && (end[-1] == '\n' || end[-1] == '\r')) {
            *--end = '\0';
        }
        if (eq == NULL || (strncmp(line, "sz ", 3) != 0 && strncmp(line, "multi ", 6) != 0)) {
            continue;
        }
        *eq = '\0';
        MultiByteToWideChar(CP_UTF8, 0, strchr(line, ' ') + 1, -1, name, 256);
        n = MultiByteToWideChar(CP_UTF8, 0, eq + 1, -1, value, 4096);
        if (line[0] == 's') {
            RegSetValueExW(key, name, 0, REG_SZ, (const BYTE *) value, (DWORD) (n * sizeof(wchar_t)));
            continue;
        }
        for (i = 0; i < multis && wcscmp(multi_name[i], name) != 0; i++) {
        }
        if (i == multis && multis < 8) {
            wcscpy(multi_name[multis++], name);
        }
        if (i < 8 && multi_len[i] + (DWORD) n + 1 < 16384) {
            wmemcpy(multi[i] + multi_len[i], value, (size_t) n);
            multi_len[i] += (DWORD) n;
            multi[i][multi_len[i]] = L'\0';
        }
    }
    for (i = 0; i < multis; i++) {
        RegSetValueExW(key, multi_name[i], 0, REG_MULTI_SZ, (const BYTE *) multi[i],
                       (multi_len[i] + 1) * sizeof(wchar_t));
    }
    fclose(f);
    RegCloseKey(key);
    return 0;
}

static void chain_from_environment(void)
{
    char value[256];
    char *p = value;
    if (GetEnvironmentVariableA("WSPCALLER_CHAIN", value, sizeof(value)) > 0) {
        for (chain_len = 0; *p != '\0' && chain_len < MAX_PROTOCOL_CHAIN; chain_len++) {
            chain[chain_len] = (int) strtol(p, &p, 10);
            p += *p == ',';
        }
    }
    if (GetEnvironmentVariableA("WSPCALLER_ENTRY", value, sizeof(value)) > 0) {
        entry_id = (DWORD) strtoul(value, NULL, 10);
    }
}

typedef LONG (NTAPI *loader_lock_fn)(ULONG, ULONG *, ULONG_PTR *);
typedef LONG (NTAPI *loader_unlock_fn)(ULONG, ULONG_PTR);

/* One call holding the loader lock (what a socket opened in a DllMain does), then one without. */
static int under_loader_lock(void)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    loader_lock_fn lock = (loader_lock_fn) (void (*)(void)) GetProcAddress(ntdll, "LdrLockLoaderLock");
    loader_unlock_fn unlock = (loader_unlock_fn) (void (*)(void)) GetProcAddress(ntdll, "LdrUnlockLoaderLock");
    ULONG_PTR cookie = 0;
    if (lock == NULL || unlock == NULL || lock(0, NULL, &cookie) != 0) {
        print("LOADERLOCK unavailable\n");
        return 5;
    }
    print("LOADERLOCK held\n");
    call();
    unlock(0, cookie);
    print("LOADERLOCK released\n");
    call();
    return 0;
}

int main(int argc, char **argv)
{
    char preload[1024];
    wchar_t path[2048];
    HMODULE dll;
    int n = argc > 4 ? atoi(argv[4]) : 0;

    InitializeCriticalSection(&out);
    if (argc < 4 || n < 0 || n > 60) {
        fprintf(stderr, "usage: wspcaller JWSP_DLL VERSION_HEX once|threads N|race N|reload|loaderlock\n");
        return 2;
    }
    version = (WORD) strtoul(argv[2], NULL, 16);
    chain_from_environment();
    if (configure() != 0) {
        return 3;
    }
    if (GetEnvironmentVariableA("WSPCALLER_PRELOAD", preload, sizeof(preload)) > 0) {
        print("PRELOAD %s\n", LoadLibraryA(preload) != NULL ? "ok" : "failed");
    }
    MultiByteToWideChar(CP_UTF8, 0, argv[1], -1, path, 2048);
    dll = LoadLibraryW(path);
    if (dll == NULL) {
        print("LOAD error=%lu\n", GetLastError());
        return 3;
    }
    print("LOAD ok\n");
    startup = (startup_fn) (void (*)(void)) GetProcAddress(dll, "WSPStartup");
    print("EXPORT WSPStartup=%s\n", startup == NULL ? "missing" : "found");
    if (startup == NULL) {
        return 3;
    }
    if (strcmp(argv[3], "once") == 0) {
        call();
        return 0;
    }
    if (strcmp(argv[3], "threads") == 0) {
        return threads(n);
    }
    if (strcmp(argv[3], "reload") == 0) {
        call();
        print("FREE %s\n", FreeLibrary(dll) ? "ok" : "failed");
        dll = LoadLibraryW(path);
        startup = dll == NULL ? NULL : (startup_fn) (void (*)(void)) GetProcAddress(dll, "WSPStartup");
        print("RELOAD %s\n", startup == NULL ? "failed" : "ok");
        if (startup == NULL) {
            return 3;
        }
        call();
        return 0;
    }
    if (strcmp(argv[3], "race") == 0) {
        return race(n);
    }
    if (strcmp(argv[3], "loaderlock") == 0) {
        return under_loader_lock();
    }
    fprintf(stderr, "unknown mode %s\n", argv[3]);
    return 2;
}
