/*
 * The JVM side of jwsp.dll's start-up: load jvm.dll, join the JVM already running in the process
 * or create one, attach threads; then jwsp_java.c asks org.jwsp.windows.Bootstrap for the address
 * of the Java WSPStartup upcall stub.
 *
 * jwsp_jvm_start runs once per process, on the thread of the first WSPStartup, inside the
 * start-up guard of jwsp_startup.c; jwsp_jvm_attach runs on every WSPStartup caller's thread.
 * A thread jwsp attached (or that created the JVM) is detached when it ends, by the callback of
 * a fiber-local slot: Windows runs those at thread exit before DLL_THREAD_DETACH, outside the
 * loader lock. The JVM owns everything it creates; the option strings built here are freed after
 * creation.
 */
#include "jwsp.h"

#include <wchar.h>

#define CLASS_PATH_OPTION L"-Djava.class.path="

typedef jint (JNICALL *get_created_vms_fn)(JavaVM **, jsize, jsize *);
typedef jint (JNICALL *create_vm_fn)(JavaVM **, void **, void *);

static DWORD detach_slot = FLS_OUT_OF_INDEXES;
static volatile LONG process_ending;

void jwsp_jvm_process_ending(void)
{
    InterlockedExchange(&process_ending, 1);
}

/* At the end of a thread jwsp attached: detach it, so the JVM does not keep a dead thread. */
static void WINAPI detach_at_exit(PVOID value)
{
    JavaVM *vm = value;
    JNIEnv *env = NULL;
    if (vm == NULL || process_ending) {
        return;
    }
    if ((*vm)->GetEnv(vm, (void **) &env, JWSP_JNI_VERSION) == JNI_OK) {
        (*vm)->DetachCurrentThread(vm);
    }
}

/* Have the calling thread detached from vm when it ends. */
static void detach_when_done(JavaVM *vm)
{
    if (detach_slot != FLS_OUT_OF_INDEXES && !FlsSetValue(detach_slot, vm)) {
        jwsp_debug_line(L"thread %lu will not be detached from the JVM: FlsSetValue error %lu",
                        GetCurrentThreadId(), GetLastError());
    }
}

static const wchar_t *jni_error_name(jint rc)
{
    switch (rc) {
    case JNI_ERR: return L"JNI_ERR";
    case JNI_EDETACHED: return L"JNI_EDETACHED";
    case JNI_EVERSION: return L"JNI_EVERSION";
    case JNI_ENOMEM: return L"JNI_ENOMEM";
    case JNI_EEXIST: return L"JNI_EEXIST";
    case JNI_EINVAL: return L"JNI_EINVAL";
    default: return L"unknown JNI error";
    }
}

/* Option text in the ANSI code page, the encoding JNI_CreateJavaVM reads on Windows. */
static char *ansi(const wchar_t *text, const wchar_t *prefix, wchar_t *reason)
{
    size_t n = wcslen(prefix) + wcslen(text) + 1;
    wchar_t *joined = HeapAlloc(GetProcessHeap(), 0, n * sizeof(wchar_t));
    char *out = NULL;
    BOOL lossy = FALSE;
    int bytes;

    if (joined == NULL) {
        jwsp_format(reason, JWSP_REASON_LEN, L"out of memory building JVM options");
        return NULL;
    }
    jwsp_format(joined, n, L"%ls%ls", prefix, text);
    bytes = WideCharToMultiByte(CP_ACP, WC_NO_BEST_FIT_CHARS, joined, -1, NULL, 0, NULL, &lossy);
    if (bytes > 0 && !lossy) {
        out = HeapAlloc(GetProcessHeap(), 0, (size_t) bytes);
        if (out != NULL) {
            WideCharToMultiByte(CP_ACP, WC_NO_BEST_FIT_CHARS, joined, -1, out, bytes, NULL, NULL);
        }
    }
    if (out == NULL) {
        jwsp_format(reason, JWSP_REASON_LEN,
                    L"JVM option cannot be written in this system's code page: %.200ls", joined);
    }
    HeapFree(GetProcessHeap(), 0, joined);
    return out;
}

static int create_vm(create_vm_fn create, const jwsp_config *cfg, JavaVM **vm, JNIEnv **env,
                     wchar_t *reason)
{
    JavaVMOption options[JWSP_MAX_OPTIONS + 3];
    JavaVMInitArgs args;
    int count = 0;
    int i;
    jint rc = JNI_ERR;

    ZeroMemory(options, sizeof(options));
    options[count++].optionString = ansi(cfg->class_path, CLASS_PATH_OPTION, reason);
    options[count++].optionString = ansi(L"--enable-native-access=ALL-UNNAMED", L"", reason);
    /* -Xrs: the JVM must not take over the application's Ctrl+C and console events. */
    options[count++].optionString = ansi(L"-Xrs", L"", reason);
    for (i = 0; i < cfg->option_count; i++) {
        options[count++].optionString = ansi(cfg->options[i], L"", reason);
    }
    for (i = 0; i < count && options[i].optionString != NULL; i++) {
    }
    if (i == count) {
        args.version = JWSP_JNI_VERSION;
        args.nOptions = count;
        args.options = options;
        args.ignoreUnrecognized = JNI_FALSE;
        rc = create(vm, (void **) env, &args);
        if (rc != JNI_OK) {
            jwsp_format(reason, JWSP_REASON_LEN,
                        L"JNI_CreateJavaVM failed: %ld (%ls); check jvm.option lines and class.path",
                        (long) rc, jni_error_name(rc));
        }
    }
    for (i = 0; i < count; i++) {
        if (options[i].optionString != NULL) {
            HeapFree(GetProcessHeap(), 0, options[i].optionString);
        }
    }
    return rc == JNI_OK ? 0 : (rc == JNI_EEXIST ? 1 : -1);
}

/* Loads the C runtime the JDK ships beside bin\server, as the java launcher does (best effort). */
static void preload_runtime(const wchar_t *jvm_dll)
{
    static const wchar_t *const names[] = {L"vcruntime140.dll", L"vcruntime140_1.dll"};
    wchar_t path[JWSP_PATH_LEN];
    wchar_t *slash;
    size_t i;

    jwsp_format(path, JWSP_PATH_LEN, L"%ls", jvm_dll);
    for (i = 0; i < 2; i++) {              /* strip \jvm.dll, then \server */
        slash = wcsrchr(path, L'\\');
        if (slash == NULL) {
            return;
        }
        *slash = L'\0';
    }
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        wchar_t dll[JWSP_PATH_LEN + 32];
        jwsp_format(dll, JWSP_PATH_LEN + 32, L"%ls\\%ls", path, names[i]);
        if (GetFileAttributesW(dll) != INVALID_FILE_ATTRIBUTES) {
            LoadLibraryExW(dll, NULL, LOAD_WITH_ALTERED_SEARCH_PATH);
        }
    }
}

int jwsp_jvm_attach(JavaVM *vm, wchar_t *reason)
{
    JNIEnv *env = NULL;
    JavaVMAttachArgs attach;
    jint rc = (*vm)->GetEnv(vm, (void **) &env, JWSP_JNI_VERSION);

    if (rc == JNI_OK) {
        return 0;
    }
    if (rc == JNI_EDETACHED) {
        attach.version = JWSP_JNI_VERSION;
        attach.name = (char *) "jwsp WSPStartup caller";
        attach.group = NULL;
        /* Daemon: an application thread that called WSPStartup must not keep the JVM alive. */
        rc = (*vm)->AttachCurrentThreadAsDaemon(vm, (void **) &env, &attach);
        if (rc == JNI_OK) {
            detach_when_done(vm);
            return 0;
        }
    }
    jwsp_format(reason, JWSP_REASON_LEN, L"cannot attach thread %lu to the JVM: %ld (%ls)",
                GetCurrentThreadId(), (long) rc, jni_error_name(rc));
    return -1;
}

static int join_vm(get_created_vms_fn get_created, JavaVM **vm, jsize *found, wchar_t *reason)
{
    jint rc = get_created(vm, 1, found);
    if (rc != JNI_OK) {
        jwsp_format(reason, JWSP_REASON_LEN, L"JNI_GetCreatedJavaVMs failed: %ld (%ls)", (long) rc,
                    jni_error_name(rc));
        return -1;
    }
    return 0;
}

/*
 * A jvm.dll other than the configured one already in the process (a Java program on another JDK):
 * a second JVM in one process is not supported, so jwsp stays out. 1 with reason, or 0.
 */
static int another_jvm(const wchar_t *configured, wchar_t *reason)
{
    HMODULE loaded = GetModuleHandleW(L"jvm.dll");
    wchar_t path[JWSP_PATH_LEN];
    DWORD n;
    if (loaded == NULL) {
        return 0;
    }
    n = GetModuleFileNameW(loaded, path, JWSP_PATH_LEN);
    if (n == 0 || n >= JWSP_PATH_LEN || CompareStringOrdinal(path, -1, configured, -1, TRUE) != CSTR_EQUAL) {
        jwsp_format(reason, JWSP_REASON_LEN, L"another JVM is in this process (%ls), not the configured %ls: "
                    L"two JVMs in one process are not supported", n == 0 ? L"?" : path, configured);
        return 1;
    }
    return 0;
}

int jwsp_jvm_start(const jwsp_config *cfg, JavaVM **vm, LPWSPSTARTUP *target, int *created,
                   wchar_t *reason)
{
    HMODULE jvm;
    get_created_vms_fn get_created;
    create_vm_fn create;
    JNIEnv *env = NULL;
    jsize found = 0;
    int rc;

    if (another_jvm(cfg->jvm_dll, reason)) {
        return -1;
    }
    if (detach_slot == FLS_OUT_OF_INDEXES) {
        detach_slot = FlsAlloc(detach_at_exit);
    }
    preload_runtime(cfg->jvm_dll);
    jvm = LoadLibraryExW(cfg->jvm_dll, NULL, LOAD_WITH_ALTERED_SEARCH_PATH);
    if (jvm == NULL) {
        DWORD error = GetLastError();
        wchar_t text[256] = L"";
        FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, error, 0,
                       text, 256, NULL);
        for (size_t n = wcslen(text); n > 0 && (text[n - 1] == L' ' || text[n - 1] == L'\r'
                                                 || text[n - 1] == L'\n' || text[n - 1] == L'.'); n--) {
            text[n - 1] = L'\0';
        }
        jwsp_format(reason, JWSP_REASON_LEN, L"cannot load jvm.dll %ls: error %lu %ls", cfg->jvm_dll,
                    error, text);
        return -1;
    }
    get_created = (get_created_vms_fn) (void (*)(void)) GetProcAddress(jvm, "JNI_GetCreatedJavaVMs");
    create = (create_vm_fn) (void (*)(void)) GetProcAddress(jvm, "JNI_CreateJavaVM");
    if (get_created == NULL || create == NULL) {
        jwsp_format(reason, JWSP_REASON_LEN, L"%ls is not a jvm.dll: it lacks JNI_GetCreatedJavaVMs "
                    L"or JNI_CreateJavaVM", cfg->jvm_dll);
        return -1;
    }
    if (join_vm(get_created, vm, &found, reason) != 0) {
        return -1;
    }
    *created = found == 0;
    if (found == 0) {
        wchar_t variable[32];
        if (jwsp_policy_environment_sets_jvm_options(variable, 32)) {
            jwsp_format(reason, JWSP_REASON_LEN, L"the process environment sets %ls, which a JVM created here "
                        L"would obey (agents included): no JVM is created in this process", variable);
            return -1;
        }
        rc = create_vm(create, cfg, vm, &env, reason);
        if (rc == 0) {
            detach_when_done(*vm);
        }
        if (rc == 1) {                      /* created by someone else meanwhile: join it */
            *created = 0;
            if (join_vm(get_created, vm, &found, reason) != 0) {
                return -1;
            }
        } else if (rc != 0) {
            return -1;
        }
    }
    if (!*created && (jwsp_jvm_attach(*vm, reason) != 0
                      || (*(*vm))->GetEnv(*vm, (void **) &env, JWSP_JNI_VERSION) != JNI_OK)) {
        return -1;
    }
    if ((*env)->PushLocalFrame(env, 16) != JNI_OK) {
        jwsp_format(reason, JWSP_REASON_LEN, L"PushLocalFrame failed");
        (*env)->ExceptionClear(env);
        return -1;
    }
    rc = jwsp_java_startup_address(env, cfg->class_path, !*created, target, reason);
    (*env)->PopLocalFrame(env, NULL);
    return rc;
}
