/*
 * Stand-in jvm.dll for the Wine test of jwsp.dll (BootstrapDllWineTest).
 *
 * Exports JNI_GetCreatedJavaVMs and JNI_CreateJavaVM and implements the JavaVM and JNIEnv
 * functions jwsp.dll uses; every other table slot traps (records UNEXPECTED and exits 70).
 * Every call is recorded, one line each, "tid=<thread> <call> ...", to the file named by
 * FAKEJVM_RECORD. "Java" here is a handful of fake objects: the system class loader, the class
 * org.jwsp.windows.Bootstrap, whose wspStartupAddress() returns the address of
 * fake_java_wsp_startup below (it records its five arguments, writes known out-parameters and
 * returns FAKEJVM_WSP_RESULT, or WSAVERNOTSUPPORTED below version 2.2, as the Java side does).
 * Behaviour, from the environment:
 *   FAKEJVM_MODE     ok (default) | no-class | zero | throw | create-fails | reenter | attach-fails
 *   FAKEJVM_EXISTING 1: a JVM is already running in the process (join, no create)
 *   FAKEJVM_APP_CLASS_PATH 1: its system class loader is an application's, without Bootstrap;
 *                    a URLClassLoader made over at least one URL has it
 *   FAKEJVM_CREATE_GATE 1: JNI_CreateJavaVM signals the event Local\jwsp-fake-create-started,
 *                    then waits for Local\jwsp-fake-create-release (at most 20 s)
 * Test code: objects are static or leaked; calls are serialised by one lock. One file, although
 * long, so that the whole fake JNI table is filled in one place.
 */
#define _JNI_IMPLEMENTATION_
#include <winsock2.h>
#include <ws2spi.h>
#include <jni.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fake_object {
    const char *kind;                     /* class, object, string, throwable, array */
    char text[600];
    struct fake_object *items[16];        /* elements of an array */
    int length;                           /* of an array */
} fake_object;

typedef struct fake_method {
    fake_object *owner;
    const char *name;
    const char *signature;
    int is_static;
} fake_method;

static CRITICAL_SECTION lock;
static fake_object class_loader_class = {"class", "java/lang/ClassLoader", {0}, 0};
static fake_object bootstrap_class = {"class", "org/jwsp/windows/Bootstrap", {0}, 0};
static fake_object throwable_class = {"class", "java/lang/Throwable", {0}, 0};
static fake_object file_class = {"class", "java/io/File", {0}, 0};
static fake_object uri_class = {"class", "java/net/URI", {0}, 0};
static fake_object url_class = {"class", "java/net/URL", {0}, 0};
static fake_object url_class_loader_class = {"class", "java/net/URLClassLoader", {0}, 0};
static fake_object system_loader = {"object", "system class loader", {0}, 0};
static fake_method methods[] = {
    {&class_loader_class, "getSystemClassLoader", "()Ljava/lang/ClassLoader;", 1},
    {&class_loader_class, "loadClass", "(Ljava/lang/String;)Ljava/lang/Class;", 0},
    {&bootstrap_class, "wspStartupAddress", "()J", 1},
    {&bootstrap_class, "failureReason", "()Ljava/lang/String;", 1},
    {&throwable_class, "toString", "()Ljava/lang/String;", 0},
    {&file_class, "<init>", "(Ljava/lang/String;)V", 0},
    {&file_class, "toURI", "()Ljava/net/URI;", 0},
    {&uri_class, "toURL", "()Ljava/net/URL;", 0},
    {&url_class_loader_class, "newInstance", "([Ljava/net/URL;)Ljava/net/URLClassLoader;", 1},
};
enum { GET_SYSTEM_CLASS_LOADER, LOAD_CLASS, WSP_STARTUP_ADDRESS, FAILURE_REASON, TO_STRING, FILE_INIT, TO_URI,
       TO_URL, NEW_INSTANCE };
#define IS(m, which) ((fake_method *) (m) == &methods[which])
static fake_object *pending;
static int created;
static DWORD attached[256];
static int attached_count;

static struct JNINativeInterface_ env_functions;
static struct JNIInvokeInterface_ vm_functions;
static JNIEnv the_env = &env_functions;
static JavaVM the_vm = &vm_functions;

static void record(const char *fmt, ...)
{
    char line[4096];
    char path[1024];
    va_list args;
    int n = snprintf(line, sizeof(line), "tid=%lu ", GetCurrentThreadId());
    va_start(args, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t) n - 2, fmt, args);
    va_end(args);
    strcat(line, "\n");
    if (GetEnvironmentVariableA("FAKEJVM_RECORD", path, sizeof(path)) == 0) {
        fputs(line, stdout);
        return;
    }
    EnterCriticalSection(&lock);
    {
        FILE *f = fopen(path, "ab");
        if (f != NULL) {
            fputs(line, f);
            fclose(f);
        }
    }
    LeaveCriticalSection(&lock);
}

static int mode(const char *name)
{
    char value[64];
    DWORD n = GetEnvironmentVariableA("FAKEJVM_MODE", value, sizeof(value));
    return n > 0 && n < sizeof(value) && strcmp(value, name) == 0;
}

static int flag(const char *variable)
{
    char value[16];
    DWORD n = GetEnvironmentVariableA(variable, value, sizeof(value));
    return n > 0 && n < sizeof(value) && strcmp(value, "1") == 0;
}

static fake_object *new_object(const char *kind, const char *text)
{
    fake_object *o = calloc(1, sizeof(*o));
    o->kind = kind;
    snprintf(o->text, sizeof(o->text), "%s", text);
    return o;
}

static void throw_new(const char *text)
{
    record("  -> throws %s", text);
    pending = new_object("throwable", text);
}

static const char *text_of(const void *o)
{
    return o == NULL ? "null" : ((const fake_object *) o)->text;
}

static void JNICALL unexpected(void)
{
    record("UNEXPECTED JNI function called");
    ExitProcess(70);
}

/* ---- attach state ---- */

static int is_attached(void)
{
    int i;
    int found = 0;
    EnterCriticalSection(&lock);
    for (i = 0; i < attached_count; i++) {
        found |= attached[i] == GetCurrentThreadId();
    }
    LeaveCriticalSection(&lock);
    return found;
}

static void attach_self(void)
{
    EnterCriticalSection(&lock);
    if (attached_count < 256) {
        attached[attached_count++] = GetCurrentThreadId();
    }
    LeaveCriticalSection(&lock);
}

/* ---- the fake Java WSPStartup the fake Bootstrap hands out ---- */

static void hex_list(char *out, size_t len, const void *table, int count)
{
    const UINT_PTR *p = table;
    size_t used = 0;
    int i;
    out[0] = '\0';
    for (i = 0; i < count && used + 20 < len; i++) {
        used += (size_t) snprintf(out + used, len - used, "%s%llx", i == 0 ? "" : ",",
                                  (unsigned long long) p[i]);
    }
}

static int WSPAPI fake_java_wsp_startup(WORD version, LPWSPDATA data, LPWSAPROTOCOL_INFOW info,
                                        WSPUPCALLTABLE upcalls, LPWSPPROC_TABLE procs)
{
    char upcall_list[1024];
    char proc_list[2048];
    char protocol[512];
    char result_text[32];
    UINT_PTR *slots = (UINT_PTR *) procs;
    int rc = 0;
    int i;

    hex_list(upcall_list, sizeof(upcall_list), &upcalls, (int) (sizeof(upcalls) / sizeof(void *)));
    WideCharToMultiByte(CP_UTF8, 0, info->szProtocol, -1, protocol, sizeof(protocol), NULL, NULL);
    record("JavaWSPStartup version=0x%04x data=%llx info=%llx protocol=%s upcalls=%s procs=%llx",
           version, (unsigned long long) (UINT_PTR) data, (unsigned long long) (UINT_PTR) info,
           protocol, upcall_list, (unsigned long long) (UINT_PTR) procs);
    if (GetEnvironmentVariableA("FAKEJVM_WSP_RESULT", result_text, sizeof(result_text)) > 0) {
        rc = atoi(result_text);
    }
    if (LOBYTE(version) < 2 || (LOBYTE(version) == 2 && HIBYTE(version) < 2)) {
        rc = WSAVERNOTSUPPORTED;
    }
    data->wVersion = MAKEWORD(2, 2);
    data->wHighVersion = MAKEWORD(2, 2);
    wcscpy(data->szDescription, L"fake Java WSPStartup");
    for (i = 0; i < (int) (sizeof(WSPPROC_TABLE) / sizeof(void *)); i++) {
        slots[i] = (UINT_PTR) 0x5E00000000ULL + (UINT_PTR) GetCurrentThreadId() * 0x100 + (UINT_PTR) i;
    }
    hex_list(proc_list, sizeof(proc_list), procs, (int) (sizeof(WSPPROC_TABLE) / sizeof(void *)));
    record("JavaWSPStartup wrote wVersion=0x%04x wHighVersion=0x%04x desc=fake Java WSPStartup "
           "procs=%s -> %d", data->wVersion, data->wHighVersion, proc_list, rc);
    return rc;
}

/* ---- JNIEnv ---- */

static jclass JNICALL find_class(JNIEnv *env, const char *name)
{
    fake_object *known[] = {&class_loader_class, &file_class, &uri_class, &url_class, &url_class_loader_class};
    size_t i;
    (void) env;
    record("FindClass %s", name);
    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (strcmp(known[i]->text, name) == 0) {
            return (jclass) known[i];
        }
    }
    throw_new("java.lang.NoClassDefFoundError");
    return NULL;
}

static fake_method *method(jclass type, const char *name, const char *signature, int is_static)
{
    size_t i;
    record("Get%sMethodID %s.%s%s", is_static ? "Static" : "", text_of(type), name, signature);
    for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (methods[i].owner == (fake_object *) type && methods[i].is_static == is_static
            && strcmp(methods[i].name, name) == 0 && strcmp(methods[i].signature, signature) == 0) {
            return &methods[i];
        }
    }
    throw_new("java.lang.NoSuchMethodError");
    return NULL;
}

static jmethodID JNICALL get_static_method_id(JNIEnv *env, jclass type, const char *name, const char *sig)
{
    (void) env;
    return (jmethodID) method(type, name, sig, 1);
}

static jmethodID JNICALL get_method_id(JNIEnv *env, jclass type, const char *name, const char *sig)
{
    (void) env;
    return (jmethodID) method(type, name, sig, 0);
}

static jobject JNICALL call_static_object_method(JNIEnv *env, jclass type, jmethodID m, ...)
{
    (void) env;
    record("CallStaticObjectMethod %s.%s", text_of(type), ((fake_method *) m)->name);
    if (IS(m, GET_SYSTEM_CLASS_LOADER)) {
        return (jobject) &system_loader;
    }
    if (IS(m, FAILURE_REASON)) {
        return (jobject) new_object("string", "fake Java side: no org.jwsp.provider.LayeredProvider");
    }
    if (IS(m, NEW_INSTANCE)) {
        va_list args;
        fake_object *urls;
        fake_object *loader;
        int i;
        va_start(args, m);
        urls = va_arg(args, fake_object *);
        va_end(args);
        for (i = 0; i < urls->length; i++) {
            if (urls->items[i] == NULL) {       /* as the JDK's URLClassPath does */
                throw_new("java.lang.NullPointerException: null URL in URLClassLoader.newInstance");
                return NULL;
            }
        }
        loader = new_object("object", "URLClassLoader[");
        for (i = 0; i < urls->length; i++) {
            strncat(loader->text, i == 0 ? "" : " ", sizeof(loader->text) - strlen(loader->text) - 1);
            strncat(loader->text, urls->items[i]->text, sizeof(loader->text) - strlen(loader->text) - 2);
        }
        strcat(loader->text, "]");
        record("  -> %s", loader->text);
        return (jobject) loader;
    }
    unexpected();
    return NULL;
}

/* loadClass on the system loader (which lacks Bootstrap when FAKEJVM_APP_CLASS_PATH=1) or a URL loader. */
static jobject load_class(fake_object *loader, const char *name)
{
    char text[700];
    int in_app = loader == &system_loader && !flag("FAKEJVM_APP_CLASS_PATH");
    int in_url_loader = strncmp(loader->text, "URLClassLoader[", 15) == 0 && strlen(loader->text) > 16;
    record("  loadClass(%s)", name);
    if (!mode("no-class") && (in_app || in_url_loader) && strcmp(name, "org.jwsp.windows.Bootstrap") == 0) {
        return (jobject) &bootstrap_class;
    }
    snprintf(text, sizeof(text), "java.lang.ClassNotFoundException: %s", name);
    throw_new(text);
    return NULL;
}

static jobject JNICALL call_object_method(JNIEnv *env, jobject target, jmethodID m, ...)
{
    fake_object *o = (fake_object *) target;
    char text[700];
    (void) env;
    record("CallObjectMethod %s.%s", text_of(target), ((fake_method *) m)->name);
    if (IS(m, LOAD_CLASS)) {
        va_list args;
        jstring name;
        va_start(args, m);
        name = va_arg(args, jstring);
        va_end(args);
        return load_class(o, text_of(name));
    }
    if (IS(m, TO_STRING) && strcmp(o->kind, "throwable") == 0) {
        return (jobject) new_object("string", o->text);
    }
    if (IS(m, TO_URI) || IS(m, TO_URL)) {
        snprintf(text, sizeof(text), "%s%s", IS(m, TO_URI) ? "file:///" : "", o->text);
        return (jobject) new_object("object", text);
    }
    unexpected();
    return NULL;
}

static jlong JNICALL call_static_long_method(JNIEnv *env, jclass type, jmethodID m, ...)
{
    (void) env;
    record("CallStaticLongMethod %s.%s", text_of(type), ((fake_method *) m)->name);
    if (!IS(m, WSP_STARTUP_ADDRESS)) {
        unexpected();
    }
    if (mode("zero")) {
        return 0;
    }
    if (mode("throw")) {
        throw_new("java.lang.IllegalStateException: fake Java-side failure");
        return 0;
    }
    return (jlong) (INT_PTR) fake_java_wsp_startup;
}

static jstring JNICALL new_string_utf(JNIEnv *env, const char *utf)
{
    (void) env;
    record("NewStringUTF %s", utf);
    return (jstring) new_object("string", utf);
}

static jsize JNICALL get_string_length(JNIEnv *env, jstring s)
{
    (void) env;
    record("GetStringLength");
    return (jsize) MultiByteToWideChar(CP_UTF8, 0, text_of(s), -1, NULL, 0) - 1;
}

static void JNICALL get_string_region(JNIEnv *env, jstring s, jsize start, jsize len, jchar *buf)
{
    wchar_t wide[700];
    (void) env;
    record("GetStringRegion %ld %ld", (long) start, (long) len);
    MultiByteToWideChar(CP_UTF8, 0, text_of(s), -1, wide, 700);
    memcpy(buf, wide + start, (size_t) len * sizeof(jchar));
}

static jstring JNICALL new_string(JNIEnv *env, const jchar *chars, jsize length)
{
    char utf8[600];
    int n;
    (void) env;
    n = WideCharToMultiByte(CP_UTF8, 0, (const wchar_t *) chars, (int) length, utf8, sizeof(utf8) - 1, NULL, NULL);
    utf8[n] = '\0';
    record("NewString %s", utf8);
    return (jstring) new_object("string", utf8);
}

static jobject JNICALL new_object_v(JNIEnv *env, jclass type, jmethodID m, ...)
{
    va_list args;
    jstring path;
    (void) env;
    record("NewObject %s.%s", text_of(type), ((fake_method *) m)->name);
    if (!IS(m, FILE_INIT)) {
        unexpected();
    }
    va_start(args, m);
    path = va_arg(args, jstring);
    va_end(args);
    return (jobject) new_object("object", text_of(path));
}

static jobjectArray JNICALL new_object_array(JNIEnv *env, jsize length, jclass type, jobject initial)
{
    (void) env;
    (void) initial;
    fake_object *array = new_object("array", "URL[]");
    record("NewObjectArray %ld %s", (long) length, text_of(type));
    array->length = length < 16 ? (int) length : 16;
    return (jobjectArray) array;
}

static void JNICALL set_object_array_element(JNIEnv *env, jobjectArray array, jsize index, jobject value)
{
    (void) env;
    record("SetObjectArrayElement %ld %s", (long) index, text_of(value));
    if (index >= 0 && index < ((fake_object *) array)->length) {
        ((fake_object *) array)->items[index] = (fake_object *) value;
    }
}

static jobject JNICALL new_global_ref(JNIEnv *env, jobject o)
{
    (void) env;
    record("NewGlobalRef %s", text_of(o));
    return o;
}

static void JNICALL delete_local_ref(JNIEnv *env, jobject o)
{
    (void) env;
    record("DeleteLocalRef %s", text_of(o));
}

static jthrowable JNICALL exception_occurred(JNIEnv *env)
{
    (void) env;
    record("ExceptionOccurred -> %s", pending == NULL ? "null" : pending->text);
    return (jthrowable) pending;
}

static jboolean JNICALL exception_check(JNIEnv *env)
{
    (void) env;
    record("ExceptionCheck -> %d", pending != NULL);
    return pending != NULL;
}

static void JNICALL exception_clear(JNIEnv *env)
{
    (void) env;
    record("ExceptionClear");
    pending = NULL;
}

static jclass JNICALL get_object_class(JNIEnv *env, jobject o)
{
    (void) env;
    record("GetObjectClass %s", text_of(o));
    return strcmp(((fake_object *) o)->kind, "throwable") == 0 ? (jclass) &throwable_class : NULL;
}

static jint JNICALL push_local_frame(JNIEnv *env, jint capacity)
{
    (void) env;
    record("PushLocalFrame %ld", (long) capacity);
    return JNI_OK;
}

static jobject JNICALL pop_local_frame(JNIEnv *env, jobject result)
{
    (void) env;
    record("PopLocalFrame");
    return result;
}

/* ---- JavaVM ---- */

static jint JNICALL get_env(JavaVM *vm, void **penv, jint version)
{
    (void) vm;
    if (version > JNI_VERSION_24) {
        record("GetEnv version=0x%lx -> JNI_EVERSION", (long) version);
        return JNI_EVERSION;
    }
    if (!is_attached()) {
        record("GetEnv version=0x%lx -> JNI_EDETACHED", (long) version);
        *penv = NULL;
        return JNI_EDETACHED;
    }
    record("GetEnv version=0x%lx -> JNI_OK", (long) version);
    *penv = &the_env;
    return JNI_OK;
}

static jint JNICALL attach_as_daemon(JavaVM *vm, void **penv, void *args)
{
    JavaVMAttachArgs *a = args;
    (void) vm;
    record("AttachCurrentThreadAsDaemon version=0x%lx name=%s", (long) a->version,
           a->name == NULL ? "null" : a->name);
    if (mode("attach-fails")) {
        record("  -> JNI_ENOMEM");
        return JNI_ENOMEM;
    }
    if (!is_attached()) {
        attach_self();
    }
    *penv = &the_env;
    return JNI_OK;
}

static jint JNICALL detach(JavaVM *vm)
{
    int i;
    int found = 0;
    (void) vm;
    EnterCriticalSection(&lock);
    for (i = 0; i < attached_count; i++) {
        if (attached[i] == GetCurrentThreadId()) {
            attached[i] = attached[--attached_count];
            found = 1;
            break;
        }
    }
    LeaveCriticalSection(&lock);
    record("DetachCurrentThread -> %s", found ? "JNI_OK" : "JNI_EDETACHED (was not attached)");
    return found ? JNI_OK : JNI_EDETACHED;
}

static jint JNICALL attach(JavaVM *vm, void **penv, void *args)
{
    (void) vm;
    (void) args;
    record("AttachCurrentThread");
    if (!is_attached()) {
        attach_self();
    }
    *penv = &the_env;
    return JNI_OK;
}

/* ---- exports ---- */

JNIEXPORT jint JNICALL JNI_GetCreatedJavaVMs(JavaVM **vms, jsize len, jsize *count)
{
    int running = created || flag("FAKEJVM_EXISTING");
    record("JNI_GetCreatedJavaVMs len=%ld -> %d", (long) len, running);
    *count = running;
    if (running && len > 0) {
        vms[0] = &the_vm;
    }
    return JNI_OK;
}

static void wait_for_release(void)
{
    HANDLE started = CreateEventW(NULL, TRUE, FALSE, L"Local\\jwsp-fake-create-started");
    HANDLE release = CreateEventW(NULL, TRUE, FALSE, L"Local\\jwsp-fake-create-release");
    record("JNI_CreateJavaVM gate: waiting for release");
    SetEvent(started);
    record("JNI_CreateJavaVM gate: %s",
           WaitForSingleObject(release, 20000) == WAIT_OBJECT_0 ? "released" : "TIMED OUT");
    CloseHandle(started);
    CloseHandle(release);
}

static void reenter(void)
{
    typedef int (WSPAPI *startup_fn)(WORD, LPWSPDATA, LPWSAPROTOCOL_INFOW, WSPUPCALLTABLE, LPWSPPROC_TABLE);
    HMODULE jwsp = GetModuleHandleW(L"jwsp.dll");
    startup_fn startup = jwsp == NULL ? NULL
        : (startup_fn) (void (*)(void)) GetProcAddress(jwsp, "WSPStartup");
    WSPDATA data;
    WSAPROTOCOL_INFOW info;
    WSPUPCALLTABLE upcalls;
    WSPPROC_TABLE procs;
    if (startup == NULL) {
        record("JNI_CreateJavaVM reenter: jwsp.dll WSPStartup not found");
        return;
    }
    ZeroMemory(&data, sizeof(data));
    ZeroMemory(&info, sizeof(info));
    ZeroMemory(&upcalls, sizeof(upcalls));
    ZeroMemory(&procs, sizeof(procs));
    /* jwsp over the stand-in ws2_32's base, as wspcaller passes it */
    info.dwCatalogEntryId = 1003;
    info.ProtocolChain.ChainLen = 2;
    info.ProtocolChain.ChainEntries[0] = 1002;
    info.ProtocolChain.ChainEntries[1] = 1001;
    record("JNI_CreateJavaVM reenter: nested WSPStartup -> %d",
           startup(MAKEWORD(2, 2), &data, &info, upcalls, &procs));
}

JNIEXPORT jint JNICALL JNI_CreateJavaVM(JavaVM **pvm, void **penv, void *args)
{
    JavaVMInitArgs *init = args;
    int i;
    record("JNI_CreateJavaVM version=0x%lx nOptions=%ld ignoreUnrecognized=%d", (long) init->version,
           (long) init->nOptions, init->ignoreUnrecognized);
    for (i = 0; i < init->nOptions; i++) {
        record("JNI_CreateJavaVM option %s", init->options[i].optionString);
    }
    if (flag("FAKEJVM_CREATE_GATE")) {
        wait_for_release();
    }
    if (mode("reenter")) {
        reenter();
    }
    if (mode("create-fails")) {
        record("JNI_CreateJavaVM -> JNI_EINVAL");
        return JNI_EINVAL;
    }
    created = 1;
    attach_self();
    *pvm = &the_vm;
    *penv = &the_env;
    record("JNI_CreateJavaVM -> JNI_OK");
    return JNI_OK;
}

static void fill(void *table, size_t size)
{
    void (*trap)(void) = unexpected;
    size_t i;
    for (i = 0; i < size / sizeof(trap); i++) {
        memcpy((char *) table + i * sizeof(trap), &trap, sizeof(trap));
    }
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD why, LPVOID reserved)
{
    (void) instance;
    (void) reserved;
    if (why != DLL_PROCESS_ATTACH) {
        return TRUE;
    }
    InitializeCriticalSection(&lock);
    fill(&env_functions, sizeof(env_functions));
    fill(&vm_functions, sizeof(vm_functions));
    env_functions.FindClass = find_class;
    env_functions.GetStaticMethodID = get_static_method_id;
    env_functions.GetMethodID = get_method_id;
    env_functions.CallStaticObjectMethod = call_static_object_method;
    env_functions.CallObjectMethod = call_object_method;
    env_functions.CallStaticLongMethod = call_static_long_method;
    env_functions.NewStringUTF = new_string_utf;
    env_functions.GetStringLength = get_string_length;
    env_functions.GetStringRegion = get_string_region;
    env_functions.ExceptionOccurred = exception_occurred;
    env_functions.ExceptionCheck = exception_check;
    env_functions.ExceptionClear = exception_clear;
    env_functions.GetObjectClass = get_object_class;
    env_functions.PushLocalFrame = push_local_frame;
    env_functions.PopLocalFrame = pop_local_frame;
    env_functions.NewString = new_string;
    env_functions.NewObject = new_object_v;
    env_functions.NewObjectArray = new_object_array;
    env_functions.SetObjectArrayElement = set_object_array_element;
    env_functions.NewGlobalRef = new_global_ref;
    env_functions.DeleteLocalRef = delete_local_ref;
    vm_functions.GetEnv = get_env;
    vm_functions.AttachCurrentThreadAsDaemon = attach_as_daemon;
    vm_functions.AttachCurrentThread = attach;
    vm_functions.DetachCurrentThread = detach;
    return TRUE;
}
