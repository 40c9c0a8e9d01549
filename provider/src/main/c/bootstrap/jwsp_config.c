/*
 * Configuration of jwsp.dll: jwsp.cfg beside the DLL, overridden by environment variables.
 *
 * Called once, from the start-up in jwsp_startup.c, on the thread of the first WSPStartup.
 * jwsp.cfg is UTF-8 (a BOM is allowed), one `key = value` per line, `#` or `;` starts a comment
 * line. Keys: jvm.dll, class.path, jvm.option (repeatable: one JVM option per line), log.
 * Environment, which wins over the file: JWSP_JVM_DLL, JWSP_CLASSPATH, JWSP_JVM_OPTIONS (added
 * after the file's options; separated by spaces, "double quotes" keep spaces), JWSP_LOG.
 * Defaults: jvm.dll = %JAVA_HOME%\bin\server\jvm.dll, log = %ProgramData%\jwsp\jwsp.log.
 * Relative paths in the file (jvm.dll, log, each class.path entry) are taken relative to the DLL's
 * folder; JWSP_JVM_DLL and JWSP_LOG likewise; JWSP_CLASSPATH is passed to the JVM as it is. Everything is written
 * into the caller's jwsp_config; nothing is allocated.
 */
#include "jwsp.h"

#include <stdarg.h>
#include <stdio.h>
#include <wchar.h>
#include <wctype.h>

#define JWSP_CFG_MAX_BYTES (64 * 1024)

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

/* dst = value, or <dll_dir>\value when value is relative. */
static int set_path(const jwsp_config *cfg, wchar_t *dst, const wchar_t *value)
{
    if (is_absolute(value)) {
        return copy_value(dst, JWSP_PATH_LEN, value);
    }
    if (wcslen(cfg->dll_dir) + 1 + wcslen(value) >= JWSP_PATH_LEN) {
        return -1;
    }
    jwsp_format(dst, JWSP_PATH_LEN, L"%ls\\%ls", cfg->dll_dir, value);
    return 0;
}

/* class.path from the file: each relative entry (';'-separated) made relative to the DLL's folder. */
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

/* The value of an environment variable, or 0 when it is unset or empty. */
static int read_env(const wchar_t *name, wchar_t *out, size_t len)
{
    DWORD n = GetEnvironmentVariableW(name, out, (DWORD) len);
    return n > 0 && n < len;
}

static wchar_t *trim(wchar_t *s)
{
    wchar_t *end;
    while (*s == L' ' || *s == L'\t') {
        s++;
    }
    end = s + wcslen(s);
    while (end > s && (end[-1] == L' ' || end[-1] == L'\t' || end[-1] == L'\r')) {
        *--end = L'\0';
    }
    return s;
}

static int add_option(jwsp_config *cfg, const wchar_t *option, wchar_t *reason, const wchar_t *where)
{
    if (cfg->option_count >= JWSP_MAX_OPTIONS) {
        jwsp_format(reason, JWSP_REASON_LEN, L"%ls: more than %d JVM options", where, JWSP_MAX_OPTIONS);
        return -1;
    }
    if (copy_value(cfg->options[cfg->option_count], JWSP_OPTION_LEN, option) != 0) {
        jwsp_format(reason, JWSP_REASON_LEN, L"%ls: JVM option longer than %d characters", where,
                    JWSP_OPTION_LEN - 1);
        return -1;
    }
    cfg->option_count++;
    return 0;
}

/* One `key = value` line; 0, or -1 with reason. */
static int apply_line(jwsp_config *cfg, int number, wchar_t *line, wchar_t *reason)
{
    wchar_t where[64];
    wchar_t *eq = wcschr(line, L'=');
    wchar_t *key;
    wchar_t *value;
    int rc;

    jwsp_format(where, 64, L"jwsp.cfg line %d", number);
    if (eq == NULL) {
        jwsp_format(reason, JWSP_REASON_LEN, L"%ls: expected key = value in %ls", where, cfg->cfg_path);
        return -1;
    }
    *eq = L'\0';
    key = trim(line);
    value = trim(eq + 1);
    if (*value == L'\0') {
        jwsp_format(reason, JWSP_REASON_LEN, L"%ls: empty value for '%ls' in %ls", where, key, cfg->cfg_path);
        return -1;
    }
    if (wcscmp(key, L"jvm.dll") == 0) {
        rc = set_path(cfg, cfg->jvm_dll, value);
    } else if (wcscmp(key, L"class.path") == 0) {
        rc = set_class_path(cfg, value);
    } else if (wcscmp(key, L"log") == 0) {
        rc = set_path(cfg, cfg->log_path, value);
    } else if (wcscmp(key, L"jvm.option") == 0) {
        return add_option(cfg, value, reason, where);
    } else {
        jwsp_format(reason, JWSP_REASON_LEN,
                    L"%ls: unknown key '%ls' in %ls (known: jvm.dll, class.path, jvm.option, log)",
                    where, key, cfg->cfg_path);
        return -1;
    }
    if (rc != 0) {
        jwsp_format(reason, JWSP_REASON_LEN, L"%ls: value of '%ls' is too long", where, key);
    }
    return rc;
}

/*
 * Applies every line of the file's text. Lines after an error are still read, so that a `log`
 * line is honoured when an earlier line is wrong; the first error is the one reported.
 */
static int apply_lines(jwsp_config *cfg, wchar_t *line, wchar_t *reason)
{
    wchar_t later[JWSP_REASON_LEN];
    wchar_t *next;
    int number = 0;
    int failed = 0;

    for (; line != NULL; line = next) {
        wchar_t *content;
        next = wcschr(line, L'\n');
        if (next != NULL) {
            *next++ = L'\0';
        }
        number++;
        content = trim(line);
        if (*content == L'\0' || *content == L'#' || *content == L';') {
            continue;
        }
        if (apply_line(cfg, number, content, failed ? later : reason) != 0) {
            failed = 1;
        }
    }
    return failed ? -1 : 0;
}

/*
 * Reads jwsp.cfg into cfg. A missing file is not an error (the environment may configure
 * everything); any other problem is.
 */
static int read_file(jwsp_config *cfg, wchar_t *reason)
{
    HANDLE heap = GetProcessHeap();
    char *bytes;
    wchar_t *text;
    HANDLE file;
    DWORD size = 0;
    int chars;
    int rc;

    file = CreateFileW(cfg->cfg_path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                       FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        DWORD error = GetLastError();
        if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND) {
            return 0;
        }
        jwsp_format(reason, JWSP_REASON_LEN, L"cannot open %ls: error %lu", cfg->cfg_path, error);
        return -1;
    }
    bytes = HeapAlloc(heap, 0, JWSP_CFG_MAX_BYTES + 1);
    text = HeapAlloc(heap, 0, (JWSP_CFG_MAX_BYTES + 1) * sizeof(wchar_t));
    if (bytes == NULL || text == NULL) {
        jwsp_format(reason, JWSP_REASON_LEN, L"out of memory reading %ls", cfg->cfg_path);
        rc = -1;
    } else if (!ReadFile(file, bytes, JWSP_CFG_MAX_BYTES + 1, &size, NULL) || size > JWSP_CFG_MAX_BYTES) {
        jwsp_format(reason, JWSP_REASON_LEN, L"cannot read %ls (or larger than %d bytes)",
                    cfg->cfg_path, JWSP_CFG_MAX_BYTES);
        rc = -1;
    } else {
        chars = size == 0 ? 0 : MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, bytes, (int) size,
                                                    text, JWSP_CFG_MAX_BYTES);
        if (size > 0 && chars == 0) {
            jwsp_format(reason, JWSP_REASON_LEN, L"%ls is not UTF-8 text", cfg->cfg_path);
            rc = -1;
        } else {
            text[chars] = L'\0';
            rc = apply_lines(cfg, text[0] == 0xFEFF ? text + 1 : text, reason);
        }
    }
    CloseHandle(file);
    if (bytes != NULL) {
        HeapFree(heap, 0, bytes);
    }
    if (text != NULL) {
        HeapFree(heap, 0, text);
    }
    return rc;
}

/* JWSP_JVM_OPTIONS: options separated by blanks; "double quotes" keep blanks inside one. */
static int add_env_options(jwsp_config *cfg, wchar_t *reason)
{
    static wchar_t value[JWSP_CLASS_PATH_LEN];
    wchar_t option[JWSP_OPTION_LEN];
    const wchar_t *p = value;

    if (!read_env(L"JWSP_JVM_OPTIONS", value, JWSP_CLASS_PATH_LEN)) {
        return 0;
    }
    while (*p != L'\0') {
        size_t n = 0;
        int quoted = 0;
        while (*p == L' ' || *p == L'\t') {
            p++;
        }
        if (*p == L'\0') {
            break;
        }
        while (*p != L'\0' && (quoted || (*p != L' ' && *p != L'\t'))) {
            if (*p == L'"') {
                quoted = !quoted;
            } else if (n + 1 < JWSP_OPTION_LEN) {
                option[n++] = *p;
            } else {
                jwsp_format(reason, JWSP_REASON_LEN, L"JWSP_JVM_OPTIONS: option longer than %d characters",
                            JWSP_OPTION_LEN - 1);
                return -1;
            }
            p++;
        }
        option[n] = L'\0';
        if (add_option(cfg, option, reason, L"JWSP_JVM_OPTIONS") != 0) {
            return -1;
        }
    }
    return 0;
}

static void locate_self(HINSTANCE self, jwsp_config *cfg)
{
    DWORD n = GetModuleFileNameW(self, cfg->dll_dir, JWSP_PATH_LEN);
    wchar_t *slash;
    if (n == 0 || n >= JWSP_PATH_LEN) {
        cfg->dll_dir[0] = L'.';
        cfg->dll_dir[1] = L'\0';
    } else {
        slash = wcsrchr(cfg->dll_dir, L'\\');
        if (slash != NULL) {
            *slash = L'\0';
        }
    }
    jwsp_format(cfg->cfg_path, JWSP_PATH_LEN, L"%ls\\jwsp.cfg", cfg->dll_dir);
}

static void default_log(jwsp_config *cfg)
{
    wchar_t data[JWSP_PATH_LEN];
    if (read_env(L"ProgramData", data, JWSP_PATH_LEN)) {
        jwsp_format(cfg->log_path, JWSP_PATH_LEN, L"%ls\\jwsp\\jwsp.log", data);
    } else {
        jwsp_format(cfg->log_path, JWSP_PATH_LEN, L"%ls\\jwsp.log", cfg->dll_dir);
    }
}

int jwsp_config_read(HINSTANCE self, jwsp_config *cfg, wchar_t *reason)
{
    wchar_t value[JWSP_PATH_LEN];
    int rc;

    ZeroMemory(cfg, sizeof(*cfg));
    locate_self(self, cfg);
    default_log(cfg);
    rc = read_file(cfg, reason);
    if (read_env(L"JWSP_LOG", value, JWSP_PATH_LEN)) {
        set_path(cfg, cfg->log_path, value);
    }
    if (rc != 0) {
        return -1;
    }
    if (read_env(L"JWSP_JVM_DLL", value, JWSP_PATH_LEN) && set_path(cfg, cfg->jvm_dll, value) != 0) {
        jwsp_format(reason, JWSP_REASON_LEN, L"JWSP_JVM_DLL is too long");
        return -1;
    }
    if (GetEnvironmentVariableW(L"JWSP_CLASSPATH", NULL, 0) > JWSP_CLASS_PATH_LEN) {
        jwsp_format(reason, JWSP_REASON_LEN, L"JWSP_CLASSPATH is longer than %d characters",
                    JWSP_CLASS_PATH_LEN - 1);
        return -1;
    }
    read_env(L"JWSP_CLASSPATH", cfg->class_path, JWSP_CLASS_PATH_LEN);
    if (add_env_options(cfg, reason) != 0) {
        return -1;
    }
    if (cfg->jvm_dll[0] == L'\0') {
        if (!read_env(L"JAVA_HOME", value, JWSP_PATH_LEN - 32)) {
            jwsp_format(reason, JWSP_REASON_LEN,
                        L"no JVM: set jvm.dll in %ls, or JWSP_JVM_DLL, or JAVA_HOME", cfg->cfg_path);
            return -1;
        }
        jwsp_format(cfg->jvm_dll, JWSP_PATH_LEN, L"%ls\\bin\\server\\jvm.dll", value);
    }
    if (cfg->class_path[0] == L'\0') {
        jwsp_format(reason, JWSP_REASON_LEN,
                    L"no class path: set class.path in %ls, or JWSP_CLASSPATH", cfg->cfg_path);
        return -1;
    }
    return 0;
}
