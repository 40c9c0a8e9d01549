/*
 * Configuration of jwsp.dll: the values under HKLM\SOFTWARE\jwsp (64-bit registry view), a key
 * only administrators can write. Nothing is read from the process environment or from files a
 * process's user could plant: whoever controls a process's environment must not choose what is
 * loaded into it.
 *
 * Called once, from the start-up in jwsp_startup.c, on the thread of the first WSPStartup.
 * Values (docs/BOOTSTRAP.md):
 *   JvmDll      REG_SZ        absolute path of jvm.dll                       required
 *   ClassPath   REG_SZ        ';'-separated; relative entries: to jwsp.dll's folder   required
 *   JvmOptions  REG_MULTI_SZ  one JVM option per string (jwsp_policy.c checks them)   optional
 *   Processes   REG_MULTI_SZ  image names or full paths jwsp serves, or "all"  optional: none
 *   Log         REG_SZ        absolute path of an existing log file           optional
 * REG_EXPAND_SZ is refused: expanding it would read the process environment. An unknown value,
 * a value of the wrong type or too long is an error; every value is still read, so that Log and
 * Processes are known even when another value is wrong. Everything is written into the caller's
 * jwsp_config; the one buffer for a value's data is freed before returning.
 */
#include "jwsp.h"

#include <stdarg.h>
#include <stdio.h>
#include <wchar.h>
#include <wctype.h>

#define JWSP_VALUE_MAX_BYTES (64 * 1024)
#define JWSP_NAME_LEN 256

void jwsp_format(wchar_t *out, size_t len, const wchar_t *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    _vsnwprintf(out, len - 1, fmt, args);
    va_end(args);
    out[len - 1] = L'\0';
}

static int copy_value(wchar_t *dst, size_t len, const wchar_t *src)
{
    size_t n = wcslen(src);
    if (n >= len) {
        return -1;
    }
    wmemcpy(dst, src, n + 1);
    return 0;
}

static int is_absolute(const wchar_t *p)
{
    return (iswalpha(p[0]) && p[1] == L':' && (p[2] == L'\\' || p[2] == L'/'))
        || (p[0] == L'\\' && p[1] == L'\\');
}

/* ClassPath: each relative entry (';'-separated) made relative to the DLL's folder. */
static int set_class_path(jwsp_config *cfg, const wchar_t *value)
{
    size_t used = 0;
    const wchar_t *entry = value;

    while (*entry != L'\0') {
        const wchar_t *end = wcschr(entry, L';');
        size_t n = end == NULL ? wcslen(entry) : (size_t) (end - entry);
        size_t prefix = is_absolute(entry) || n == 0 ? 0 : wcslen(cfg->dll_dir) + 1;
        if (used + (used > 0) + prefix + n >= JWSP_CLASS_PATH_LEN) {
            return -1;
        }
        if (used > 0) {
            cfg->class_path[used++] = L';';
        }
        if (prefix > 0) {
            jwsp_format(cfg->class_path + used, prefix + 1, L"%ls\\", cfg->dll_dir);
            used += prefix;
        }
        wmemcpy(cfg->class_path + used, entry, n);
        used += n;
        cfg->class_path[used] = L'\0';
        entry = end == NULL ? entry + n : end + 1;
    }
    return 0;
}

/* One REG_MULTI_SZ into table (count strings of len each); -1 when one is too long or too many. */
static int set_list(const wchar_t *value, wchar_t *table, size_t len, int max, int *count)
{
    const wchar_t *s;
    *count = 0;
    for (s = value; *s != L'\0'; s += wcslen(s) + 1) {
        if (*count >= max || copy_value(table + (size_t) *count * len, len, s) != 0) {
            return -1;
        }
        (*count)++;
    }
    return 0;
}

/* Applies one value; 0, or -1 with reason. data holds chars wide characters, NUL-terminated twice. */
static int apply_value(jwsp_config *cfg, const wchar_t *name, DWORD type, const wchar_t *data, wchar_t *reason)
{
    int multi = wcscmp(name, L"JvmOptions") == 0 || wcscmp(name, L"Processes") == 0;
    int known = multi || wcscmp(name, L"JvmDll") == 0 || wcscmp(name, L"ClassPath") == 0
        || wcscmp(name, L"Log") == 0;
    int rc;

    if (!known) {
        jwsp_format(reason, JWSP_REASON_LEN, L"HKLM\\" JWSP_CONFIG_KEY L": unknown value '%ls' (known: JvmDll, "
                    L"ClassPath, JvmOptions, Processes, Log)", name);
        return -1;
    }
    if (type != (multi ? REG_MULTI_SZ : REG_SZ)) {
        jwsp_format(reason, JWSP_REASON_LEN, L"HKLM\\" JWSP_CONFIG_KEY L": '%ls' must be %ls, not type %lu%ls",
                    name, multi ? L"REG_MULTI_SZ" : L"REG_SZ", type,
                    type == REG_EXPAND_SZ ? L" (REG_EXPAND_SZ: expanding it would read the process environment)" : L"");
        return -1;
    }
    if (wcscmp(name, L"JvmOptions") == 0) {
        rc = set_list(data, &cfg->options[0][0], JWSP_OPTION_LEN, JWSP_MAX_OPTIONS, &cfg->option_count);
    } else if (wcscmp(name, L"Processes") == 0) {
        rc = set_list(data, &cfg->processes[0][0], JWSP_PROCESS_LEN, JWSP_MAX_PROCESSES, &cfg->process_count);
    } else if (*data != L'\0' && wcscmp(name, L"ClassPath") != 0 && !is_absolute(data)) {
        jwsp_format(reason, JWSP_REASON_LEN, L"HKLM\\" JWSP_CONFIG_KEY L": '%ls' must be an absolute path, not '%ls'",
                    name, data);
        return -1;
    } else if (wcscmp(name, L"ClassPath") == 0) {
        rc = set_class_path(cfg, data);
    } else {
        rc = copy_value(wcscmp(name, L"Log") == 0 ? cfg->log_path : cfg->jvm_dll, JWSP_PATH_LEN, data);
    }
    if (rc != 0) {
        jwsp_format(reason, JWSP_REASON_LEN, L"HKLM\\" JWSP_CONFIG_KEY L": '%ls' is too long (or has too many "
                    L"strings: at most %d)", name, multi ? JWSP_MAX_OPTIONS : 1);
    }
    return rc;
}

/* Reads every value of key; the first error is the one reported, later ones go to spare. */
static int read_values(HKEY key, jwsp_config *cfg, wchar_t *reason)
{
    HANDLE heap = GetProcessHeap();
    wchar_t *data = HeapAlloc(heap, 0, JWSP_VALUE_MAX_BYTES + 2 * sizeof(wchar_t));
    wchar_t spare[JWSP_REASON_LEN];
    wchar_t name[JWSP_NAME_LEN];
    DWORD index;
    int failed = 0;

    if (data == NULL) {
        jwsp_format(reason, JWSP_REASON_LEN, L"out of memory reading HKLM\\" JWSP_CONFIG_KEY);
        return -1;
    }
    for (index = 0;; index++) {
        DWORD name_len = JWSP_NAME_LEN;
        DWORD bytes = JWSP_VALUE_MAX_BYTES;
        DWORD type = 0;
        LSTATUS rc = RegEnumValueW(key, index, name, &name_len, NULL, &type, (BYTE *) data, &bytes);
        if (rc == ERROR_NO_MORE_ITEMS) {
            break;
        }
        if (rc != ERROR_SUCCESS) {
            jwsp_format(failed ? spare : reason, JWSP_REASON_LEN, L"cannot read value %lu of HKLM\\" JWSP_CONFIG_KEY
                        L": error %ld (a value larger than %d bytes?)", index, (long) rc, JWSP_VALUE_MAX_BYTES);
            failed = 1;
            continue;
        }
        /* Registry strings need not be terminated: terminate twice, for REG_MULTI_SZ too. */
        data[bytes / sizeof(wchar_t)] = L'\0';
        data[bytes / sizeof(wchar_t) + 1] = L'\0';
        if (apply_value(cfg, name, type, data, failed ? spare : reason) != 0) {
            failed = 1;
        }
    }
    HeapFree(heap, 0, data);
    return failed ? -1 : 0;
}

static void locate_self(HINSTANCE self, jwsp_config *cfg)
{
    DWORD n = GetModuleFileNameW(self, cfg->dll_dir, JWSP_PATH_LEN);
    wchar_t *slash;
    if (n == 0 || n >= JWSP_PATH_LEN) {
        cfg->dll_dir[0] = L'\0';
        return;
    }
    slash = wcsrchr(cfg->dll_dir, L'\\');
    if (slash != NULL) {
        *slash = L'\0';
    }
}

int jwsp_config_read(HINSTANCE self, jwsp_config *cfg, wchar_t *reason)
{
    HKEY key;
    LSTATUS opened;
    int rc;

    ZeroMemory(cfg, sizeof(*cfg));
    locate_self(self, cfg);
    opened = RegOpenKeyExW(HKEY_LOCAL_MACHINE, JWSP_CONFIG_KEY, 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &key);
    if (opened == ERROR_FILE_NOT_FOUND) {
        jwsp_format(reason, JWSP_REASON_LEN, L"jwsp is not configured: no HKLM\\" JWSP_CONFIG_KEY);
        return JWSP_CONFIG_ABSENT;
    }
    if (opened != ERROR_SUCCESS) {
        jwsp_format(reason, JWSP_REASON_LEN, L"cannot open HKLM\\" JWSP_CONFIG_KEY L": error %ld", (long) opened);
        return JWSP_CONFIG_ERROR;
    }
    rc = read_values(key, cfg, reason);
    RegCloseKey(key);
    if (rc != 0) {
        return JWSP_CONFIG_ERROR;
    }
    if (cfg->jvm_dll[0] == L'\0') {
        jwsp_format(reason, JWSP_REASON_LEN, L"no JVM: set JvmDll (REG_SZ) under HKLM\\" JWSP_CONFIG_KEY);
        return JWSP_CONFIG_ERROR;
    }
    if (cfg->class_path[0] == L'\0') {
        jwsp_format(reason, JWSP_REASON_LEN, L"no class path: set ClassPath (REG_SZ) under HKLM\\" JWSP_CONFIG_KEY);
        return JWSP_CONFIG_ERROR;
    }
    return JWSP_CONFIG_OK;
}
