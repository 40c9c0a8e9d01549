/*
 * Connections of the native send stress and the faults on them: a thread takes the connection a
 * shared socket is now (counted in its users while it calls), and, seeded, closes it and opens
 * its successor (jwsp's most recently freed slot is taken again while sends on the old handle may
 * still be inside jwsp) or has its peer reset it (SO_LINGER 0). Sends that did not end with
 * their 16 bytes are logged for the verifier, each with the code its caller was given.
 *
 * Handle values: a program that calls with a handle after closing it is wrong on Windows too,
 * where the value may name another socket by then. The driver still races its sends against the
 * close (that is jwsp's slot reuse under test) but never lets the host's reissue of a value pass
 * for jwsp's misdelivery: a thread counts itself in CONN.users before it calls and takes only a
 * connection not yet marked closed; the opener marks CONN_CLOSED before closesocket and, after
 * opening, compares the new value with every closed connection that still has users. A match (the
 * host did give the value again) is parked, never shared, and named in alias_of, so the verifier
 * can tell the program's bug from jwsp's. The Linux host tags its handles with a 20-bit
 * generation per slot, so a match needs 2^20 reuses of one slot; the run reports how many.
 */
#include <sched.h>
#include <stdio.h>

#include "stress.h"

static pthread_mutex_t faults = PTHREAD_MUTEX_INITIALIZER;

int64_t conn_take(WORKER *w, int k) {
    JOB *job = w->job;
    for (int tries = 0;; tries++) {
        int64_t c = __atomic_load_n(&job->shared[k], __ATOMIC_ACQUIRE);
        CONN *conn = &job->conns[c];
        __atomic_add_fetch(&conn->users, 1, __ATOMIC_SEQ_CST);
        if (!(__atomic_load_n(&conn->state, __ATOMIC_SEQ_CST) & CONN_CLOSED)) {
            return c;
        }
        __atomic_sub_fetch(&conn->users, 1, __ATOMIC_SEQ_CST);
        /* its successor is being opened: wait for it (the opener holds no lock a sender needs) */
        if (tries % 64 == 63) {
            sched_yield();
        }
    }
}

void conn_leave(JOB *job, int64_t c) {
    __atomic_sub_fetch(&job->conns[c].users, 1, __ATOMIC_SEQ_CST);
}

/*
 * Whether a send on connection c may end with code: at the call (refused, nothing initiated) or
 * as its completion. The seed (LPWSPSEND) lists each; which one depends on the fault.
 */
int send_allowed_error(JOB *job, int64_t c, int code, int kind_at_call) {
    int state = __atomic_load_n(&job->conns[c].state, __ATOMIC_SEQ_CST);
    int faulted = state & (CONN_CLOSED | CONN_RESET);
    switch (code) {
    case WSA_OPERATION_ABORTED: /* SIO_FLUSH or close; a blocking send returns it at the call */
        return (kind_at_call < 0 || kind_at_call == BLOCKING) && (job->flush_per_mille > 0 || faulted);
    case WSAENOTSOCK: /* a call on a handle already closed */
        return kind_at_call >= 0 && (state & CONN_CLOSED);
    case 10004: /* WSAEINTR: a blocking send its socket's close cut short (send()'s list has it; LPWSPSEND's not) */
        return kind_at_call == BLOCKING && (state & CONN_CLOSED);
    case 10053: /* WSAECONNABORTED: a later send of a socket whose stream broke */
    case 10054: /* WSAECONNRESET */
    case 10052: /* WSAENETRESET */
    case 10058: /* WSAESHUTDOWN */
    case 10057: /* WSAENOTCONN */
        return (state & CONN_RESET) != 0;
    default:
        return 0;
    }
}

void log_failure(WORKER *w, const RECORD *rec, int code) {
    JOB *job = w->job;
    int64_t at = __atomic_fetch_add(&job->failure_count, 1, __ATOMIC_RELAXED);
    if (at >= job->failure_capacity) {
        stress_fail(job, "more than %lld failed sends: raise the failure log", (long long) job->failure_capacity);
        return;
    }
    job->failures[at] = (FAILURE) { rec->conn, rec->thread, rec->seq, (uint32_t) code };
}

/* Opens connection number conn_count (not yet shared); returns it, or -1. Under the fault lock. */
static int64_t open_next(JOB *job) {
    for (;;) {
        int64_t id = job->conn_count;
        if (id >= job->conn_capacity) {
            return -1;
        }
        int64_t h = job->open_conn(id);
        if (h == -1) {
            stress_fail(job, "could not open connection %lld", (long long) id);
            return -1;
        }
        job->conns[id].handle = (SOCKET) h;
        job->conn_count = id + 1;
        int64_t clash = -1;
        for (int64_t c = 0; c < id; c++) {
            CONN *old = &job->conns[c];
            if (old->handle == (SOCKET) h && (__atomic_load_n(&old->state, __ATOMIC_SEQ_CST) & CONN_CLOSED)
                    && __atomic_load_n(&old->users, __ATOMIC_SEQ_CST) > 0) {
                clash = c;
            }
        }
        if (clash < 0) {
            port_associate(job, id);
            return id;
        }
        job->conns[id].state = CONN_PARKED;
        job->conns[id].alias_of = (int32_t) (clash + 1);
        job->collisions++;
    }
}

/* Closes shared socket k's connection if it is still old, and puts a new one in its place. */
static void replace_locked(JOB *job, int k, int64_t old) {
    if (job->shared[k] != old || job->conn_count >= job->conn_capacity) {
        return;
    }
    CONN *conn = &job->conns[old];
    __atomic_or_fetch(&conn->state, CONN_CLOSED, __ATOMIC_SEQ_CST);
    if (job->closesocket(conn->handle) != 0) {
        stress_fail(job, "closesocket of connection %lld failed: %d", (long long) old, job->last_error());
        return;
    }
    job->closes++;
    int64_t next = open_next(job);
    if (next >= 0) {
        __atomic_store_n(&job->shared[k], next, __ATOMIC_RELEASE);
    }
}

void conn_replace_if(JOB *job, int k, int64_t old) {
    pthread_mutex_lock(&faults);
    replace_locked(job, k, old);
    pthread_mutex_unlock(&faults);
}

/* Seeded, after a batch: a close and reopen, or a peer reset, of a random shared socket. Returns 1 if one ran. */
int conn_fault(WORKER *w) {
    JOB *job = w->job;
    uint32_t r = stress_next(&w->rng) % 1000;
    int k = (int) (stress_next(&w->rng) % (uint32_t) job->socket_count);
    if (r >= job->close_per_mille + job->reset_per_mille) {
        return 0;
    }
    pthread_mutex_lock(&faults);
    int64_t c = job->shared[k];
    if (r < job->close_per_mille) {
        replace_locked(job, k, c);
    } else if (!(job->conns[c].state & (CONN_RESET | CONN_CLOSED))) {
        __atomic_or_fetch(&job->conns[c].state, CONN_RESET, __ATOMIC_SEQ_CST);
        if (job->reset_conn(c) != 0) {
            stress_fail(job, "could not reset the peer of connection %lld", (long long) c);
        }
        job->resets++;
    }
    pthread_mutex_unlock(&faults);
    return 1;
}
