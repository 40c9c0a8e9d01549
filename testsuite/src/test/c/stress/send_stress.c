/*
 * Native send stress for jwsp: pthreads the JVM did not start share a set of connected jwsp
 * sockets and send 16-byte records stamped (socket, thread, sequence) through jwsp's WSPPROC_TABLE
 * pointer, mixing blocking sends with batches of overlapped sends that complete either by routines
 * run as APCs in the thread's alertable SleepEx or by the OVERLAPPED's event (the host's
 * WSAWaitForMultipleEvents, then Internal/InternalHigh read once per send). Seeded, the one fault
 * injected so far: SIO_FLUSH (WSPIoctl) on a random shared socket; a send it aborts ends with
 * WSA_OPERATION_ABORTED and no bytes, and is marked in job->aborted for the verifier. The Java side (NativeSendStressTest) verifies every
 * peer's stream; this side counts what it sent and checks every completion.
 *
 * Built by the test: gcc -shared -fPIC -O2 -o target/libsend_stress.so send_stress.c -lpthread
 * Structures are the Windows x64 ones (LLP64).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../include/wsp_x64.h"

/* The job, laid out by the test (checked with send_stress_job_size). */
typedef struct {
    const PROCS *procs;
    const UPCALLS *upcalls;
    DWORD (*sleep_ex)(DWORD, int);
    const SOCKET *sockets;
    int64_t *sent;            /* [threads * socket_count]: records each thread sent on each socket */
    int socket_count;
    int threads;
    int64_t sends_per_thread;
    uint32_t seed;
    /* results */
    int failed;               /* threads that stopped on an error */
    int last_error;
    int64_t routine_calls;
    int64_t bad_completions;  /* a routine or event completion with an error, a wrong count, or a second one for one send */
    /* event sends: the host's ws2_32 exports */
    void *(*create_event)(void);
    int (*reset_event)(void *);
    int (*close_event)(void *);
    DWORD (*wait_events)(DWORD, void *const *, int, DWORD, int);
    int64_t event_completions; /* results: event sends seen complete, each once, 16 bytes, status 0 */
    /* the injected fault: SIO_FLUSH on a random shared socket after a send, flush_per_mille of them */
    uint32_t flush_per_mille;
    uint32_t reserved;
    uint8_t *aborted;          /* bit ((thread * socket_count + socket) * sends_per_thread + seq): ended WSA_OPERATION_ABORTED */
    int64_t flushes;           /* results */
    int64_t aborted_sends;
} JOB;

typedef struct { uint32_t socket, thread, seq, magic; } RECORD;
#define MAGIC 0x4A575350u
#define BATCH 8
#define WSA_OPERATION_ABORTED 995
#define SIO_FLUSH 0x28000004u /* _WSAIO(IOC_WS2, 4) */

struct worker;
typedef struct { OVERLAPPED ov; RECORD rec; WSABUF buf; struct worker *w; int done; } OP;
typedef struct worker {
    JOB *job;
    int index;
    uint32_t rng;
    uint32_t *seq;
    int pending;
    int64_t routine_calls, event_completions, flushes, aborted, bad;
    void *events[BATCH];
} WORKER;

static uint32_t next(uint32_t *x) { /* xorshift32 */
    *x ^= *x << 13; *x ^= *x >> 17; *x ^= *x << 5;
    return *x;
}

/* A send's end: 16 bytes sent, or aborted by SIO_FLUSH with none (marked for the verifier). */
static int ended(WORKER *w, const RECORD *rec, DWORD error, uint64_t bytes) {
    if (error == 0) {
        return bytes == sizeof(RECORD);
    }
    if (error != WSA_OPERATION_ABORTED || bytes != 0 || w->job->flush_per_mille == 0) {
        return 0;
    }
    JOB *job = w->job;
    uint64_t bit = ((uint64_t) rec->thread * (uint64_t) job->socket_count + rec->socket) * (uint64_t) job->sends_per_thread + rec->seq;
    __atomic_fetch_or(&job->aborted[bit >> 3], (uint8_t) (1u << (bit & 7)), __ATOMIC_RELAXED);
    w->aborted++;
    return 1;
}

static void completion(DWORD error, DWORD bytes, OVERLAPPED *ov, DWORD flags) {
    OP *op = (OP *) ov; /* the OVERLAPPED is the op's first field */
    (void) flags;
    if (op->done || !ended(op->w, &op->rec, error, bytes)) {
        op->w->bad++;
    }
    op->done = 1;
    op->w->routine_calls++;
    op->w->pending--;
}

static void stamp(WORKER *w, OP *op, int k) {
    op->rec.socket = (uint32_t) k;
    op->rec.thread = (uint32_t) w->index;
    op->rec.seq = w->seq[k]++;
    op->rec.magic = MAGIC;
    op->buf.len = sizeof(RECORD);
    op->buf.buf = (char *) &op->rec;
}

/* Waits for each of the first n event sends in call order and checks its OVERLAPPED once. */
static void wait_events(WORKER *w, OP *ops, int n) {
    for (int b = 0; b < n; b++) {
        if (w->job->wait_events(1, &w->events[b], 1, 0xFFFFFFFF, 0) != 0 /* WSA_WAIT_EVENT_0 */
                || ops[b].done || !ended(w, &ops[b].rec, (DWORD) ops[b].ov.Internal, ops[b].ov.InternalHigh)) {
            w->bad++;
        }
        ops[b].done = 1;
        w->event_completions++;
    }
}

static void *run(void *arg) {
    WORKER *w = (WORKER *) arg;
    JOB *job = w->job;
    int err = 0;
    WSATHREADID self;
    OP ops[BATCH];
    if (job->upcalls->OpenCurrentThread(&self, &err) != 0) {
        __atomic_add_fetch(&job->failed, 1, __ATOMIC_SEQ_CST);
        job->last_error = err;
        return 0;
    }
    int64_t done = 0;
    while (done < job->sends_per_thread) {
        uint32_t mode = next(&w->rng) % 5;
        if (mode == 0) { /* one blocking send: waits behind this socket's queued overlapped sends */
            int k = (int) (next(&w->rng) % (uint32_t) job->socket_count);
            OP op;
            memset(&op, 0, sizeof op);
            stamp(w, &op, k);
            DWORD sent = 0;
            if (job->procs->Send(job->sockets[k], &op.buf, 1, &sent, 0, 0, 0, 0, &err) != 0) {
                if (err != WSA_OPERATION_ABORTED || !ended(w, &op.rec, (DWORD) err, 0)) {
                    goto fail;
                }
            } else if (sent != sizeof(RECORD)) {
                goto fail;
            }
            job->sent[w->index * job->socket_count + k]++;
            done++;
            continue;
        }
        int events = mode == 1; /* else completion routines */
        /* a batch of overlapped sends, each on a random socket */
        int n = 1 + (int) (next(&w->rng) % BATCH);
        if (n > job->sends_per_thread - done) {
            n = (int) (job->sends_per_thread - done);
        }
        for (int b = 0; b < n; b++) {
            int k = (int) (next(&w->rng) % (uint32_t) job->socket_count);
            memset(&ops[b], 0, sizeof ops[b]);
            ops[b].w = w;
            stamp(w, &ops[b], k);
            DWORD sent = 0;
            if (events) {
                job->reset_event(w->events[b]);
                ops[b].ov.hEvent = w->events[b];
            }
            int rc = job->procs->Send(job->sockets[k], &ops[b].buf, 1, &sent, 0, &ops[b].ov, events ? 0 : completion, &self, &err);
            if (rc != 0 && err != 997 /* WSA_IO_PENDING */) {
                w->seq[k]--;
                /* nothing was initiated for this one: wait for those that were, then stop */
                if (events) {
                    wait_events(w, ops, b);
                }
                while (w->pending > 0) {
                    job->sleep_ex(0xFFFFFFFF, 1);
                }
                goto fail;
            }
            if (!events) {
                w->pending++;
            }
            job->sent[w->index * job->socket_count + k]++;
            done++;
            if (next(&w->rng) % 1000 < job->flush_per_mille) { /* the fault: flush a random shared socket */
                DWORD returned = 0;
                int f = (int) (next(&w->rng) % (uint32_t) job->socket_count);
                if (job->procs->Ioctl(job->sockets[f], SIO_FLUSH, 0, 0, 0, 0, &returned, 0, 0, 0, &err) != 0) {
                    if (events) {
                        wait_events(w, ops, b + 1);
                    }
                    while (w->pending > 0) {
                        job->sleep_ex(0xFFFFFFFF, 1);
                    }
                    goto fail;
                }
                w->flushes++;
            }
        }
        if (events) {
            wait_events(w, ops, n);
        }
        while (w->pending > 0) {
            job->sleep_ex(0xFFFFFFFF /* INFINITE */, 1);
        }
    }
    job->upcalls->CloseThread(&self, &err);
    return 0;
fail:
    __atomic_add_fetch(&job->failed, 1, __ATOMIC_SEQ_CST);
    job->last_error = err;
    job->upcalls->CloseThread(&self, &err);
    return 0;
}

/* Runs job->threads pthreads to the end; returns how many started. */
int send_stress_run(JOB *job) {
    pthread_t *threads = calloc((size_t) job->threads, sizeof(pthread_t));
    WORKER *workers = calloc((size_t) job->threads, sizeof(WORKER));
    int started = 0;
    for (int i = 0; i < job->threads; i++) {
        workers[i].job = job;
        workers[i].index = i;
        workers[i].rng = job->seed * 2654435761u + (uint32_t) i * 40503u + 1u;
        workers[i].seq = calloc((size_t) job->socket_count, sizeof(uint32_t));
        for (int b = 0; b < BATCH; b++) {
            workers[i].events[b] = job->create_event();
        }
        if (pthread_create(&threads[started], 0, run, &workers[i]) == 0) {
            started++;
        }
    }
    for (int i = 0; i < started; i++) {
        pthread_join(threads[i], 0);
    }
    for (int i = 0; i < job->threads; i++) {
        job->routine_calls += workers[i].routine_calls;
        job->event_completions += workers[i].event_completions;
        job->flushes += workers[i].flushes;
        job->aborted_sends += workers[i].aborted;
        job->bad_completions += workers[i].bad;
        free(workers[i].seq);
        for (int b = 0; b < BATCH; b++) {
            job->close_event(workers[i].events[b]);
        }
    }
    free(workers);
    free(threads);
    return started;
}

int send_stress_job_size(void) {
    return (int) sizeof(JOB);
}
