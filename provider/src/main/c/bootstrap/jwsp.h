/*
 * jwsp.dll: the bootstrap that stands in the Winsock catalog for jwsp's Java provider.
 *
 * ws2_32 loads this DLL and calls WSPStartup (jwsp_startup.c). The first call, once per process,
 * reads the configuration (jwsp_config.c), loads jvm.dll, joins or creates the JVM and asks
 * org.jwsp.windows.Bootstrap for the address of the Java WSPStartup upcall stub (jwsp_jvm.c);
 * every call then attaches its thread and forwards to that stub. Failures are logged by
 * jwsp_log.c. Memory: the configuration lives in static storage for the life of the process
 * (the DLL is never unloaded while Java upcall stubs may be in use).
 */
#ifndef JWSP_H
#define JWSP_H

#include <winsock2.h>
#include <ws2spi.h>
#include <jni.h>

/* jwsp's classes are Java 25; 24 is the newest version jni.h names, 21 would admit JVMs that
 * cannot load them. An older JVM in the process answers JNI_EVERSION: a clear failure. */
#define JWSP_JNI_VERSION JNI_VERSION_24
#define BOOTSTRAP_CLASS "org.jwsp.windows.Bootstrap"

/* One line of explanation for a failure; written once, read by the logger. */
#define JWSP_REASON_LEN 1024
typedef wchar_t jwsp_reason[JWSP_REASON_LEN];

#define JWSP_PATH_LEN 2048
#define JWSP_CLASS_PATH_LEN 16384
#define JWSP_MAX_OPTIONS 32
#define JWSP_OPTION_LEN 1024

/* Everything WSPStartup needs to start the JVM; filled by jwsp_config_read. */
typedef struct jwsp_config {
    wchar_t dll_dir[JWSP_PATH_LEN];         /* folder of jwsp.dll, no trailing backslash */
    wchar_t cfg_path[JWSP_PATH_LEN];        /* <dll_dir>\jwsp.cfg */
    wchar_t jvm_dll[JWSP_PATH_LEN];         /* jvm.dll to load */
    wchar_t class_path[JWSP_CLASS_PATH_LEN];
    wchar_t log_path[JWSP_PATH_LEN];
    wchar_t options[JWSP_MAX_OPTIONS][JWSP_OPTION_LEN];
    int option_count;
} jwsp_config;

/* jwsp_config.c: fills cfg (log_path always, even on failure); returns 0 or -1 with reason. */
int jwsp_config_read(HINSTANCE self, jwsp_config *cfg, wchar_t *reason);

/* jwsp_log.c: one line to OutputDebugStringW and appended to log_path (folder created). */
void jwsp_log_line(const wchar_t *log_path, const wchar_t *fmt, ...);

/* jwsp_log.c: the same line to OutputDebugStringW only (for success: no file grows per process). */
void jwsp_debug_line(const wchar_t *fmt, ...);

/* jwsp_jvm.c: load jvm.dll, join or create the JVM, find the Java WSPStartup. 0 or -1. */
int jwsp_jvm_start(const jwsp_config *cfg, JavaVM **vm, LPWSPSTARTUP *target, int *created,
                   wchar_t *reason);

/* jwsp_java.c: load Bootstrap (from class_path too when the JVM was joined) and get the address
 * of the Java WSPStartup. Runs inside a local frame on an attached thread. 0 or -1. */
int jwsp_java_startup_address(JNIEnv *env, const wchar_t *class_path, int joined, LPWSPSTARTUP *target,
                              wchar_t *reason);

/* jwsp_jvm.c: attach the calling thread (daemon) if it is not attached yet. 0 or -1. */
int jwsp_jvm_attach(JavaVM *vm, wchar_t *reason);

/* Bounded wide-string formatting that always terminates. */
void jwsp_format(wchar_t *out, size_t len, const wchar_t *fmt, ...);

#endif
