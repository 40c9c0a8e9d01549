/*
 * Completion-port sends of the native stress: every connection's client handle is associated
 * with one host port (CreateIoCompletionPort, key = connection + 1), and dedicated reaper
 * pthreads dequeue it with GetQueuedCompletionStatusEx. Each packet must name a port send
 * (routine sends post none, event sends set the low bit of hEvent so they post none either),
 * carry its connection's key and the count in its OVERLAPPED, and come once: the reaper marks the
 * OP done atomically and counts it off its owner, who waits (bounded) for its own count to reach
 * zero. Reapers stop on sentinel packets (PostQueuedCompletionStatus with STOP_KEY); every wait
 * here is bounded by job->wait_ms, so a lost packet fails the run with a message, never hangs it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <time.h>

#include "stress.h"

#define STOP_KEY 0xFFFFFFFFFFFFFFFFull
#define MAX_REAPERS 8

static int64_t port;
static pthread_t reapers[MAX_REAPERS];
static int started;
static int64_t reaped[MAX_REAPERS];

static void deadline(JOB *job, struct timespec *at) {
    clock_gettime(CLOCK_REALTIME, at);
    at->tv_sec += job->wait_ms / 1000;
    at->tv_nsec += (job->wait_ms % 1000) * 1000000L;
    if (at->tv_nsec >= 1000000000L) {
        at->tv_sec++;
        at->tv_nsec -= 1000000000L;
    }
}

static void packet(JOB *job, const OVERLAPPED_ENTRY *e) {
    OP *op = (OP *) e->ov;
    WORKER *w = op->w;
    if (op->kind != PORT) {
        stress_fail(job, "a port packet for a %s send (thread %u, connection %u, record %u)",
                op->kind == EVENT ? "event (low bit set)" : "routine", op->rec.thread, op->rec.conn, op->rec.seq);
        __atomic_add_fetch(&job->bad_completions, 1, __ATOMIC_RELAXED);
        return;
    }
    if (__atomic_exchange_n(&op->done, 1, __ATOMIC_ACQ_REL)) {
        stress_fail(job, "a second port packet for thread %u, connection %u, record %u", op->rec.thread, op->rec.conn, op->rec.seq);
        __atomic_add_fetch(&job->bad_completions, 1, __ATOMIC_RELAXED);
        return;
    }
    if (e->key != (uint64_t) op->rec.conn + 1 || e->bytes != (DWORD) op->ov.InternalHigh
            || !op_ended(w, op, (DWORD) op->ov.Internal, e->bytes)) {
        stress_fail(job, "port packet key %llu, %u bytes, status %llu for thread %u, connection %u, record %u",
                (unsigned long long) e->key, e->bytes, (unsigned long long) op->ov.Internal, op->rec.thread, op->rec.conn, op->rec.seq);
        __atomic_add_fetch(&job->bad_completions, 1, __ATOMIC_RELAXED);
    }
    pthread_mutex_lock(&w->lock); /* after this the owner may reuse the OP */
    if (--w->port_pending == 0) {
        pthread_cond_signal(&w->reaped);
    }
    pthread_mutex_unlock(&w->lock);
}

static JOB *reaping;
static int stopping;

static void *reap(void *arg) {
    int index = (int) (intptr_t) arg;
    JOB *job = reaping;
    OVERLAPPED_ENTRY entries[16];
    for (;;) {
        DWORD n = 0;
        if (!job->dequeue(port, entries, 16, &n, 100, 0)) {
            if (__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
                return 0; /* its sentinel went to another reaper's batch: nothing is due any more */
            }
            continue;
        }
        int stop = 0;
        for (DWORD i = 0; i < n; i++) {
            if (entries[i].ov == 0 && entries[i].key == STOP_KEY) {
                stop = 1; /* one sentinel per reaper: finish this batch, then leave */
            } else if (entries[i].ov == 0) {
                stress_fail(job, "a port packet without an OVERLAPPED (key %llu)", (unsigned long long) entries[i].key);
            } else {
                packet(job, &entries[i]);
                reaped[index]++;
            }
        }
        if (stop) {
            return 0;
        }
    }
}

/* Makes the port, associates the connections made so far and starts the reapers; 0 if ports are off. */
int port_start(JOB *job) {
    if (job->reapers <= 0) {
        return 0;
    }
    reaping = job;
    stopping = 0;
    port = job->create_port(-1, 0, 0, 0);
    if (port == 0) {
        stress_fail(job, "CreateIoCompletionPort failed");
        return -1;
    }
    for (int64_t c = 0; c < job->conn_count; c++) {
        port_associate(job, c);
    }
    int want = job->reapers > MAX_REAPERS ? MAX_REAPERS : (int) job->reapers;
    for (started = 0; started < want; started++) {
        reaped[started] = 0;
        if (pthread_create(&reapers[started], 0, reap, (void *) (intptr_t) started) != 0) {
            break;
        }
    }
    return started;
}

void port_associate(JOB *job, int64_t c) {
    if (port != 0 && job->create_port((int64_t) job->conns[c].handle, port, c + 1, 0) != port) {
        stress_fail(job, "CreateIoCompletionPort could not associate connection %lld", (long long) c);
    }
}

/* Sentinels, then the reapers joined (bounded); port completions counted into the job. */
int port_stop(JOB *job) {
    if (port == 0) {
        return 1;
    }
    for (int i = 0; i < started; i++) {
        job->post(port, 0, (int64_t) STOP_KEY, 0);
    }
    __atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
    int ok = 1;
    for (int i = 0; i < started; i++) {
        struct timespec at;
        deadline(job, &at);
        if (pthread_timedjoin_np(reapers[i], 0, &at) != 0) {
            stress_fail(job, "reaper %d did not stop", i);
            ok = 0; /* left running: it only reads the port, closed below */
            continue;
        }
        job->port_completions += reaped[i];
    }
    job->close_handle(port);
    port = 0;
    return ok;
}

/* Before a port send is issued: one more packet due to this thread. */
void port_sent(WORKER *w) {
    pthread_mutex_lock(&w->lock);
    w->port_pending++;
    pthread_mutex_unlock(&w->lock);
}

/* A port send refused at the call: its packet is not due. */
void port_unsent(WORKER *w) {
    pthread_mutex_lock(&w->lock);
    w->port_pending--;
    pthread_mutex_unlock(&w->lock);
}

/* Waits until every port send of this thread was reaped; 0 (the run failed) after job->wait_ms. */
int port_wait(WORKER *w) {
    struct timespec at;
    deadline(w->job, &at);
    int ok = 1;
    pthread_mutex_lock(&w->lock);
    while (w->port_pending > 0) {
        if (pthread_cond_timedwait(&w->reaped, &w->lock, &at) == ETIMEDOUT) {
            stress_fail(w->job, "thread %u: %d port completions lost (none within %lld ms)", w->index, w->port_pending,
                    (long long) w->job->wait_ms);
            ok = 0;
            break;
        }
    }
    pthread_mutex_unlock(&w->lock);
    return ok;
}
