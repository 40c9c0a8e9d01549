/*
 * jwsp.dll's log: one line per event, to the debugger (OutputDebugStringW, seen in DebugView or
 * a debugger), the Windows event log (source "jwsp", Application log, warning) and, when the
 * configuration names one, appended to the log file (UTF-8). Lines that only say a process is
 * not served, and a successful start-up, go to the debugger only: jwsp.dll is in every process
 * that uses Winsock, and a line per process would grow one shared file without end.
 *
 * The log file is never created here and links are never followed: the installer creates it
 * with an explicit ACL. It is opened OPEN_EXISTING with FILE_FLAG_OPEN_REPARSE_POINT and written
 * only when it is a plain file (no reparse point, one hard link) owned by SYSTEM, Administrators
 * or this process's user; otherwise the line reaches the debugger and the event log only, with a
 * note why. Called from any thread that runs WSPStartup; each line is one WriteFile on a handle
 * opened for FILE_APPEND_DATA, so lines from threads and processes do not interleave; the file
 * and the event source are opened and closed per line (lines are rare). Logging never fails
 * the caller.
 */
#include "jwsp.h"

#include <stdarg.h>
#include <stdio.h>
#include <wchar.h>

#define JWSP_LINE_LEN 2048

static void note(const wchar_t *fmt, const wchar_t *log_path, DWORD error)
{
    wchar_t text[JWSP_PATH_LEN + 128];
    jwsp_format(text, JWSP_PATH_LEN + 128, fmt, log_path, error);
    OutputDebugStringW(text);
}

/* Whether the open file may be written: a plain file, one link, a trusted owner. */
static int plain_and_trusted(HANDLE file, const wchar_t *log_path)
{
    BY_HANDLE_FILE_INFORMATION info;
    jwsp_reason reason;
    if (!GetFileInformationByHandle(file, &info)) {
        note(L"jwsp: cannot inspect log %ls: error %lu; not written\r\n", log_path, GetLastError());
        return 0;
    }
    if ((info.dwFileAttributes & (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY)) != 0
        || info.nNumberOfLinks != 1) {
        note(L"jwsp: log %ls is a link, a folder or has more than one name; not written (attributes 0x%lx)\r\n",
             log_path, info.dwFileAttributes);
        return 0;
    }
    if (jwsp_acl_check_owner(file, log_path, reason) != 0) {
        OutputDebugStringW(reason);
        return 0;
    }
    return 1;
}

static void append(const wchar_t *log_path, const wchar_t *line)
{
    char utf8[JWSP_LINE_LEN * 3];
    int n = WideCharToMultiByte(CP_UTF8, 0, line, -1, utf8, (int) sizeof(utf8), NULL, NULL);
    HANDLE file;
    DWORD written;

    if (n <= 1 || log_path == NULL || log_path[0] == L'\0') {
        return;
    }
    file = CreateFileW(log_path, FILE_APPEND_DATA | READ_CONTROL | FILE_READ_ATTRIBUTES,
                       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                       FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        note(L"jwsp: cannot append to log %ls: error %lu (it is created by the installer, never here)\r\n",
             log_path, GetLastError());
        return;
    }
    if (plain_and_trusted(file, log_path)) {
        WriteFile(file, utf8, (DWORD) (n - 1), &written, NULL);
    }
    CloseHandle(file);
}

/* One warning in the Application event log, source "jwsp" (best effort). */
static void report_event(const wchar_t *line)
{
    HANDLE source = RegisterEventSourceW(NULL, L"jwsp");
    if (source != NULL) {
        ReportEventW(source, EVENTLOG_WARNING_TYPE, 0, 1, NULL, 1, 0, &line, NULL);
        DeregisterEventSource(source);
    }
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
    report_event(line);
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
