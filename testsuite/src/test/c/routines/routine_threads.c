/*
 * Threads the JVM did not start that leave a completion routine behind (issue 10, defect 10):
 * each pthread opens its WSATHREADID through the upcall table, sends one 16-byte record with a
 * completion routine through jwsp's lpWSPSend until a send completes at once (its routine's APC is
 * then queued before WSPSend returns), and then either ends without an alertable wait (the APC
 * never runs) or waits until the test lets it run its APCs (after WSPCleanup, say). Sends that
 * pended on the way are waited for alertably, so only the last one is left behind.
 *
 * Built by RoutineThreadLifeTest: gcc -shared -fPIC -O2 -o target/libroutine_threads.so routine_threads.c -lpthread
 * Structures are the Windows x64 ones (LLP64).
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "../include/wsp_x64.h"

/* One thread's job, laid out by the test (checked with routine_thread_size). */
typedef struct {
    const PROCS *procs;
    const UPCALLS *upcalls;
    DWORD (*sleep_ex)(DWORD, int);
    SOCKET socket;
    int wait_for_go;          /* 0: end right after the send at once; 1: wait for routine_thread_go, then SleepEx alertably */
    int sends;                /* results: sends made, the last of them at once */
    int failed;               /* a send refused: its error */
    int routine_calls;        /* routines run on this thread */
    DWORD last_error, last_bytes; /* the last routine's arguments */
    WSATHREADID self;         /* closed by routine_thread_close_id (as ws2_32 would, later) */
    OVERLAPPED ov[64];
    char record[16];
    WSABUF buf;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int sent, go;
} ROUTINE_THREAD;

static __thread ROUTINE_THREAD *current;

static void completion(DWORD error, DWORD bytes, OVERLAPPED *ov, DWORD flags) {
    (void) ov;
    (void) flags;
    current->routine_calls++;
    current->last_error = error;
    current->last_bytes = bytes;
}

static void *run(void *arg) {
    ROUTINE_THREAD *t = arg;
    int err = 0;
    current = t;
    if (t->upcalls->OpenCurrentThread(&t->self, &err) != 0) {
        t->failed = err;
        goto out;
    }
    memcpy(t->record, "left-behind-rec!", 16);
    t->buf.len = 16;
    t->buf.buf = t->record;
    for (int i = 0; i < 64; i++) {
        DWORD sent = 0;
        int done_before = t->routine_calls;
        memset(&t->ov[i], 0, sizeof t->ov[i]);
        int rc = t->procs->Send(t->socket, &t->buf, 1, &sent, 0, &t->ov[i], completion, &t->self, &err);
        t->sends++;
        if (rc == 0) {
            break; /* at once: the routine's APC is queued */
        }
        if (err != 997 /* WSA_IO_PENDING */) {
            t->failed = err;
            break;
        }
        while (t->routine_calls == done_before) {
            t->sleep_ex(0xFFFFFFFF, 1);
        }
    }
out:
    pthread_mutex_lock(&t->lock);
    t->sent = 1;
    pthread_cond_broadcast(&t->cond);
    while (t->wait_for_go && !t->go) {
        pthread_cond_wait(&t->cond, &t->lock);
    }
    pthread_mutex_unlock(&t->lock);
    if (t->wait_for_go) {
        t->sleep_ex(0, 1); /* runs what is queued to this thread */
    }
    return 0;
}

/* Starts the thread; returns once its last send completed at once (or failed). */
int routine_thread_start(ROUTINE_THREAD *t) {
    pthread_mutex_init(&t->lock, 0);
    pthread_cond_init(&t->cond, 0);
    if (pthread_create(&t->thread, 0, run, t) != 0) {
        return -1;
    }
    pthread_mutex_lock(&t->lock);
    while (!t->sent) {
        pthread_cond_wait(&t->cond, &t->lock);
    }
    pthread_mutex_unlock(&t->lock);
    return 0;
}

/* Lets a thread started with wait_for_go run its APCs, and waits until it has ended. */
int routine_thread_go_and_join(ROUTINE_THREAD *t) {
    pthread_mutex_lock(&t->lock);
    t->go = 1;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
    return pthread_join(t->thread, 0);
}

/* Closes the thread's WSATHREADID through the upcall table (any thread). */
int routine_thread_close_id(ROUTINE_THREAD *t) {
    int err = 0;
    return t->upcalls->CloseThread(&t->self, &err) == 0 ? 0 : err;
}

int routine_thread_size(void) {
    return (int) sizeof(ROUTINE_THREAD);
}

int routine_thread_offset(int field) {
    switch (field) {
        case 0: return (int) __builtin_offsetof(ROUTINE_THREAD, socket);
        case 1: return (int) __builtin_offsetof(ROUTINE_THREAD, wait_for_go);
        case 2: return (int) __builtin_offsetof(ROUTINE_THREAD, sends);
        case 3: return (int) __builtin_offsetof(ROUTINE_THREAD, failed);
        case 4: return (int) __builtin_offsetof(ROUTINE_THREAD, routine_calls);
        case 5: return (int) __builtin_offsetof(ROUTINE_THREAD, last_error);
        case 6: return (int) __builtin_offsetof(ROUTINE_THREAD, last_bytes);
        default: return -1;
    }
}
