/*
 * WSPStartup, the one export of jwsp.dll (see jwsp.def), and the once-per-process start-up.
 *
 * ws2_32 calls WSPStartup on any application thread. The first call runs the start-up under
 * InitOnceExecuteOnce: configuration (HKLM), whether this process is served, the option and
 * file checks, jvm.dll, JVM, Java WSPStartup address. Calls from other threads during the
 * start-up wait for it and see the same outcome. Every call then attaches its thread to the JVM
 * and forwards its five arguments unchanged to the Java WSPStartup.
 *
 * Fail open: whenever jwsp cannot or must not run — not configured, process not named, bad
 * configuration, a refused option or file, no JVM, another JVM in the process, re-entry during
 * the start-up, the loader lock held, a thread that cannot attach, the Java WSPStartup failing —
 * the call goes to the next provider of the chain (jwsp_next.c) and one line says why: no jwsp
 * failure becomes WSAEPROVIDERFAILEDINIT. Lines for processes jwsp does not serve go to the
 * debugger only (every process on the machine loads this DLL); the others to the log as well.
 *
 * State written by the start-up is read by later calls only after InitOnceExecuteOnce has
 * returned, which orders the two. The start-up pins the DLL in the process, so that state lives
 * as long as the JVM it describes.
 */
#include "jwsp.h"


/* PEB.LoaderLock on x64, an RTL_CRITICAL_SECTION * (Windows' public symbols; Wine's PEB is laid
 * out the same, and the Wine test proves it finds the lock LdrLockLoaderLock takes). */
#define PEB_LOADER_LOCK_OFFSET 0x110

static HINSTANCE self;
static INIT_ONCE start_once = INIT_ONCE_STATIC_INIT;
/* Thread id running the start-up, 0 otherwise: a WSPStartup on that same thread (the JVM
 * opening a socket while it starts) must pass on rather than wait for itself forever. */
static volatile LONG starting_thread;
/* 1 once the start-up has ended: config.log_path may then be read from any thread. */
static volatile LONG start_done;
static jwsp_config config;

enum { FAILED, STARTED, NOT_SERVED };
static struct {
    int state;
    JavaVM *vm;
    LPWSPSTARTUP target;
    jwsp_reason reason;
} started;

BOOL WINAPI DllMain(HINSTANCE instance, DWORD why, LPVOID reserved)
{
    if (why == DLL_PROCESS_ATTACH) {
        self = instance;
        DisableThreadLibraryCalls(instance);
    } else if (why == DLL_PROCESS_DETACH && reserved != NULL) {
        jwsp_jvm_process_ending();
    }
    return TRUE;
}

/* Whether this thread holds the loader lock (inside a DllMain): starting a JVM there deadlocks. */
static int loader_lock_held(void)
{
    char *peb;
    /* TEB.ProcessEnvironmentBlock is gs:0x60 on x64; read directly: NtCurrentTeb() trips GCC's
     * -Warray-bounds (a false positive on __readgsqword). */
    __asm__("movq %%gs:0x60, %0" : "=r"(peb));
    RTL_CRITICAL_SECTION *lock = *(RTL_CRITICAL_SECTION **) (peb + PEB_LOADER_LOCK_OFFSET);
    return lock != NULL && lock->OwningThread == (HANDLE) (ULONG_PTR) GetCurrentThreadId();
}

/* Decides whether jwsp runs here and starts it; 0 or -1 with started.reason. */
static int start_up(void)
{
    wchar_t image[JWSP_PATH_LEN];
    int created = 0;
    int read = jwsp_config_read(self, &config, started.reason);

    if (read == JWSP_CONFIG_ABSENT) {
        started.state = NOT_SERVED;
        return 0;
    }
    if (!jwsp_policy_process_wanted(&config, image, JWSP_PATH_LEN)) {
        started.state = NOT_SERVED;
        jwsp_format(started.reason, JWSP_REASON_LEN, L"this process (%ls) is not one jwsp serves (Processes)", image);
        return 0;
    }
    if (read != JWSP_CONFIG_OK || jwsp_policy_check_options(&config, started.reason) != 0
        || jwsp_acl_check_config(&config, started.reason) != 0
        || jwsp_jvm_start(&config, &started.vm, &started.target, &created, started.reason) != 0) {
        return -1;
    }
    started.state = STARTED;
    jwsp_debug_line(L"started: %ls the JVM of %ls", created ? L"created" : L"joined", config.jvm_dll);
    return 0;
}

static BOOL CALLBACK start(PINIT_ONCE once, PVOID ran, PVOID *context)
{
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
    started.state = FAILED;
    start_up();
    InterlockedExchange(&start_done, 1);
    InterlockedExchange(&starting_thread, 0);
    return TRUE;
}

/* Fail open: the next provider's answer, and one line saying why (logged, or debugger only). */
static int pass_on(WORD version, LPWSPDATA data, LPWSAPROTOCOL_INFOW info, WSPUPCALLTABLE upcalls,
                   LPWSPPROC_TABLE procs, int logged, const wchar_t *why)
{
    wchar_t next[JWSP_PATH_LEN];
    jwsp_reason failure;
    /* The configuration is readable once the start-up is over, and by the thread running it. */
    const wchar_t *log = start_done || starting_thread == (LONG) GetCurrentThreadId() ? config.log_path : L"";
    int rc = jwsp_next_startup(version, data, info, upcalls, procs, next, JWSP_PATH_LEN, failure);

    if (rc == 0 || next[0] != L'\0') {
        if (logged) {
            jwsp_log_line(log, L"WSPStartup -> next provider %ls (%d): %ls", next, rc, why);
        } else {
            jwsp_debug_line(L"WSPStartup -> next provider %ls (%d): %ls", next, rc, why);
        }
        return rc;
    }
    jwsp_log_line(log, L"WSPStartup -> %d: %ls; %ls", rc, failure, why);
    return rc;
}

int WSPAPI WSPStartup(WORD wVersionRequested, LPWSPDATA lpWSPData, LPWSAPROTOCOL_INFOW lpProtocolInfo,
                      WSPUPCALLTABLE UpcallTable, LPWSPPROC_TABLE lpProcTable)
{
    jwsp_reason reason;
    int ran = 0;
    int rc;

    if (loader_lock_held()) {
        return pass_on(wVersionRequested, lpWSPData, lpProtocolInfo, UpcallTable, lpProcTable, 1,
                       L"called under the loader lock (a socket opened in a DllMain): no JVM there");
    }
    if (starting_thread == (LONG) GetCurrentThreadId()) {
        return pass_on(wVersionRequested, lpWSPData, lpProtocolInfo, UpcallTable, lpProcTable, 1,
                       L"called again on the starting thread while the JVM starts (a socket opened during JVM start-up)");
    }
    if (!InitOnceExecuteOnce(&start_once, start, &ran, NULL)) {
        return pass_on(wVersionRequested, lpWSPData, lpProtocolInfo, UpcallTable, lpProcTable, 1,
                       L"InitOnceExecuteOnce failed");
    }
    if (started.state == NOT_SERVED) {
        return pass_on(wVersionRequested, lpWSPData, lpProtocolInfo, UpcallTable, lpProcTable, 0, started.reason);
    }
    if (started.state == FAILED) {
        /* The start-up's own reason is logged once, by the call that ran it. */
        jwsp_format(reason, JWSP_REASON_LEN, L"%ls%ls", ran ? L"" : L"start-up failed: ", started.reason);
        return pass_on(wVersionRequested, lpWSPData, lpProtocolInfo, UpcallTable, lpProcTable, ran, reason);
    }
    if (jwsp_jvm_attach(started.vm, reason) != 0) {
        return pass_on(wVersionRequested, lpWSPData, lpProtocolInfo, UpcallTable, lpProcTable, 1, reason);
    }
    rc = started.target(wVersionRequested, lpWSPData, lpProtocolInfo, UpcallTable, lpProcTable);
    if (rc != 0 && rc != WSAVERNOTSUPPORTED) {
        jwsp_format(reason, JWSP_REASON_LEN, L"the Java WSPStartup returned %d", rc);
        return pass_on(wVersionRequested, lpWSPData, lpProtocolInfo, UpcallTable, lpProcTable, 1, reason);
    }
    return rc;
}
