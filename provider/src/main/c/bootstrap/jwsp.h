/*
 * jwsp.dll: the bootstrap that stands in the Winsock catalog for jwsp's Java provider.
 *
 * ws2_32 loads this DLL and calls WSPStartup (jwsp_startup.c). The first call, once per process,
 * reads the administrator's configuration from HKLM (jwsp_config.c), decides whether jwsp may run
 * in this process (jwsp_policy.c: process allowlist, JVM option allowlist; jwsp_acl.c: who may
 * write the files it would load), loads jvm.dll, joins or creates the JVM and asks
 * org.jwsp.windows.Bootstrap for the address of the Java WSPStartup upcall stub (jwsp_jvm.c,
 * jwsp_java.c). Whenever jwsp cannot or must not run, WSPStartup fails open: it starts the next
 * provider of the protocol chain itself (jwsp_next.c) and returns that provider's table. Lines
 * are written by jwsp_log.c. Memory: the configuration lives in static storage for the life of
 * the process (the DLL is pinned: Java upcall stubs may be in use).
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
#define JWSP_MAX_PROCESSES 32
#define JWSP_PROCESS_LEN 512

/* The registry key an administrator configures jwsp under (64-bit view), see docs/BOOTSTRAP.md. */
#define JWSP_CONFIG_KEY L"SOFTWARE\\jwsp"

/* Everything WSPStartup needs to start the JVM; filled by jwsp_config_read. */
typedef struct jwsp_config {
    wchar_t dll_dir[JWSP_PATH_LEN];         /* folder of jwsp.dll, no trailing backslash */
    wchar_t jvm_dll[JWSP_PATH_LEN];         /* JvmDll: jvm.dll to load (absolute) */
    wchar_t class_path[JWSP_CLASS_PATH_LEN]; /* ClassPath, relative entries made absolute */
    wchar_t log_path[JWSP_PATH_LEN];        /* Log: an existing file to append to, or empty */
    wchar_t options[JWSP_MAX_OPTIONS][JWSP_OPTION_LEN]; /* JvmOptions */
    int option_count;
    wchar_t processes[JWSP_MAX_PROCESSES][JWSP_PROCESS_LEN]; /* Processes: image names, paths, all */
    int process_count;
} jwsp_config;

/* jwsp_config.c: outcome of reading the configuration. */
enum { JWSP_CONFIG_OK = 0, JWSP_CONFIG_ERROR = -1, JWSP_CONFIG_ABSENT = 1 };

/* jwsp_config.c: fills cfg from HKLM\SOFTWARE\jwsp (log_path as far as it was read, even on
 * failure); JWSP_CONFIG_OK, JWSP_CONFIG_ABSENT (no key: jwsp is not configured) or
 * JWSP_CONFIG_ERROR with reason. Never reads the process environment. */
int jwsp_config_read(HINSTANCE self, jwsp_config *cfg, wchar_t *reason);

/* jwsp_policy.c: whether this process's image is named by cfg->processes (1) or not (0); image
 * receives the process's image path for the log. */
int jwsp_policy_process_wanted(const jwsp_config *cfg, wchar_t *image, size_t image_len);

/* jwsp_policy.c: 0 when every option is on the allowlist, else -1 with the first refused one. */
int jwsp_policy_check_options(const jwsp_config *cfg, wchar_t *reason);

/* jwsp_policy.c: 1 (and the variable's name) when the process environment sets
 * JAVA_TOOL_OPTIONS or _JAVA_OPTIONS, which a created JVM would obey; read only to refuse. */
int jwsp_policy_environment_sets_jvm_options(wchar_t *name, size_t name_len);

/* jwsp_acl.c: 0 when only trusted principals may write path (and own it), else -1 with reason. */
int jwsp_acl_check_path(const wchar_t *path, wchar_t *reason);

/* jwsp_acl.c: the same check on a security descriptor (the unit the Wine test drives). */
int jwsp_acl_check_descriptor(PSECURITY_DESCRIPTOR sd, PSID process_user, const wchar_t *what,
                              wchar_t *reason);

/* jwsp_acl.c: checks jvm.dll, the folders above it up to the JDK and every class path entry. */
int jwsp_acl_check_config(const jwsp_config *cfg, wchar_t *reason);

/* jwsp_acl.c: 0 when the open file's owner is trusted, else -1 with reason (for the log). */
int jwsp_acl_check_owner(HANDLE file, const wchar_t *what, wchar_t *reason);

/* jwsp_next.c: fail open. Starts the provider after jwsp in lpProtocolInfo's chain and returns
 * its result (its table is in lpProcTable); next receives its DLL path. On a catalog that does
 * not allow it, returns WSAEPROVIDERFAILEDINIT with reason. */
int jwsp_next_startup(WORD version, LPWSPDATA data, LPWSAPROTOCOL_INFOW info, WSPUPCALLTABLE upcalls,
                      LPWSPPROC_TABLE procs, wchar_t *next, size_t next_len, wchar_t *reason);

/* jwsp_log.c: one line to the debugger, the Windows event log and, when log_path names an
 * existing file that only administrators own and that is no link, appended to it. */
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

/* jwsp_jvm.c: attach the calling thread (daemon) if it is not attached yet, and have it detached
 * when it ends (a fiber-local slot's callback). 0 or -1. */
int jwsp_jvm_attach(JavaVM *vm, wchar_t *reason);

/* jwsp_jvm.c: set once the process is ending: threads are then no longer detached. */
void jwsp_jvm_process_ending(void);

/* Bounded wide-string formatting that always terminates. */
void jwsp_format(wchar_t *out, size_t len, const wchar_t *fmt, ...);

#endif
