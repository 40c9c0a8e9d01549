/*
 * WSPStartup, the one export of jwsp.dll (see jwsp.def), and the once-per-process start-up.
 *
 * ws2_32 calls WSPStartup on any application thread. The first call runs the start-up under
 * InitOnceExecuteOnce: configuration, jvm.dll, JVM, Java WSPStartup address. Calls from other
 * threads during the start-up wait for it and see the same outcome. Every call then attaches
 * its thread to the JVM and forwards its five arguments unchanged to the Java WSPStartup,
 * returning its result unchanged (WSAVERNOTSUPPORTED included). Any failure returns
 * WSAEPROVIDERFAILEDINIT, which is how WSPStartup reports errors: it has no lpErrno, its return
 * value is the error code (LPWSPSTARTUP in ws2spi.h). State written by the start-up is read by
 * later calls only after InitOnceExecuteOnce has returned, which orders the two. The start-up pins
 * the DLL in the process, so that state lives as long as the JVM it describes.
 */
#include "jwsp.h"

static HINSTANCE self;
static INIT_ONCE start_once = INIT_ONCE_STATIC_INIT;
/* Thread id running the start-up, 0 otherwise: a WSPStartup on that same thread (the JVM
 * opening a socket while it starts) must fail rather than wait for itself forever. */
static volatile LONG starting_thread;
static jwsp_config config;
static struct {
    int ok;
    JavaVM *vm;
    LPWSPSTARTUP target;
    jwsp_reason reason;
} started;

BOOL WINAPI DllMain(HINSTANCE instance, DWORD why, LPVOID reserved)
{
    (void) reserved;
    if (why == DLL_PROCESS_ATTACH) {
        self = instance;
        DisableThreadLibraryCalls(instance);
    }
    return TRUE;
}

static BOOL CALLBACK start(PINIT_ONCE once, PVOID ran, PVOID *context)
{
    int created = 0;
    HMODULE pinned;
    (void) once;
    (void) context;
    *(int *) ran = 1;
    InterlockedExchange(&starting_thread, (LONG) GetCurrentThreadId());
    /* Pinned: ws2_32 frees provider DLLs at the last WSACleanup, but the JVM and the Java stub stay;
     * a reload would start over and, for a joined JVM, load jwsp's classes a second time. */
    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                            (LPCWSTR) &start_once, &pinned)) {
        jwsp_debug_line(L"cannot pin jwsp.dll in memory: error %lu", GetLastError());
    }
    if (jwsp_config_read(self, &config, started.reason) == 0
        && jwsp_jvm_start(&config, &started.vm, &started.target, &created, started.reason) == 0) {
        started.ok = 1;
        jwsp_debug_line(L"started: %ls the JVM of %ls", created ? L"created" : L"joined", config.jvm_dll);
    } else {
        jwsp_log_line(config.log_path, L"WSPStartup -> WSAEPROVIDERFAILEDINIT: %ls", started.reason);
    }
    InterlockedExchange(&starting_thread, 0);
    return TRUE;
}

int WSPAPI WSPStartup(WORD wVersionRequested, LPWSPDATA lpWSPData, LPWSAPROTOCOL_INFOW lpProtocolInfo,
                      WSPUPCALLTABLE UpcallTable, LPWSPPROC_TABLE lpProcTable)
{
    jwsp_reason reason;
    int ran = 0;

    if (starting_thread == (LONG) GetCurrentThreadId()) {
        jwsp_log_line(config.log_path, L"WSPStartup -> WSAEPROVIDERFAILEDINIT: called again on the "
                      L"starting thread while the JVM starts (a socket opened during JVM start-up)");
        return WSAEPROVIDERFAILEDINIT;
    }
    if (!InitOnceExecuteOnce(&start_once, start, &ran, NULL)) {
        OutputDebugStringW(L"jwsp: WSPStartup -> WSAEPROVIDERFAILEDINIT: InitOnceExecuteOnce failed\r\n");
        return WSAEPROVIDERFAILEDINIT;
    }
    if (!started.ok) {
        if (!ran) {
            jwsp_log_line(config.log_path, L"WSPStartup -> WSAEPROVIDERFAILEDINIT: start-up failed: %ls",
                          started.reason);
        }
        return WSAEPROVIDERFAILEDINIT;
    }
    if (jwsp_jvm_attach(started.vm, reason) != 0) {
        jwsp_log_line(config.log_path, L"WSPStartup -> WSAEPROVIDERFAILEDINIT: %ls", reason);
        return WSAEPROVIDERFAILEDINIT;
    }
    return started.target(wVersionRequested, lpWSPData, lpProtocolInfo, UpcallTable, lpProcTable);
}
