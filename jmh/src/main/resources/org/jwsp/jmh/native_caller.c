/*
 * native_caller: times a provider's lpWSPSend as a C program calls it, from one pthread the JVM
 * did not start. Two callees share one connection: jwsp's lpWSPSend on jwsp's socket (jwsp's
 * Java WSPSend, then the base provider's) and the base provider's lpWSPSend on the base socket
 * under it (SIO_BASE_HANDLE), so both send on the same TCP connection to the same drain. Rounds
 * alternate between the two, each `iterations` blocking sends, in pairs whose order alternates too
 * (jwsp then base, base then jwsp, ...), so a drift in the machine's load falls on both alike and
 * neither always runs first; the Java side takes medians.
 */
#include <pthread.h>
#include <stdint.h>
#include <time.h>

typedef int (*WSPSEND)(uint64_t s, void *buffers, uint32_t count, uint32_t *sent, uint32_t flags,
                       void *overlapped, void *routine, void *thread_id, int *error);

typedef struct {
    WSPSEND send[2];      /* [0] jwsp's, [1] the base provider's */
    uint64_t socket[2];   /* jwsp's socket, the base socket under it */
    void *buffers;
    uint32_t count;
    uint32_t expected;
    long iterations;      /* per round */
    long rounds;          /* per callee: 2 * rounds rounds in all, after one warm-up round each */
    long long *nanos;     /* out: [rounds][2] wall time of each round */
    int failed_at;        /* out: -1, or the round that failed (callee in failed_callee) */
    int error;            /* out: its WSAE code, or -1 for a short count */
    int failed_callee;
    int reserved;
} JOB;

static long long round_nanos(JOB *job, int callee, int *failed) {
    uint32_t sent = 0;
    int error = 0;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < job->iterations; i++) {
        if (job->send[callee](job->socket[callee], job->buffers, job->count, &sent, 0, 0, 0, 0, &error) != 0) {
            job->error = error;
            *failed = 1;
            break;
        }
        if (sent != job->expected) {
            job->error = -1;
            *failed = 1;
            break;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    return (end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec);
}

static void *run(void *arg) {
    JOB *job = arg;
    job->failed_at = -1;
    for (long r = -1; r < job->rounds; r++) { /* round -1 warms up (and attaches the pthread at its first upcall) */
        for (int k = 0; k < 2; k++) {
            int callee = (r & 1) ? 1 - k : k; /* odd rounds: the base first */
            int failed = 0;
            long long n = round_nanos(job, callee, &failed);
            if (failed) {
                job->failed_at = (int) r;
                job->failed_callee = callee;
                return 0;
            }
            if (r >= 0) {
                job->nanos[r * 2 + callee] = n;
            }
        }
    }
    return 0;
}

/* Runs the job on a new pthread and waits for it; 0, or the pthread error. */
int native_caller_run(JOB *job) {
    pthread_t t;
    int e = pthread_create(&t, 0, run, job);
    if (e != 0) {
        return e;
    }
    return pthread_join(t, 0);
}

int native_caller_job_size(void) {
    return (int) sizeof(JOB);
}

/*
 * The cross-check of the harness: a plain C sender, no JVM on its path, one sendmsg(2) per call
 * on a connected Linux socket to the same kind of drain process as every benchmark, timed in C
 * on its own pthread. Its calls per second are what JMH's ffmSendmsg should measure too (FFM
 * adds a downcall of a few ns): if they disagree, the harness measures itself, not the senders.
 */
#include <sys/socket.h>

typedef struct {
    int fd;
    int reserved;
    const struct msghdr *message;
    long expected;        /* bytes per call */
    long iterations;      /* per round */
    long rounds;
    long long *nanos;     /* out: [rounds] */
    int failed_at;        /* out: -1, or the round whose sendmsg failed or was short */
    int reserved2;
} PLAIN_JOB;

static void *run_plain(void *arg) {
    PLAIN_JOB *job = arg;
    job->failed_at = -1;
    for (long r = -1; r < job->rounds; r++) { /* round -1 warms up */
        struct timespec start, end;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (long i = 0; i < job->iterations; i++) {
            if (sendmsg(job->fd, job->message, MSG_NOSIGNAL) != job->expected) {
                job->failed_at = (int) r;
                return 0;
            }
        }
        clock_gettime(CLOCK_MONOTONIC, &end);
        if (r >= 0) {
            job->nanos[r] = (end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec);
        }
    }
    return 0;
}

int plain_sendmsg_run(PLAIN_JOB *job) {
    pthread_t t;
    int e = pthread_create(&t, 0, run_plain, job);
    if (e != 0) {
        return e;
    }
    return pthread_join(t, 0);
}

int plain_sendmsg_job_size(void) {
    return (int) sizeof(PLAIN_JOB);
}
