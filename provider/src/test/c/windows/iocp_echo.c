/*
 * IOCP echo over 127.0.0.1, for the Windows CI workflow (.github/workflows/windows.yml): what a
 * Windows server does, through whatever providers the catalog puts in the way (jwsp's chain when
 * jwsp is installed and this program is named in HKLM\SOFTWARE\jwsp\Processes).
 *
 *   iocp_echo.exe [plain|ext] [expect-jwsp|expect-no-jvm]
 *
 * plain: listen, connect, accept; both sockets on one completion port; the client sends 64 KiB in
 * overlapped WSASend calls of 4 KiB, the server echoes what each overlapped WSARecv completes
 * with, the client receives it back with overlapped WSARecv; all completions are taken from
 * GetQueuedCompletionStatus. ext: the same, but the connection is made with AcceptEx and
 * ConnectEx got through WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER).
 * expect-jwsp: after the echo, jwsp.dll and jvm.dll must be loaded in this process (jwsp ran);
 * expect-no-jvm: jvm.dll must not be (jwsp passed this process straight through).
 * Prints one line per step; exit 0 when the echo matched and the expectation held, 1 otherwise.
 * Build: x86_64-w64-mingw32-gcc -O2 -Wall -Wextra -Werror -o iocp_echo.exe iocp_echo.c -lws2_32 -lmswsock
 */
#include <winsock2.h>
#include <mswsock.h>
#include <ws2tcpip.h>

#include <stdio.h>
#include <string.h>

#define TOTAL (64 * 1024)
#define CHUNK 4096
#define TIMEOUT_MS 10000

typedef struct op {
    OVERLAPPED overlapped;        /* first: the completion hands back this address */
    WSABUF buf;
    int kind;                     /* 1 client send, 2 server recv, 3 server send, 4 client recv, 5 accept, 6 connect */
} op;

static char sent[TOTAL];
static char received[TOTAL];
static char server_buf[CHUNK];
static char accept_buf[2 * (sizeof(struct sockaddr_in) + 16)];

static int fail(const char *what)
{
    printf("FAIL %s: error %d / %lu\n", what, WSAGetLastError(), GetLastError());
    return 1;
}

static int pending_ok(int rc)
{
    return rc == 0 || WSAGetLastError() == WSA_IO_PENDING;
}

/* Takes one completion; 0 with the op and byte count, or -1. */
static int take(HANDLE port, op **done, DWORD *bytes)
{
    ULONG_PTR key;
    OVERLAPPED *o = NULL;
    BOOL ok = GetQueuedCompletionStatus(port, bytes, &key, &o, TIMEOUT_MS);
    if (o == NULL) {
        return -1;
    }
    *done = (op *) o;
    return ok ? 0 : -1;
}

static int connect_ext(SOCKET listener, SOCKET *client, SOCKET *server, HANDLE port, struct sockaddr_in *to)
{
    GUID accept_id = WSAID_ACCEPTEX;
    GUID connect_id = WSAID_CONNECTEX;
    LPFN_ACCEPTEX accept_ex = NULL;
    LPFN_CONNECTEX connect_ex = NULL;
    DWORD n = 0;
    op a, c;
    op *done;
    DWORD bytes;
    struct sockaddr_in any;
    int i;

    if (WSAIoctl(listener, SIO_GET_EXTENSION_FUNCTION_POINTER, &accept_id, sizeof(accept_id), &accept_ex,
                 sizeof(accept_ex), &n, NULL, NULL) != 0) {
        return fail("WSAIoctl(AcceptEx)");
    }
    *client = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
    *server = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
    if (WSAIoctl(*client, SIO_GET_EXTENSION_FUNCTION_POINTER, &connect_id, sizeof(connect_id), &connect_ex,
                 sizeof(connect_ex), &n, NULL, NULL) != 0) {
        return fail("WSAIoctl(ConnectEx)");
    }
    memset(&any, 0, sizeof(any));
    any.sin_family = AF_INET;
    any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(*client, (struct sockaddr *) &any, sizeof(any)) != 0
        || CreateIoCompletionPort((HANDLE) listener, port, 0, 0) == NULL
        || CreateIoCompletionPort((HANDLE) *client, port, 0, 0) == NULL) {
        return fail("bind/associate for ConnectEx");
    }
    memset(&a, 0, sizeof(a));
    memset(&c, 0, sizeof(c));
    a.kind = 5;
    c.kind = 6;
    if (!accept_ex(listener, *server, accept_buf, 0, sizeof(struct sockaddr_in) + 16, sizeof(struct sockaddr_in) + 16,
                   &n, &a.overlapped) && WSAGetLastError() != ERROR_IO_PENDING) {
        return fail("AcceptEx");
    }
    if (!connect_ex(*client, (struct sockaddr *) to, sizeof(*to), NULL, 0, NULL, &c.overlapped)
        && WSAGetLastError() != ERROR_IO_PENDING) {
        return fail("ConnectEx");
    }
    for (i = 0; i < 2; i++) {
        if (take(port, &done, &bytes) != 0) {
            return fail("AcceptEx/ConnectEx completion");
        }
    }
    if (setsockopt(*server, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, (char *) &listener, sizeof(listener)) != 0
        || setsockopt(*client, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, NULL, 0) != 0
        || CreateIoCompletionPort((HANDLE) *server, port, 0, 0) == NULL) {
        return fail("SO_UPDATE_*_CONTEXT");
    }
    printf("CONNECTED with AcceptEx and ConnectEx\n");
    return 0;
}

static int connect_plain(SOCKET listener, SOCKET *client, SOCKET *server, HANDLE port, struct sockaddr_in *to)
{
    *client = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
    if (*client == INVALID_SOCKET || connect(*client, (struct sockaddr *) to, sizeof(*to)) != 0) {
        return fail("connect");
    }
    *server = accept(listener, NULL, NULL);
    if (*server == INVALID_SOCKET || CreateIoCompletionPort((HANDLE) *client, port, 0, 0) == NULL
        || CreateIoCompletionPort((HANDLE) *server, port, 0, 0) == NULL) {
        return fail("accept/associate");
    }
    printf("CONNECTED with connect and accept\n");
    return 0;
}

/* The echo: returns 0 when every byte came back in order. */
static int echo(SOCKET client, SOCKET server, HANDLE port)
{
    static op sends[TOTAL / CHUNK];
    op srecv, ssend, crecv;
    DWORD flags = 0;
    DWORD bytes;
    long got = 0;
    long echoed_total = 0;
    op *done;
    int i;

    for (i = 0; i < TOTAL; i++) {
        sent[i] = (char) (i * 31 + 7);
    }
    memset(&srecv, 0, sizeof(srecv));
    memset(&crecv, 0, sizeof(crecv));
    srecv.kind = 2;
    srecv.buf.buf = server_buf;
    srecv.buf.len = CHUNK;
    crecv.kind = 4;
    crecv.buf.buf = received;
    crecv.buf.len = TOTAL;
    if (!pending_ok(WSARecv(server, &srecv.buf, 1, NULL, &flags, &srecv.overlapped, NULL))
        || !pending_ok(WSARecv(client, &crecv.buf, 1, NULL, &flags, &crecv.overlapped, NULL))) {
        return fail("WSARecv");
    }
    for (i = 0; i < TOTAL / CHUNK; i++) {
        memset(&sends[i], 0, sizeof(sends[i]));
        sends[i].kind = 1;
        sends[i].buf.buf = sent + i * CHUNK;
        sends[i].buf.len = CHUNK;
        if (!pending_ok(WSASend(client, &sends[i].buf, 1, NULL, 0, &sends[i].overlapped, NULL))) {
            return fail("WSASend (client)");
        }
    }
    while (got < TOTAL) {
        if (take(port, &done, &bytes) != 0) {
            return fail("GetQueuedCompletionStatus");
        }
        if (done->kind == 2) {                 /* server got bytes: echo them, then receive again */
            if (bytes == 0) {
                return fail("server saw end of stream");
            }
            memset(&ssend, 0, sizeof(ssend));
            ssend.kind = 3;
            ssend.buf.buf = server_buf;
            ssend.buf.len = bytes;
            echoed_total += (long) bytes;
            if (!pending_ok(WSASend(server, &ssend.buf, 1, NULL, 0, &ssend.overlapped, NULL))) {
                return fail("WSASend (server)");
            }
            /* server_buf is reused only after this send completed */
            do {
                if (take(port, &done, &bytes) != 0) {
                    return fail("GetQueuedCompletionStatus (echo)");
                }
                if (done->kind == 4) {
                    got += (long) bytes;
                    crecv.buf.buf = received + got;
                    crecv.buf.len = (ULONG) (TOTAL - got);
                    memset(&crecv.overlapped, 0, sizeof(crecv.overlapped));
                    if (got < TOTAL && !pending_ok(WSARecv(client, &crecv.buf, 1, NULL, &flags, &crecv.overlapped, NULL))) {
                        return fail("WSARecv (client again)");
                    }
                }
            } while (done->kind != 3);
            if (echoed_total < TOTAL) {
                memset(&srecv.overlapped, 0, sizeof(srecv.overlapped));
                if (!pending_ok(WSARecv(server, &srecv.buf, 1, NULL, &flags, &srecv.overlapped, NULL))) {
                    return fail("WSARecv (server again)");
                }
            }
        } else if (done->kind == 4) {
            got += (long) bytes;
            crecv.buf.buf = received + got;
            crecv.buf.len = (ULONG) (TOTAL - got);
            memset(&crecv.overlapped, 0, sizeof(crecv.overlapped));
            if (got < TOTAL && !pending_ok(WSARecv(client, &crecv.buf, 1, NULL, &flags, &crecv.overlapped, NULL))) {
                return fail("WSARecv (client again)");
            }
        }
    }
    if (memcmp(sent, received, TOTAL) != 0) {
        printf("FAIL the echo differs from what was sent\n");
        return 1;
    }
    printf("ECHOED %d bytes in %d overlapped WSASend calls of %d bytes\n", TOTAL, TOTAL / CHUNK, CHUNK);
    return 0;
}

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "plain";
    const char *expect = argc > 2 ? argv[2] : "";
    WSADATA wsa;
    SOCKET listener, client = INVALID_SOCKET, server = INVALID_SOCKET;
    struct sockaddr_in at;
    int len = sizeof(at);
    HANDLE port;
    int rc;
    int jwsp, jvm;

    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
        return fail("WSAStartup");
    }
    port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    listener = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
    memset(&at, 0, sizeof(at));
    at.sin_family = AF_INET;
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (port == NULL || listener == INVALID_SOCKET || bind(listener, (struct sockaddr *) &at, sizeof(at)) != 0
        || listen(listener, 4) != 0 || getsockname(listener, (struct sockaddr *) &at, &len) != 0) {
        return fail("listen");
    }
    printf("LISTENING on 127.0.0.1:%d\n", ntohs(at.sin_port));
    rc = strcmp(how, "ext") == 0 ? connect_ext(listener, &client, &server, port, &at)
                                 : connect_plain(listener, &client, &server, port, &at);
    if (rc == 0) {
        rc = echo(client, server, port);
    }
    jwsp = GetModuleHandleW(L"jwsp.dll") != NULL;
    jvm = GetModuleHandleW(L"jvm.dll") != NULL;
    printf("MODULES jwsp.dll=%s jvm.dll=%s\n", jwsp ? "loaded" : "absent", jvm ? "loaded" : "absent");
    if (rc == 0 && strcmp(expect, "expect-jwsp") == 0 && !(jwsp && jvm)) {
        printf("FAIL expected jwsp to run in this process (jwsp.dll and jvm.dll loaded)\n");
        rc = 1;
    }
    if (rc == 0 && strcmp(expect, "expect-no-jvm") == 0 && jvm) {
        printf("FAIL expected no JVM in this process (not named in Processes)\n");
        rc = 1;
    }
    closesocket(client);
    closesocket(server);
    closesocket(listener);
    CloseHandle(port);
    WSACleanup();
    return rc;
}
