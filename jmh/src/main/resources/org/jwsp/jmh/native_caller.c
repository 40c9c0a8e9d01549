/*
 * native_caller: times a provider's lpWSPSend as a C program calls it, from a pthread the JVM
 * did not start: the same blocking send, `iterations` times, on one socket. jwsp's benchmarks call
 * it with jwsp's proc-table entry and with the base provider's, so the difference is what the jwsp
 * layer costs a native caller per call.
 */
#include <pthread.h>
#include <stdint.h>
#include <time.h>

typedef int (*WSPSEND)(uint64_t s, void *buffers, uint32_t count, uint32_t *sent, uint32_t flags,
                       void *overlapped, void *routine, void *thread_id, int *error);

typedef struct {
    WSPSEND send;
    uint64_t socket;
    void *buffers;
    uint32_t count;
    uint32_t expected;
    long iterations;
    long long nanos;   /* out: wall time of all iterations */
    int failed_at;     /* out: -1, or the iteration that failed */
    int error;         /* out: its WSAE code, or -1 for a short count */
} JOB;

static void *run(void *arg) {
    JOB *job = arg;
    uint32_t sent = 0;
    int error = 0;
    struct timespec start, end;
    job->failed_at = -1;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < job->iterations; i++) {
        if (job->send(job->socket, job->buffers, job->count, &sent, 0, 0, 0, 0, &error) != 0) {
            job->failed_at = (int) i;
            job->error = error;
            break;
        }
        if (sent != job->expected) {
            job->failed_at = (int) i;
            job->error = -1;
            break;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    job->nanos = (end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec);
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
