/*
 * The native send stress's shared structures (send_stress.c, stress_conns.c, stress_port.c).
 * The JOB and CONN layouts are mirrored by NativeSendStressTest (every JOB field is 8 bytes, so
 * the Java layout is a plain list); the test checks both sizes against send_stress_job_size and
 * send_stress_conn_size.
 */
#ifndef JWSP_TEST_STRESS_H
#define JWSP_TEST_STRESS_H

#include <pthread.h>
#include <stdint.h>

#include "../include/wsp_x64.h"

/*
 * One connection: a jwsp client socket the threads send on, connected to a peer the Java side
 * verifies. Records name the connection (its index in JOB.conns), never a shared-socket index,
 * so a record of a closed connection arriving on its successor is caught.
 */
typedef struct {
    SOCKET handle;
    int32_t users;    /* threads between taking this connection and leaving their call on it */
    int32_t state;    /* CONN_* bits, set before the fault they name */
    int32_t alias_of; /* parked: 1 + the closed connection whose handle value the host gave it again */
    int32_t reserved;
} CONN;

#define CONN_CLOSED 1 /* the driver closed the handle (closesocket): later calls are refused */
#define CONN_RESET 2  /* the peer closed abortively (SO_LINGER 0): TCP may lose accepted bytes */
#define CONN_PARKED 4 /* never shared: its handle value is one a thread may still call with */

/* A send that did not end with its 16 bytes: (connection, thread, sequence) and the code its caller got. */
typedef struct { uint32_t conn, thread, seq, code; } FAILURE;

/* The job, laid out by the test; every field 8 bytes. */
typedef struct {
    /* jwsp and the host's exports */
    const PROCS *procs;
    const UPCALLS *upcalls;
    DWORD (*sleep_ex)(DWORD, int);
    void *(*create_event)(void);
    int (*reset_event)(void *);
    int (*close_event)(void *);
    DWORD (*wait_events)(DWORD, void *const *, int, DWORD, int);
    int64_t (*create_port)(int64_t, int64_t, int64_t, DWORD);
    int (*dequeue)(int64_t, void *, DWORD, DWORD *, DWORD, int);
    int (*post)(int64_t, DWORD, int64_t, OVERLAPPED *);
    int (*close_handle)(int64_t);
    int (*closesocket)(SOCKET); /* the test's ws2_32 closesocket (an upcall: the host's export serves a native WSAStartup's ws2_32) */
    /* the test's upcalls: a new connection numbered id (its client handle, or -1); the peer of id resets */
    int64_t (*open_conn)(int64_t);
    int (*reset_conn)(int64_t);
    /* connections */
    CONN *conns;
    int64_t conn_capacity;
    int64_t conn_count;        /* the first socket_count are made by the test before the run */
    int64_t *shared;           /* [socket_count]: the connection each shared socket is now */
    uint32_t *seqs;            /* [conn_capacity * threads]: records stamped per (connection, thread) */
    FAILURE *failures;
    int64_t failure_capacity;
    int64_t failure_count;
    /* the run */
    int64_t socket_count;
    int64_t threads;
    int64_t sends_per_thread;
    int64_t seed;
    int64_t flush_per_mille;   /* per overlapped send */
    int64_t close_per_mille;   /* per batch */
    int64_t reset_per_mille;   /* per batch */
    int64_t wait_ms;           /* the bound of every wait */
    int64_t reapers;
    char *message;             /* [256]: the first failure, in words */
    /* results */
    int64_t failed;
    int64_t routine_sends, event_sends, port_sends, blocking_sends;
    int64_t routine_calls, event_completions, port_completions;
    int64_t flushes, closes, resets, collisions;
    int64_t refused, aborted;  /* overlapped sends refused at the call; ended with an error after being accepted */
    int64_t bad_completions;
    int64_t blocking_failed;   /* blocking sends that returned an error */
    int (*last_error)(void);   /* WSAGetLastError of the same */
} JOB;

typedef struct { uint32_t conn, thread, seq, magic; } RECORD;
#define MAGIC 0x4A575350u
#define BATCH 8
#define WSA_IO_PENDING 997
#define WSA_OPERATION_ABORTED 995
#define WSAENOTSOCK 10038
#define SIO_FLUSH 0x28000004u /* _WSAIO(IOC_WS2, 4) */

enum { ROUTINE, EVENT, PORT, BLOCKING };

struct worker;
typedef struct {
    OVERLAPPED ov;            /* first: a routine or port packet gives back this address */
    RECORD rec;
    WSABUF buf;
    struct worker *w;
    int kind;
    int done;                 /* set once, atomically: a second completion is bad */
} OP;

typedef struct worker {
    JOB *job;
    uint32_t index;
    uint32_t rng;
    WSATHREADID self;
    pthread_t thread;         /* the routines of its sends must run on it */
    int pending;              /* routine sends not yet called back (this thread only) */
    int port_pending;         /* port sends not yet reaped; guarded by lock */
    pthread_mutex_t lock;
    pthread_cond_t reaped;
    int64_t counts[8];        /* per kind: sends; then routine calls, event completions */
    void *events[BATCH];
    OP ops[BLOCKING][BATCH];  /* per kind, so a late packet for one kind's OP never lands on another kind's */
} WORKER;

typedef struct { uint64_t key; OVERLAPPED *ov; uint64_t internal; DWORD bytes; DWORD pad; } OVERLAPPED_ENTRY;

uint32_t stress_next(uint32_t *x);
void stress_fail(JOB *job, const char *fmt, ...);
int64_t stress_now_ms(void);

/* stress_conns.c */
int64_t conn_take(WORKER *w, int k);
void conn_leave(JOB *job, int64_t c);
int send_allowed_error(JOB *job, int64_t c, int code, int at_call);
void log_failure(WORKER *w, const RECORD *rec, int code);
int conn_fault(WORKER *w);
void conn_replace_if(JOB *job, int k, int64_t old);

/* stress_port.c */
int port_start(JOB *job);
void port_associate(JOB *job, int64_t c);
int port_stop(JOB *job);
void port_sent(WORKER *w);
void port_unsent(WORKER *w);
int port_wait(WORKER *w);
int op_ended(WORKER *w, OP *op, DWORD error, uint64_t bytes);

#endif
