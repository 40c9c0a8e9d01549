/*
 * Native clients for the host's tests: pthreads the JVM did not start, calling a provider's
 * WSPPROC_TABLE through its function pointers exactly as ws2_32 would on Windows, and waiting
 * alertably (kernel32's SleepEx, found by the test through procAddress) so the completion routine
 * exported here runs on them as an APC.
 *
 * Built by the test with: gcc -shared -fPIC -O2 -o target/libhost_native_clients.so native_clients.c -lpthread
 * Structures are the Windows x64 ones (LLP64: DWORD = 32 bits, pointers and SOCKET = 64 bits).
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

typedef uint64_t SOCKET;
typedef uint32_t DWORD;
typedef struct { DWORD len; char *buf; } WSABUF;
typedef struct { uint64_t Internal; uint64_t InternalHigh; DWORD Offset; DWORD OffsetHigh; void *hEvent; } OVERLAPPED;
typedef struct { void *ThreadHandle; uint64_t Reserved; } WSATHREADID;
typedef void (*COMPLETION)(DWORD, DWORD, OVERLAPPED *, DWORD);

/* WSPPROC_TABLE: 30 pointers, in ws2spi.h's order. */
typedef struct {
    void *Accept, *AddressToString, *AsyncSelect, *Bind, *CancelBlockingCall, *Cleanup;
    int (*CloseSocket)(SOCKET, int *);
    int (*Connect)(SOCKET, const void *, int, void *, void *, void *, void *, int *);
    void *DuplicateSocket, *EnumNetworkEvents, *EventSelect, *GetOverlappedResult, *GetPeerName, *GetSockName,
         *GetSockOpt, *GetQOSByName, *Ioctl, *JoinLeaf, *Listen;
    int (*Recv)(SOCKET, WSABUF *, DWORD, DWORD *, DWORD *, OVERLAPPED *, COMPLETION, WSATHREADID *, int *);
    void *RecvDisconnect, *RecvFrom, *Select;
    int (*Send)(SOCKET, WSABUF *, DWORD, DWORD *, DWORD, OVERLAPPED *, COMPLETION, WSATHREADID *, int *);
    void *SendDisconnect, *SendTo, *SetSockOpt, *Shutdown;
    SOCKET (*Socket)(int, int, int, void *, unsigned, DWORD, int *);
    void *StringToAddress;
} PROCS;

/* WSPUPCALLTABLE: 15 pointers; only the thread entries are used here. */
typedef struct {
    void *CloseEvent, *CloseSocketHandle, *CreateEvent, *CreateSocketHandle, *FDIsSet, *GetProviderPath,
         *ModifyIFSHandle, *PostMessage, *QueryBlockingCallback, *QuerySocketHandleContext, *QueueApc,
         *ResetEvent, *SetEvent;
    int (*OpenCurrentThread)(WSATHREADID *, int *);
    int (*CloseThread)(WSATHREADID *, int *);
} UPCALLS;

typedef struct {
    const PROCS *procs;
    const UPCALLS *upcalls;
    DWORD (*sleep_ex)(DWORD, int);
    DWORD (*get_tid)(void);
    const void *address;
    int address_length;
    int af;
    int index;
    /* results, read by the test */
    DWORD tid;
    DWORD routine_tid;
    DWORD routine_error;
    DWORD routine_bytes;
    int routine_calls;
    int routine_calls_before_wait;
    int pending_error;
    DWORD sleep_result;
    int echo_ok;
    int failed_step;
    int last_error;
} JOB;

#define MESSAGE 64

/* The completion routine, exported: runs as an APC on the thread that issued the send. */
void native_clients_completion(DWORD error, DWORD bytes, OVERLAPPED *ov, DWORD flags) {
    JOB *job = (JOB *) ov->hEvent; /* with a completion routine, hEvent is the program's to use */
    (void) flags;
    job->routine_tid = job->get_tid();
    job->routine_error = error;
    job->routine_bytes = bytes;
    job->routine_calls++;
}

static void *client(void *arg) {
    JOB *job = (JOB *) arg;
    int err = 0;
    char out[2 * MESSAGE], in[2 * MESSAGE];
    job->tid = job->get_tid();
    memset(out, 'a' + job->index, sizeof out);
    SOCKET s = job->procs->Socket(job->af, 1 /* SOCK_STREAM */, 6 /* IPPROTO_TCP */, 0, 0, 1 /* WSA_FLAG_OVERLAPPED */, &err);
    if (s == (SOCKET) -1) { job->failed_step = 1; job->last_error = err; return 0; }
    if (job->procs->Connect(s, job->address, job->address_length, 0, 0, 0, 0, &err) != 0) {
        job->failed_step = 2; job->last_error = err; goto done;
    }
    WSABUF first = { MESSAGE, out };
    DWORD sent = 0;
    if (job->procs->Send(s, &first, 1, &sent, 0, 0, 0, 0, &err) != 0 || sent != MESSAGE) {
        job->failed_step = 3; job->last_error = err; goto done;
    }
    WSATHREADID self;
    if (job->upcalls->OpenCurrentThread(&self, &err) != 0) { job->failed_step = 4; job->last_error = err; goto done; }
    OVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    ov.hEvent = job;
    WSABUF second = { MESSAGE, out + MESSAGE };
    /* 0: it completed at once (its routine is queued all the same); -1 with WSA_IO_PENDING: it pends */
    int issued = job->procs->Send(s, &second, 1, 0, 0, &ov, native_clients_completion, &self, &err);
    if (issued != 0 && issued != -1) {
        job->failed_step = 5; goto close_thread;
    }
    job->pending_error = issued == 0 ? 0 : err;
    /* the echo of both messages proves the overlapped send went out; the routine must not have run yet */
    DWORD got = 0, total = 0, flags = 0;
    while (total < sizeof in) {
        WSABUF b = { (DWORD) (sizeof in - total), in + total };
        flags = 0;
        if (job->procs->Recv(s, &b, 1, &got, &flags, 0, 0, 0, &err) != 0 || got == 0) {
            job->failed_step = 6; job->last_error = err; goto close_thread;
        }
        total += got;
    }
    job->echo_ok = memcmp(in, out, sizeof in) == 0;
    job->routine_calls_before_wait = job->routine_calls;
    job->sleep_result = job->sleep_ex(0xFFFFFFFF /* INFINITE */, 1);
close_thread:
    job->upcalls->CloseThread(&self, &err);
done:
    job->procs->CloseSocket(s, &err);
    return 0;
}

/* Runs one client per job on its own pthread and joins them; returns how many threads started. */
int native_clients_run(JOB *jobs, int count) {
    pthread_t threads[64];
    int started = 0;
    for (int i = 0; i < count && i < 64; i++) {
        if (pthread_create(&threads[started], 0, client, &jobs[i]) == 0) {
            started++;
        }
    }
    for (int i = 0; i < started; i++) {
        pthread_join(threads[i], 0);
    }
    return started;
}

/* sizeof(JOB), so the test can check its layout of the struct. */
int native_clients_job_size(void) {
    return (int) sizeof(JOB);
}

/* ---- completions posted from a pthread: ws2_32's WPUCompleteOverlappedRequest, as a provider's
 * own completion thread calls it ---- */

typedef int (*WPU_COMPLETE)(SOCKET, OVERLAPPED *, DWORD, DWORD, int *);

typedef struct {
    WPU_COMPLETE complete;
    SOCKET s;
    OVERLAPPED *ovs;
    int count;
    int failures;
} COMPLETER;

static void *completer(void *arg) {
    COMPLETER *c = (COMPLETER *) arg;
    for (int i = 0; i < c->count; i++) {
        int err = 0;
        if (c->complete(c->s, &c->ovs[i], 0, (DWORD) i, &err) != 0) {
            c->failures++;
        }
    }
    return 0;
}

/* Completes ovs[0..count) in order (cbTransferred = i) on a new pthread, joins it; returns the
 * number of calls that failed, or -1 if the thread did not start. */
int native_clients_complete_in_order(WPU_COMPLETE complete, SOCKET s, OVERLAPPED *ovs, int count) {
    COMPLETER c = { complete, s, ovs, count, 0 };
    pthread_t thread;
    if (pthread_create(&thread, 0, completer, &c) != 0) {
        return -1;
    }
    pthread_join(thread, 0);
    return c.failures;
}
