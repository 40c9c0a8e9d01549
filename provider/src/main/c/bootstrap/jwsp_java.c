/*
 * The Java end of jwsp.dll's start-up: load org.jwsp.windows.Bootstrap and ask it for the address
 * of the Java WSPStartup upcall stub; turn any Java exception into a one-line reason.
 *
 * Runs once per process, on the starting thread (attached), inside the local frame that
 * jwsp_jvm_start pushes; every local reference dies with that frame. The one global reference,
 * to a class loader made over class.path for a joined JVM, lives as long as the process: that
 * loader holds Bootstrap, which holds the upcall stub whose bare address native code keeps.
 * Java is reached only through the JNI functions listed in docs/BOOTSTRAP.md, the same list the
 * stand-in jvm.dll of the Wine test implements.
 */
#include "jwsp.h"

#include <wchar.h>

/* The text of a Java string, bounded; empty when s is NULL. */
static void string_text(JNIEnv *env, jstring s, wchar_t *out, size_t len)
{
    jsize n;
    out[0] = L'\0';
    if (s == NULL) {
        return;
    }
    n = (*env)->GetStringLength(env, s);
    if (n < 0 || (size_t) n >= len) {
        n = (jsize) (len - 1);
    }
    (*env)->GetStringRegion(env, s, 0, n, (jchar *) out);
    out[n] = L'\0';
}

/* Clears the pending exception and writes its toString() into out. */
static void take_exception(JNIEnv *env, wchar_t *out, size_t len)
{
    jthrowable thrown = (*env)->ExceptionOccurred(env);
    jclass type;
    jmethodID to_string;
    jstring text;

    (*env)->ExceptionClear(env);
    jwsp_format(out, len, L"no exception pending");
    if (thrown == NULL) {
        return;
    }
    jwsp_format(out, len, L"an exception whose toString() failed");
    type = (*env)->GetObjectClass(env, thrown);
    to_string = (*env)->GetMethodID(env, type, "toString", "()Ljava/lang/String;");
    if (to_string == NULL) {
        (*env)->ExceptionClear(env);
        return;
    }
    text = (jstring) (*env)->CallObjectMethod(env, thrown, to_string);
    if ((*env)->ExceptionCheck(env)) {
        (*env)->ExceptionClear(env);
        return;
    }
    string_text(env, text, out, len);
}

static int java_failure(JNIEnv *env, wchar_t *reason, const wchar_t *what)
{
    wchar_t thrown[JWSP_REASON_LEN / 2];
    take_exception(env, thrown, JWSP_REASON_LEN / 2);
    jwsp_format(reason, JWSP_REASON_LEN, L"%ls: %ls", what, thrown);
    return -1;
}

/* loader.loadClass(name): the class, or NULL with the exception left pending. */
static jclass load_class(JNIEnv *env, jobject loader, const char *name)
{
    jclass loader_type = (*env)->FindClass(env, "java/lang/ClassLoader");
    jmethodID load = loader_type == NULL ? NULL
        : (*env)->GetMethodID(env, loader_type, "loadClass", "(Ljava/lang/String;)Ljava/lang/Class;");
    jstring java_name = load == NULL ? NULL : (*env)->NewStringUTF(env, name);
    jclass type = java_name == NULL ? NULL : (jclass) (*env)->CallObjectMethod(env, loader, load, java_name);
    return (*env)->ExceptionCheck(env) ? NULL : type;
}

/* file:/ URL of one class path entry: new File(entry).toURI().toURL(); NULL with exception pending. */
static jobject entry_url(JNIEnv *env, const wchar_t *entry, jsize length)
{
    jclass file_type = (*env)->FindClass(env, "java/io/File");
    jclass uri_type = file_type == NULL ? NULL : (*env)->FindClass(env, "java/net/URI");
    jmethodID file_init = uri_type == NULL ? NULL
        : (*env)->GetMethodID(env, file_type, "<init>", "(Ljava/lang/String;)V");
    jmethodID to_uri = file_init == NULL ? NULL : (*env)->GetMethodID(env, file_type, "toURI", "()Ljava/net/URI;");
    jmethodID to_url = to_uri == NULL ? NULL : (*env)->GetMethodID(env, uri_type, "toURL", "()Ljava/net/URL;");
    jstring path = to_url == NULL ? NULL : (*env)->NewString(env, (const jchar *) entry, length);
    jobject file = path == NULL ? NULL : (*env)->NewObject(env, file_type, file_init, path);
    jobject uri = file == NULL ? NULL : (*env)->CallObjectMethod(env, file, to_uri);
    return uri == NULL || (*env)->ExceptionCheck(env) ? NULL : (*env)->CallObjectMethod(env, uri, to_url);
}

/*
 * URLClassLoader.newInstance(<class.path as URLs>), pinned by a global reference for the life of
 * the process; NULL with the exception pending. For a JVM we joined, whose own class path is the
 * application's and does not know jwsp.
 */
static jobject class_path_loader(JNIEnv *env, const wchar_t *class_path)
{
    jclass url_type = (*env)->FindClass(env, "java/net/URL");
    jclass url_loader_type = url_type == NULL ? NULL : (*env)->FindClass(env, "java/net/URLClassLoader");
    jmethodID new_instance = url_loader_type == NULL ? NULL
        : (*env)->GetStaticMethodID(env, url_loader_type, "newInstance", "([Ljava/net/URL;)Ljava/net/URLClassLoader;");
    jsize count = 0;
    jsize i = 0;
    const wchar_t *p;
    jobjectArray urls;
    jobject loader;

    /* Entries, not separators: empty ones are skipped, and a null URL would fail newInstance. */
    for (p = class_path; *p != L'\0'; p++) {
        count += *p != L';' && (p[1] == L';' || p[1] == L'\0');
    }
    urls = new_instance == NULL ? NULL : (*env)->NewObjectArray(env, count, url_type, NULL);
    if (urls == NULL) {
        return NULL;
    }
    for (p = class_path; *p != L'\0';) {
        const wchar_t *end = wcschr(p, L';');
        jsize length = (jsize) (end == NULL ? wcslen(p) : (size_t) (end - p));
        if (length > 0) {
            jobject url = entry_url(env, p, length);
            if (url == NULL) {
                return NULL;
            }
            (*env)->SetObjectArrayElement(env, urls, i++, url);
            (*env)->DeleteLocalRef(env, url);
        }
        p = end == NULL ? p + length : end + 1;
    }
    loader = (*env)->CallStaticObjectMethod(env, url_loader_type, new_instance, urls);
    if (loader == NULL || (*env)->ExceptionCheck(env)) {
        return NULL;
    }
    return (*env)->NewGlobalRef(env, loader);
}

/*
 * Loads Bootstrap through the system class loader. FindClass would use the loader of the native
 * method on the caller's stack, which, in a JVM we join from inside a JDK native library (a Java
 * program opening a socket), is the boot loader, which never sees the class path. A joined JVM's
 * system class path is the application's: when Bootstrap is not there, it is loaded from
 * class.path by a loader of its own, so Java programs keep working where jwsp is installed.
 */
static jclass load_bootstrap(JNIEnv *env, const wchar_t *class_path, int joined, wchar_t *reason)
{
    jclass loader_type = (*env)->FindClass(env, "java/lang/ClassLoader");
    jmethodID system_loader = loader_type == NULL ? NULL
        : (*env)->GetStaticMethodID(env, loader_type, "getSystemClassLoader", "()Ljava/lang/ClassLoader;");
    jobject loader = system_loader == NULL ? NULL
        : (*env)->CallStaticObjectMethod(env, loader_type, system_loader);
    jclass bootstrap;
    wchar_t first[JWSP_REASON_LEN / 2];

    if (loader == NULL || (*env)->ExceptionCheck(env)) {
        java_failure(env, reason, L"ClassLoader.getSystemClassLoader() failed");
        return NULL;
    }
    bootstrap = load_class(env, loader, BOOTSTRAP_CLASS);
    if (bootstrap != NULL) {
        return bootstrap;
    }
    if (!joined) {
        java_failure(env, reason, L"cannot load class " BOOTSTRAP_CLASS L" (is the jwsp jar on class.path?)");
        return NULL;
    }
    take_exception(env, first, JWSP_REASON_LEN / 2);
    loader = class_path_loader(env, class_path);
    bootstrap = loader == NULL ? NULL : load_class(env, loader, BOOTSTRAP_CLASS);
    if (bootstrap == NULL) {
        wchar_t what[JWSP_REASON_LEN / 2 + 128];
        jwsp_format(what, JWSP_REASON_LEN / 2 + 128, L"cannot load class " BOOTSTRAP_CLASS
                    L" in the joined JVM (%ls), nor from class.path", first);
        java_failure(env, reason, what);
        return NULL;
    }
    return bootstrap;
}

/* Bootstrap.failureReason(): why wspStartupAddress() returned 0, as the Java side saw it. */
static void java_reason(JNIEnv *env, jclass bootstrap, wchar_t *out, size_t len)
{
    jmethodID m = (*env)->GetStaticMethodID(env, bootstrap, "failureReason", "()Ljava/lang/String;");
    jstring text;
    jwsp_format(out, len, L"no reason given");
    if (m == NULL) {
        (*env)->ExceptionClear(env);
        return;
    }
    text = (jstring) (*env)->CallStaticObjectMethod(env, bootstrap, m);
    if ((*env)->ExceptionCheck(env)) {
        (*env)->ExceptionClear(env);
        return;
    }
    string_text(env, text, out, len);
}

int jwsp_java_startup_address(JNIEnv *env, const wchar_t *class_path, int joined, LPWSPSTARTUP *target,
                              wchar_t *reason)
{
    jclass bootstrap = load_bootstrap(env, class_path, joined, reason);
    jmethodID m;
    jlong address;
    wchar_t why[JWSP_REASON_LEN / 2];

    if (bootstrap == NULL) {
        return -1;
    }
    m = (*env)->GetStaticMethodID(env, bootstrap, "wspStartupAddress", "()J");
    if (m == NULL) {
        return java_failure(env, reason, L"no static long wspStartupAddress() in " BOOTSTRAP_CLASS);
    }
    address = (*env)->CallStaticLongMethod(env, bootstrap, m);
    if ((*env)->ExceptionCheck(env)) {
        return java_failure(env, reason, BOOTSTRAP_CLASS L".wspStartupAddress() threw");
    }
    if (address == 0) {
        java_reason(env, bootstrap, why, JWSP_REASON_LEN / 2);
        jwsp_format(reason, JWSP_REASON_LEN, BOOTSTRAP_CLASS L".wspStartupAddress() returned 0: %ls", why);
        return -1;
    }
    *target = (LPWSPSTARTUP) (INT_PTR) address;
    return 0;
}

