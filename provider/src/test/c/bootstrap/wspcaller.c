/*
 * Test program for jwsp.dll under Wine (BootstrapDllWineTest): plays ws2_32's part.
 *
 *   wspcaller.exe JWSP_DLL VERSION_HEX once
 *   wspcaller.exe JWSP_DLL VERSION_HEX threads N   one call, then N threads at once, then one more
 *   wspcaller.exe JWSP_DLL VERSION_HEX race N      first call held inside JNI_CreateJavaVM (the
 *                                                  stand-in jvm.dll's gate) while N threads call
 *   wspcaller.exe JWSP_DLL VERSION_HEX reload      one call, FreeLibrary (as ws2_32 does at the last
 *                                                  WSACleanup), LoadLibrary again, one more call
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

typedef int (WSPAPI *startup_fn)(WORD, LPWSPDATA, LPWSAPROTOCOL_INFOW, WSPUPCALLTABLE, LPWSPPROC_TABLE);

static startup_fn startup;
static WORD version;
static CRITICAL_SECTION out;
static HANDLE go;
static volatile LONG released;
static volatile LONG ready;

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

int main(int argc, char **argv)
{
    wchar_t path[2048];
    HMODULE dll;
    int n = argc > 4 ? atoi(argv[4]) : 0;

    InitializeCriticalSection(&out);
    if (argc < 4 || n < 0 || n > 60) {
        fprintf(stderr, "usage: wspcaller JWSP_DLL VERSION_HEX once|threads N|race N\n");
        return 2;
    }
    version = (WORD) strtoul(argv[2], NULL, 16);
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
    fprintf(stderr, "unknown mode %s\n", argv[3]);
    return 2;
}
