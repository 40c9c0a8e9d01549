/*
 * Native send stress for jwsp: pthreads the JVM did not start share a set of jwsp sockets and
 * send 16-byte records stamped (connection, thread, sequence) through jwsp's WSPPROC_TABLE
 * pointer, in batches of one kind at a time:
 *   - blocking: one synchronous send;
 *   - routine: 1-8 overlapped sends whose routines run as APCs in the thread's alertable SleepEx;
 *   - event: 1-8 overlapped sends with an event (the host's WSAWaitForMultipleEvents, then
 *     Internal/InternalHigh read once each, in call order); with ports on, the low bit of hEvent
 *     is set, so no packet may come for them;
 *   - port: 1-8 overlapped sends with neither, completed by packets on the host port every
 *     connection is associated with, reaped by dedicated pthreads (stress_port.c).
 * Faults, seeded: SIO_FLUSH of a random shared socket after an overlapped send; after a batch, a
 * close with reopen or a peer reset of a random shared socket (stress_conns.c). Every send that
 * did not end with its 16 bytes is logged with its code (job->failures) and every code is checked
 * against the fault that allows it; every wait is bounded (job->wait_ms) and a lost completion
 * fails the run with a message (job->message). The Java side (NativeSendStressTest) verifies each
 * peer's stream against the stamps and the log.
 *
 * Built by the test: gcc -shared -fPIC -O2 -o target/libsend_stress.so send_stress.c
 * stress_conns.c stress_port.c -lpthread. Structures are the Windows x64 ones (LLP64).
 */
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stress.h"

enum { SENT = 0, ROUTINE_CALLS = 4, EVENT_COMPLETIONS = 5 };

uint32_t stress_next(uint32_t *x) { /* xorshift32 */
    *x ^= *x << 13; *x ^= *x >> 17; *x ^= *x << 5;
    return *x;
}

int64_t stress_now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Counts a failure; the first one's words are kept for the test's message. */
void stress_fail(JOB *job, const char *fmt, ...) {
    if (__atomic_fetch_add(&job->failed, 1, __ATOMIC_SEQ_CST) == 0) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(job->message, 256, fmt, args);
        va_end(args);
    }
}

/*
 * An overlapped send's end, however indicated: its 16 bytes, or a code its connection's faults
 * allow (logged for the verifier) with no more bytes than the record, none unless the
 * connection was closed or reset (SIO_FLUSH aborts before anything went out).
 */
int op_ended(WORKER *w, OP *op, DWORD error, uint64_t bytes) {
    JOB *job = w->job;
    if (error == 0) {
        return bytes == sizeof(RECORD);
    }
    int state = __atomic_load_n(&job->conns[op->rec.conn].state, __ATOMIC_SEQ_CST);
    if (!send_allowed_error(job, op->rec.conn, (int) error, -1) || bytes > sizeof(RECORD)
            || (bytes != 0 && !(state & (CONN_CLOSED | CONN_RESET)))) {
        return 0;
    }
    log_failure(w, &op->rec, (int) error);
    __atomic_add_fetch(&job->aborted, 1, __ATOMIC_RELAXED);
    return 1;
}

static void completion(DWORD error, DWORD bytes, OVERLAPPED *ov, DWORD flags) {
    OP *op = (OP *) ov; /* the OVERLAPPED is the op's first field */
    (void) flags;
    if (op->kind != ROUTINE || op->done || !pthread_equal(pthread_self(), op->w->thread) || !op_ended(op->w, op, error, bytes)) {
        stress_fail(op->w->job, "routine: error %u, %u bytes, %s, %s for thread %u, connection %u, record %u", error, bytes,
                op->done ? "run twice" : "once", pthread_equal(pthread_self(), op->w->thread) ? "on its thread" : "on another thread",
                op->rec.thread, op->rec.conn, op->rec.seq);
        __atomic_add_fetch(&op->w->job->bad_completions, 1, __ATOMIC_RELAXED);
    }
    op->done = 1;
    op->w->counts[ROUTINE_CALLS]++;
    op->w->pending--;
}

static void stamp(WORKER *w, OP *op, int64_t c, int kind) {
    memset(op, 0, sizeof *op);
    op->w = w;
    op->kind = kind;
    op->rec.conn = (uint32_t) c;
    op->rec.thread = w->index;
    op->rec.seq = w->job->seqs[c * w->job->threads + w->index]++;
    op->rec.magic = MAGIC;
    op->buf.len = sizeof(RECORD);
    op->buf.buf = (char *) &op->rec;
}

/* Waits for each of the first n event sends in call order and checks its OVERLAPPED once. */
static int wait_events(WORKER *w, OP *ops, int n) {
    JOB *job = w->job;
    for (int b = 0; b < n; b++) {
        if (ops[b].done) { /* refused at the call: nothing to wait for */
            continue;
        }
        DWORD rc = job->wait_events(1, &w->events[b], 1, (DWORD) job->wait_ms, 0);
        if (rc != 0 /* WSA_WAIT_EVENT_0 */) {
            stress_fail(job, "thread %u: event send (connection %u, record %u) %s", w->index, ops[b].rec.conn, ops[b].rec.seq,
                    rc == 258 ? "not complete within the bound (lost)" : "wait failed");
            return 0;
        }
        if (!op_ended(w, &ops[b], (DWORD) ops[b].ov.Internal, ops[b].ov.InternalHigh)) {
            stress_fail(job, "event send: status %llu, %llu bytes (thread %u, connection %u, record %u)",
                    (unsigned long long) ops[b].ov.Internal, (unsigned long long) ops[b].ov.InternalHigh, w->index,
                    ops[b].rec.conn, ops[b].rec.seq);
            __atomic_add_fetch(&job->bad_completions, 1, __ATOMIC_RELAXED);
        }
        ops[b].done = 1;
        w->counts[EVENT_COMPLETIONS]++;
    }
    return 1;
}

static int wait_routines(WORKER *w) {
    int64_t until = stress_now_ms() + w->job->wait_ms;
    while (w->pending > 0) {
        if (stress_now_ms() > until) {
            stress_fail(w->job, "thread %u: %d completion routines not run within the bound (lost)", w->index, w->pending);
            return 0;
        }
        w->job->sleep_ex(100, 1);
    }
    return 1;
}

/* A send refused at the call: allowed for its connection's fault, logged; else the run fails. */
static void refused(WORKER *w, OP *op, int err, int kind) {
    if (!send_allowed_error(w->job, op->rec.conn, err, kind)) {
        stress_fail(w->job, "thread %u: a %d send on connection %u refused with %d", w->index, kind, op->rec.conn, err);
        return;
    }
    log_failure(w, &op->rec, err);
    __atomic_add_fetch(kind == BLOCKING ? &w->job->blocking_failed : &w->job->refused, 1, __ATOMIC_RELAXED);
}

/* SIO_FLUSH of a random shared socket (any thread's sends on it may be aborted). */
static void flush(WORKER *w) {
    JOB *job = w->job;
    int k = (int) (stress_next(&w->rng) % (uint32_t) job->socket_count);
    int64_t c = conn_take(w, k);
    DWORD returned = 0;
    int err = 0;
    if (job->procs->Ioctl(job->conns[c].handle, SIO_FLUSH, 0, 0, 0, 0, &returned, 0, 0, 0, &err) != 0
            && !(err == WSAENOTSOCK && (job->conns[c].state & CONN_CLOSED))) {
        stress_fail(job, "SIO_FLUSH on connection %lld: %d", (long long) c, err);
    }
    conn_leave(job, c);
    __atomic_add_fetch(&job->flushes, 1, __ATOMIC_RELAXED);
}

/* One batch of n sends of one kind; returns 0 if the run failed. */
static int batch(WORKER *w, int kind, int n) {
    JOB *job = w->job;
    OP blocking;
    OP *ops = kind == BLOCKING ? &blocking : w->ops[kind]; /* not on the stack: a reaper may still hold one if a wait gave up */
    int dead_k = -1;
    int64_t dead_c = -1;
    for (int b = 0; b < n; b++) {
        int k = (int) (stress_next(&w->rng) % (uint32_t) job->socket_count);
        int64_t c = conn_take(w, k);
        OP *op = &ops[b];
        stamp(w, op, c, kind);
        DWORD sent = 0;
        int err = 0;
        OVERLAPPED *ov = kind == BLOCKING ? 0 : &op->ov;
        if (kind == EVENT) {
            job->reset_event(w->events[b]);
            op->ov.hEvent = (void *) ((uintptr_t) w->events[b] | (job->reapers > 0 ? 1 : 0));
        } else if (kind == PORT) {
            port_sent(w);
        }
        int rc = job->procs->Send(job->conns[c].handle, &op->buf, 1, &sent, 0, ov, kind == ROUTINE ? completion : 0, &w->self, &err);
        conn_leave(job, c);
        w->counts[SENT + kind]++;
        if (rc == 0 && kind == BLOCKING && sent != sizeof(RECORD)) {
            stress_fail(job, "blocking send returned 0 with %u bytes", sent);
        } else if (rc != 0 && (kind == BLOCKING || err != WSA_IO_PENDING)) {
            refused(w, op, err, kind);
            op->done = 1;
            if (kind == PORT) {
                port_unsent(w);
            }
            if (job->conns[c].state & CONN_RESET) {
                dead_k = k;
                dead_c = c;
            }
        } else if (kind == ROUTINE) {
            w->pending++;
        }
        if (kind != BLOCKING && stress_next(&w->rng) % 1000 < job->flush_per_mille) {
            flush(w);
        }
    }
    int ok = (kind != EVENT || wait_events(w, ops, n)) && wait_routines(w) && (kind != PORT || port_wait(w));
    if (dead_k >= 0) { /* a send failed on a reset connection: replace it */
        conn_replace_if(job, dead_k, dead_c);
    }
    return ok;
}

static void *run(void *arg) {
    WORKER *w = (WORKER *) arg;
    JOB *job = w->job;
    int err = 0;
    w->thread = pthread_self();
    if (job->upcalls->OpenCurrentThread(&w->self, &err) != 0) {
        stress_fail(job, "WPUOpenCurrentThread: %d", err);
        return 0;
    }
    int64_t done = 0;
    while (done < job->sends_per_thread && __atomic_load_n(&job->failed, __ATOMIC_RELAXED) == 0) {
        uint32_t mode = stress_next(&w->rng) % 6;
        int kind = mode == 0 ? BLOCKING : mode == 1 ? EVENT : mode == 2 && job->reapers > 0 ? PORT : ROUTINE;
        int n = kind == BLOCKING ? 1 : 1 + (int) (stress_next(&w->rng) % BATCH);
        if (n > job->sends_per_thread - done) {
            n = (int) (job->sends_per_thread - done);
        }
        if (!batch(w, kind, n)) {
            break;
        }
        done += n;
        conn_fault(w);
    }
    job->upcalls->CloseThread(&w->self, &err);
    return 0;
}

/* Runs job->threads pthreads to the end; returns how many started. */
int send_stress_run(JOB *job) {
    pthread_t *threads = calloc((size_t) job->threads, sizeof(pthread_t));
    WORKER *workers = calloc((size_t) job->threads, sizeof(WORKER));
    int started = 0;
    if (port_start(job) < 0) {
        free(workers);
        free(threads);
        return 0;
    }
    for (int i = 0; i < job->threads; i++) {
        workers[i].job = job;
        workers[i].index = (uint32_t) i;
        workers[i].rng = (uint32_t) job->seed * 2654435761u + (uint32_t) i * 40503u + 1u;
        pthread_mutex_init(&workers[i].lock, 0);
        pthread_cond_init(&workers[i].reaped, 0);
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
    int reapers_stopped = port_stop(job);
    for (int i = 0; i < job->threads; i++) {
        job->routine_sends += workers[i].counts[SENT + ROUTINE];
        job->event_sends += workers[i].counts[SENT + EVENT];
        job->port_sends += workers[i].counts[SENT + PORT];
        job->blocking_sends += workers[i].counts[SENT + BLOCKING];
        job->routine_calls += workers[i].counts[ROUTINE_CALLS];
        job->event_completions += workers[i].counts[EVENT_COMPLETIONS];
        for (int b = 0; b < BATCH; b++) {
            job->close_event(workers[i].events[b]);
        }
        pthread_mutex_destroy(&workers[i].lock);
        pthread_cond_destroy(&workers[i].reaped);
    }
    if (reapers_stopped) { /* else a reaper left running may still read an OP */
        free(workers);
    }
    free(threads);
    return started;
}

int send_stress_job_size(void) {
    return (int) sizeof(JOB);
}

int send_stress_conn_size(void) {
    return (int) sizeof(CONN);
}
