/*
 * A Winsock program written the Windows way, run over the jwsp Linux host through jwsp_win.h: on a
 * pthread the JVM did not start, one loopback TCP connection; the server side is an IOCP echo (its
 * WSARecv and echoing WSASend complete on a completion port, GetQueuedCompletionStatus), the client
 * side sends event-driven (WSACreateEvent, WSAWaitForMultipleEvents, WSAGetOverlappedResult) and
 * receives the echo with a completion routine (SleepEx alertable). Then bad input, answered with the
 * Windows codes; a thread of its own (CreateThread, WaitForSingleObject on its handle, CloseHandle)
 * that cancels the server's pending receive (CancelIoEx: ERROR_OPERATION_ABORTED through the port);
 * and FILE_SKIP_COMPLETION_PORT_ON_SUCCESS. The last two only when the sockets are the base
 * provider's own (IFS handles): jwsp's are not, and CancelIoEx finds nothing on them.
 *
 * Built by the test: gcc -shared -fPIC -O2 -Wall -o target/libwin_programs.so win_programs.c -lpthread
 * Result: failed_step 0 when every step held; else the step and WSAGetLastError() there.
 */
#include <pthread.h>
#include <string.h>
#include "jwsp_win.h"

const JWSP_WIN *jwsp_win;

typedef struct {
    const JWSP_WIN *api;
    int base_alone;        /* in: the sockets are the base provider's (IFS handles: completion modes, CancelIoEx) */
    int failed_step;       /* out */
    int last_error;
    int routine_calls;
    DWORD routine_bytes;
    DWORD routine_tid;
    DWORD tid;
    int worker_runs;       /* out: times CreateThread's routine ran */
    DWORD worker_tid;      /* out: GetCurrentThreadId() there */
} RUN;

/* What the program hands the thread it creates. */
typedef struct {
    RUN *run;
    WSAEVENT gate;         /* the thread waits here first, so its handle is seen unsignalled */
    HANDLE cancel_socket;  /* if set, the thread cancels this socket's operation of cancel_ov */
    OVERLAPPED *cancel_ov;
    BOOL cancelled;
    int cancel_error;
} WORKER;

#define MESSAGE 1000
#define KEY 0x5EED
#define FAIL(n) do { run->failed_step = (n); run->last_error = WSAGetLastError(); goto done; } while (0)

static RUN *current;

static void on_echo(DWORD error, DWORD bytes, WSAOVERLAPPED *ov, DWORD flags) {
    current->routine_calls++;
    current->routine_bytes = error == 0 ? bytes : 0;
    current->routine_tid = GetCurrentThreadId();
}

static DWORD worker(void *arg) {
    WORKER *w = arg;
    if (WSAWaitForMultipleEvents(1, &w->gate, TRUE, 10000, FALSE) != WSA_WAIT_EVENT_0) return 1;
    w->run->worker_tid = GetCurrentThreadId();
    w->run->worker_runs++;
    if (w->cancel_socket) {
        w->cancelled = CancelIoEx(w->cancel_socket, w->cancel_ov);
        w->cancel_error = WSAGetLastError();
    }
    return 7;
}

/* WSA_IO_PENDING or an immediate success are both a started overlapped call. */
static int started(int rc) {
    return rc == 0 || WSAGetLastError() == WSA_IO_PENDING;
}

static void *program(void *arg) {
    RUN *run = arg;
    current = run;
    jwsp_win_load(run->api);
    WSADATA data;
    SOCKET listener = INVALID_SOCKET, client = INVALID_SOCKET, server = INVALID_SOCKET;
    HANDLE port = 0;
    WSAEVENT event = 0;
    char out[MESSAGE], in[MESSAGE], echo[MESSAGE];
    for (int i = 0; i < MESSAGE; i++) out[i] = (char) (i * 7 + 1);
    run->tid = GetCurrentThreadId();

    if (WSAStartup(0x0202, &data) != 0 || data.wVersion != 0x0202) FAIL(1);
    listener = WSASocketW(AF_INET_WIN, SOCK_STREAM_WIN, IPPROTO_TCP_WIN, 0, 0, WSA_FLAG_OVERLAPPED);
    if (listener == INVALID_SOCKET) FAIL(2);
    struct sockaddr_in_win addr = { AF_INET_WIN, 0, 0x0100007F /* 127.0.0.1, network order */ };
    int length = sizeof addr;
    if (bind(listener, &addr, sizeof addr) != 0 || listen(listener, 1) != 0) FAIL(3);
    if (getsockname(listener, &addr, &length) != 0) FAIL(4);
    client = WSASocketW(AF_INET_WIN, SOCK_STREAM_WIN, IPPROTO_TCP_WIN, 0, 0, WSA_FLAG_OVERLAPPED);
    if (client == INVALID_SOCKET || connect(client, &addr, sizeof addr) != 0) FAIL(5);
    server = accept(listener, 0, 0);
    if (server == INVALID_SOCKET) FAIL(6);

    /* the server: an IOCP echo */
    port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, 0, 0, 0);
    if (port == 0 || CreateIoCompletionPort((HANDLE) server, port, KEY, 0) != port) FAIL(7);
    WSAOVERLAPPED sov;
    memset(&sov, 0, sizeof sov);
    WSABUF sbuf = { MESSAGE, in };
    DWORD flags = 0, n = 0;
    if (WSARecv(server, &sbuf, 1, 0, &flags, &sov, 0) != SOCKET_ERROR || WSAGetLastError() != WSA_IO_PENDING) FAIL(8);

    /* the client sends, event-driven */
    WSAOVERLAPPED cov;
    memset(&cov, 0, sizeof cov);
    event = WSACreateEvent();
    cov.hEvent = event;
    WSABUF cbuf = { MESSAGE, out };
    if (!started(WSASend(client, &cbuf, 1, &n, 0, &cov, 0))) FAIL(9);
    if (WSAWaitForMultipleEvents(1, &event, TRUE, 10000, FALSE) != WSA_WAIT_EVENT_0) FAIL(10);
    if (!WSAGetOverlappedResult(client, &cov, &n, FALSE, &flags) || n != MESSAGE) FAIL(11);

    /* the server reaps its receive from the port and echoes what arrived */
    DWORD bytes = 0;
    ULONG_PTR key = 0;
    OVERLAPPED *done = 0;
    DWORD got = 0;
    while (got < MESSAGE) {
        if (!GetQueuedCompletionStatus(port, &bytes, &key, &done, 10000) || key != KEY || done != &sov || bytes == 0) FAIL(12);
        got += bytes;
        if (got < MESSAGE) {
            sbuf.buf = in + got;
            sbuf.len = MESSAGE - got;
            flags = 0;
            if (!started(WSARecv(server, &sbuf, 1, 0, &flags, &sov, 0))) FAIL(13);
        }
    }
    WSAOVERLAPPED eov;
    memset(&eov, 0, sizeof eov);
    WSABUF ebuf = { MESSAGE, in };
    if (!started(WSASend(server, &ebuf, 1, 0, 0, &eov, 0))) FAIL(14);
    if (!GetQueuedCompletionStatus(port, &bytes, &key, &done, 10000) || done != &eov || bytes != MESSAGE) FAIL(15);

    /* the client receives the echo with a completion routine, run in its alertable wait */
    WSAOVERLAPPED rov;
    got = 0;
    while (got < MESSAGE) {
        memset(&rov, 0, sizeof rov);
        WSABUF rbuf = { MESSAGE - got, echo + got };
        flags = 0;
        int before = run->routine_calls;
        if (!started(WSARecv(client, &rbuf, 1, 0, &flags, &rov, on_echo))) FAIL(16);
        if (run->routine_calls != before) FAIL(17); /* never inside the call */
        while (run->routine_calls == before) {
            if (SleepEx(10000, TRUE) != WSA_WAIT_IO_COMPLETION) FAIL(18);
        }
        if (run->routine_bytes == 0 || run->routine_tid != run->tid) FAIL(19);
        got += run->routine_bytes;
    }
    if (memcmp(out, echo, MESSAGE) != 0) FAIL(20);

    /* bad input: the Windows codes, and the sockets still work */
    if (WSASetEvent(0) != FALSE || WSAGetLastError() != WSA_INVALID_HANDLE) FAIL(21);
    WSAEVENT closed = WSACreateEvent();
    WSACloseEvent(closed);
    if (WSAWaitForMultipleEvents(1, &closed, TRUE, 0, FALSE) != WSA_WAIT_FAILED) FAIL(22);
    if (WSAWaitForMultipleEvents(1, 0, TRUE, 0, FALSE) != WSA_WAIT_FAILED || WSAGetLastError() != WSA_INVALID_PARAMETER) FAIL(23);
    if (CloseHandle((HANDLE) 0xDEAD0) != FALSE) FAIL(24);
    if (PostQueuedCompletionStatus((HANDLE) 0xDEAD0, 0, 0, 0) != FALSE) FAIL(25);
    if (closesocket((SOCKET) 0xDEAD0) != SOCKET_ERROR || WSAGetLastError() != WSAENOTSOCK) FAIL(26);
    int on = 1;
    if (setsockopt(client, 0x4321, SO_KEEPALIVE_WIN, (const char *) &on, sizeof on) != SOCKET_ERROR
            || WSAGetLastError() != WSAEINVAL) FAIL(27);
    if (setsockopt(client, SOL_SOCKET_WIN, SO_KEEPALIVE_WIN, (const char *) &on, sizeof on) != 0) FAIL(28);
    if (!PostQueuedCompletionStatus(port, 7, 99, 0)) FAIL(29);
    if (!GetQueuedCompletionStatus(port, &bytes, &key, &done, 10000) || bytes != 7 || key != 99 || done != 0) FAIL(30);
    if (GetQueuedCompletionStatus(port, &bytes, &key, &done, 0) != FALSE || done != 0 || WSAGetLastError() != WAIT_TIMEOUT) FAIL(31);

    /* nonblocking mode, the peer's name, an unknown control, an event by kernel32's wait, a batch dequeue */
    uint32_t nonblocking = 1;
    if (ioctlsocket(client, FIONBIO_WIN, &nonblocking) != 0) FAIL(40);
    WSABUF empty = { 8, echo };
    flags = 0;
    if (WSARecv(client, &empty, 1, &n, &flags, 0, 0) != SOCKET_ERROR || WSAGetLastError() != WSAEWOULDBLOCK) FAIL(41);
    nonblocking = 0;
    if (ioctlsocket(client, FIONBIO_WIN, &nonblocking) != 0) FAIL(42);
    struct sockaddr_in_win peer;
    int peer_length = sizeof peer;
    if (getpeername(server, &peer, &peer_length) != 0 || peer.sin_family != AF_INET_WIN) FAIL(43);
    DWORD returned = 0;
    if (WSAIoctl(client, 0x12345678, 0, 0, 0, 0, &returned, 0, 0) != SOCKET_ERROR || WSAGetLastError() != WSAEINVAL) FAIL(44);
    if (!WSASetEvent(event) || WaitForSingleObject(event, 0) != WAIT_OBJECT_0) FAIL(45);
    if (WaitForSingleObject((HANDLE) 0xDEAD0, 0) != WAIT_FAILED) FAIL(46);
    if (!PostQueuedCompletionStatus(port, 1, 1, 0) || !PostQueuedCompletionStatus(port, 2, 2, 0)) FAIL(47);
    OVERLAPPED_ENTRY batch[4];
    uint32_t removed = 0;
    if (!GetQueuedCompletionStatusEx(port, batch, 4, &removed, 10000, FALSE) || removed != 2
            || batch[0].dwNumberOfBytesTransferred != 1 || batch[1].lpCompletionKey != 2) FAIL(48);
    if (GetQueuedCompletionStatusEx(port, batch, 4, &removed, 0, FALSE) != FALSE || removed != 0) FAIL(49);
    /* a thread of its own: CreateThread, its handle unsignalled until it ends, CloseHandle; from it,
       CancelIoEx of a receive this thread issued, which then ends aborted through the port */
    WORKER w = { run, WSACreateEvent(), 0, 0, FALSE, 0 };
    WSAOVERLAPPED xov;
    memset(&xov, 0, sizeof xov);
    char xin[8];
    WSABUF xbuf = { sizeof xin, xin };
    if (run->base_alone) {
        flags = 0;
        if (WSARecv(server, &xbuf, 1, 0, &flags, &xov, 0) != SOCKET_ERROR || WSAGetLastError() != WSA_IO_PENDING) FAIL(60);
        w.cancel_socket = (HANDLE) server;
        w.cancel_ov = &xov;
    }
    DWORD worker_id = 0;
    HANDLE thread = CreateThread(0, 0, worker, &w, 0, &worker_id);
    if (thread == 0 || worker_id == 0 || worker_id == run->tid) FAIL(61);
    if (WaitForSingleObject(thread, 0) != WAIT_TIMEOUT) FAIL(62);
    if (!WSASetEvent(w.gate)) FAIL(63);
    WSAEVENT never = WSACreateEvent();
    WSAEVENT never_or_thread[2] = { never, (WSAEVENT) thread };
    if (WSAWaitForMultipleEvents(2, never_or_thread, FALSE, 10000, FALSE) != WSA_WAIT_EVENT_0 + 1) FAIL(64);
    WSACloseEvent(never);
    if (WaitForSingleObject(thread, 0) != WAIT_OBJECT_0) FAIL(65);
    if (run->worker_tid != worker_id) FAIL(66);
    if (!CloseHandle(thread) || CloseHandle(thread) != FALSE) FAIL(67);
    WSACloseEvent(w.gate);
    if (run->base_alone) {
        if (!w.cancelled) { run->failed_step = 68; run->last_error = w.cancel_error; goto done; }
        if (GetQueuedCompletionStatus(port, &bytes, &key, &done, 10000) != FALSE || done != &xov || key != KEY
                || WSAGetLastError() != ERROR_OPERATION_ABORTED) FAIL(69);
        if (WSAGetOverlappedResult(server, &xov, &n, FALSE, &flags) != FALSE || WSAGetLastError() != ERROR_OPERATION_ABORTED) FAIL(70);
        if (CancelIoEx((HANDLE) server, &xov) != FALSE || WSAGetLastError() != ERROR_NOT_FOUND) FAIL(71);
    }
    if (CancelIoEx((HANDLE) client, 0) != FALSE || WSAGetLastError() != ERROR_NOT_FOUND) FAIL(72);
    if (CancelIoEx((HANDLE) 0xDEAD0, 0) != FALSE || WSAGetLastError() != ERROR_INVALID_HANDLE) FAIL(73);
    if (CancelIoEx(port, 0) != FALSE || WSAGetLastError() != ERROR_INVALID_HANDLE) FAIL(74);
    if (CreateThread(0, 0, 0, 0, 0, 0) != 0 || WSAGetLastError() != ERROR_INVALID_PARAMETER) FAIL(75);
    if (CreateThread(0, 0, worker, &w, CREATE_SUSPENDED, 0) != 0 || WSAGetLastError() != ERROR_NOT_SUPPORTED) FAIL(76);

    /* WSAWaitForMultipleEvents on several: the lowest signalled, all of them, the Windows codes */
    WSAEVENT many[3] = { WSACreateEvent(), WSACreateEvent(), WSACreateEvent() };
    if (WSAWaitForMultipleEvents(3, many, FALSE, 0, FALSE) != WAIT_TIMEOUT) FAIL(80);
    if (!WSASetEvent(many[2]) || !WSASetEvent(many[1])) FAIL(81);
    if (WSAWaitForMultipleEvents(3, many, FALSE, 0, FALSE) != WSA_WAIT_EVENT_0 + 1) FAIL(82);
    if (WSAWaitForMultipleEvents(3, many, TRUE, 0, FALSE) != WAIT_TIMEOUT) FAIL(83);
    if (!WSASetEvent(many[0]) || WSAWaitForMultipleEvents(3, many, TRUE, 0, FALSE) != WSA_WAIT_EVENT_0) FAIL(84);
    WSAEVENT with_bad[2] = { many[0], (WSAEVENT) 0xDEAD0 };
    if (WSAWaitForMultipleEvents(2, with_bad, FALSE, 0, FALSE) != WSA_WAIT_FAILED || WSAGetLastError() != WSA_INVALID_HANDLE) FAIL(85);
    if (WSAWaitForMultipleEvents(65, many, FALSE, 0, FALSE) != WSA_WAIT_FAILED || WSAGetLastError() != WSA_INVALID_PARAMETER) FAIL(86);
    for (int i = 0; i < 3; i++) WSACloseEvent(many[i]);

    /* and the connection still works after all that */
    WSABUF again = { 10, out };
    if (WSASend(client, &again, 1, &n, 0, 0, 0) != 0 || n != 10) FAIL(50);

    if (run->base_alone) {
        /* FILE_SKIP_COMPLETION_PORT_ON_SUCCESS: a send that succeeds at once queues no packet */
        if (!SetFileCompletionNotificationModes((HANDLE) server, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)) FAIL(32);
        WSAOVERLAPPED kov;
        memset(&kov, 0, sizeof kov);
        WSABUF kbuf = { 10, in };
        if (WSASend(server, &kbuf, 1, &n, 0, &kov, 0) != 0 || n != 10) FAIL(33);
        if (GetQueuedCompletionStatus(port, &bytes, &key, &done, 0) != FALSE || done != 0) FAIL(34);
    }

done:
    if (client != INVALID_SOCKET) closesocket(client);
    if (server != INVALID_SOCKET) closesocket(server);
    if (listener != INVALID_SOCKET) closesocket(listener);
    if (port) CloseHandle(port);
    if (event) WSACloseEvent(event);
    WSACleanup();
    return 0;
}

int win_programs_run_size(void) { return sizeof(RUN); }

/* Runs the program on its own pthread and joins it; 0 when the thread ran. */
int win_programs_run(RUN *run) {
    pthread_t t;
    if (pthread_create(&t, 0, program, run) != 0) return -1;
    return pthread_join(t, 0);
}
