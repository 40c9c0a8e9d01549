/*
 * Stand-in next provider (nextprov.dll) for the Wine test of jwsp.dll: what jwsp.dll's fail-open
 * path must start when jwsp does not run. Its WSPStartup records what it was given (to the file
 * FAKEJVM_RECORD names, as the stand-in jvm.dll does), writes WSPDATA, and fills the proc table
 * with its own functions: WSPSocket hands out socket 0x4242, WSPCloseSocket closes it; every
 * other entry answers WSAEOPNOTSUPP. Test code.
 */
#include <winsock2.h>
#include <ws2spi.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void record(const char *fmt, ...)
{
    char path[1024];
    char line[1024];
    va_list args;
    FILE *f;
    int n = snprintf(line, sizeof(line), "tid=%lu ", GetCurrentThreadId());
    va_start(args, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t) n - 2, fmt, args);
    va_end(args);
    strcat(line, "\n");
    if (GetEnvironmentVariableA("FAKEJVM_RECORD", path, sizeof(path)) == 0 || (f = fopen(path, "ab")) == NULL) {
        return;
    }
    fputs(line, f);
    fclose(f);
}

static SOCKET WSPAPI next_socket(int af, int type, int protocol, LPWSAPROTOCOL_INFOW info, GROUP g, DWORD flags,
                                 LPINT error)
{
    (void) info; (void) g; (void) flags;
    record("NextWSPSocket af=%d type=%d protocol=%d -> 0x4242", af, type, protocol);
    *error = 0;
    return (SOCKET) 0x4242;
}

static int WSPAPI next_close(SOCKET s, LPINT error)
{
    record("NextWSPCloseSocket 0x%llx", (unsigned long long) s);
    *error = 0;
    return s == (SOCKET) 0x4242 ? 0 : SOCKET_ERROR;
}

static int WSPAPI not_supported(void)
{
    return SOCKET_ERROR;
}

int WSPAPI WSPStartup(WORD version, LPWSPDATA data, LPWSAPROTOCOL_INFOW info, WSPUPCALLTABLE upcalls,
                      LPWSPPROC_TABLE procs)
{
    void (*fill)(void) = (void (*)(void)) not_supported;
    void *upcall0;
    size_t i;
    memcpy(&upcall0, &upcalls, sizeof(upcall0));
    record("NextWSPStartup version=0x%04x catalog=%lu chainlen=%d protocol=%ls upcall0=%llx procs=%llx", version,
           info->dwCatalogEntryId, info->ProtocolChain.ChainLen, info->szProtocol,
           (unsigned long long) (UINT_PTR) upcall0, (unsigned long long) (UINT_PTR) procs);
    for (i = 0; i < sizeof(*procs) / sizeof(fill); i++) {
        memcpy((char *) procs + i * sizeof(fill), &fill, sizeof(fill));
    }
    procs->lpWSPSocket = next_socket;
    procs->lpWSPCloseSocket = next_close;
    data->wVersion = MAKEWORD(2, 2);
    data->wHighVersion = MAKEWORD(2, 2);
    lstrcpynW(data->szDescription, L"fake next provider", WSPDESCRIPTION_LEN + 1);
    return 0;
}
