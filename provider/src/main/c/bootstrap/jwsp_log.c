/*
 * jwsp.dll's log: one line per failure, to the debugger (OutputDebugStringW, seen in DebugView or
 * a debugger) and appended to the log file (UTF-8, folder created when missing). A successful
 * start-up goes to the debugger only: jwsp.dll is in every process that uses Winsock, and a line
 * per process start would grow one shared file without end.
 *
 * Called from any thread that runs WSPStartup; each line is one WriteFile on a handle opened for
 * FILE_APPEND_DATA, so lines from threads and processes do not interleave. The file is opened
 * and closed per line: lines are rare (failures only), and no handle is left open
 * in the application. A log that cannot be written is reported to the debugger only; logging
 * never fails the caller.
 */
#include "jwsp.h"

#include <stdarg.h>
#include <stdio.h>
#include <wchar.h>

#define JWSP_LINE_LEN 2048

/* Creates the folder of path and its parents (best effort: the open reports what failed). */
static void create_parent(const wchar_t *path)
{
    wchar_t dir[JWSP_PATH_LEN];
    wchar_t *p;
    size_t n = wcslen(path);
    if (n >= JWSP_PATH_LEN) {
        return;
    }
    wmemcpy(dir, path, n + 1);
    p = wcsrchr(dir, L'\\');
    if (p == NULL) {
        return;
    }
    *p = L'\0';
    for (p = dir + 3; *p != L'\0'; p++) {
        if (*p == L'\\') {
            *p = L'\0';
            CreateDirectoryW(dir, NULL);
            *p = L'\\';
        }
    }
    CreateDirectoryW(dir, NULL);
}

static void append(const wchar_t *log_path, const wchar_t *line)
{
    char utf8[JWSP_LINE_LEN * 3];
    wchar_t note[JWSP_PATH_LEN + 64];
    int n = WideCharToMultiByte(CP_UTF8, 0, line, -1, utf8, (int) sizeof(utf8), NULL, NULL);
    HANDLE file;
    DWORD written;

    if (n <= 1) {
        return;
    }
    create_parent(log_path);
    file = CreateFileW(log_path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                       NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        jwsp_format(note, JWSP_PATH_LEN + 64, L"jwsp: cannot append to log %ls: error %lu\r\n",
                    log_path, GetLastError());
        OutputDebugStringW(note);
        return;
    }
    WriteFile(file, utf8, (DWORD) (n - 1), &written, NULL);
    CloseHandle(file);
}

/* "<UTC time> jwsp pid=.. tid=.. <message>\r\n", with any line break in the message made a blank. */
static void format_line(wchar_t *line, const wchar_t *fmt, va_list args)
{
    wchar_t message[JWSP_LINE_LEN - 128];
    SYSTEMTIME now;
    wchar_t *p;

    _vsnwprintf(message, JWSP_LINE_LEN - 129, fmt, args);
    message[JWSP_LINE_LEN - 129] = L'\0';
    /* One line means one line: a reason quoting a Java exception may carry line breaks. */
    for (p = message; *p != L'\0'; p++) {
        if (*p == L'\r' || *p == L'\n') {
            *p = L' ';
        }
    }
    GetSystemTime(&now);
    jwsp_format(line, JWSP_LINE_LEN, L"%04u-%02u-%02uT%02u:%02u:%02u.%03uZ jwsp pid=%lu tid=%lu %ls\r\n",
                now.wYear, now.wMonth, now.wDay, now.wHour, now.wMinute, now.wSecond,
                now.wMilliseconds, GetCurrentProcessId(), GetCurrentThreadId(), message);
}

void jwsp_log_line(const wchar_t *log_path, const wchar_t *fmt, ...)
{
    wchar_t line[JWSP_LINE_LEN];
    va_list args;

    va_start(args, fmt);
    format_line(line, fmt, args);
    va_end(args);
    OutputDebugStringW(line);
    append(log_path, line);
}

void jwsp_debug_line(const wchar_t *fmt, ...)
{
    wchar_t line[JWSP_LINE_LEN];
    va_list args;

    va_start(args, fmt);
    format_line(line, fmt, args);
    va_end(args);
    OutputDebugStringW(line);
}
