/*
 * drain: the receiving end of jwsp's benchmarks, in a process of its own, so that it never
 * competes with the senders inside the benchmark JVM (its threads, its safepoints, its CPU
 * accounting) and so that a reader can see from its own CPU figures that it had headroom.
 *
 *   drain            listens on 127.0.0.1 at a free port and prints "port <n>"; accepts one
 *                    connection, reads it to end of stream in reads of up to 1 MiB, then prints
 *                    "received <bytes> user_us <n> sys_us <n> wall_us <n>" and exits 0.
 *
 * Any failure: one line "drain: <what>: <strerror>" on stderr, exit 1. Loopback only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
    fprintf(stderr, "drain: %s: %s\n", what, strerror(errno));
    exit(1);
}

static long long micros(struct timeval t) { return (long long) t.tv_sec * 1000000 + t.tv_usec; }

int main(void) {
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0) die("socket");
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (bind(listener, (struct sockaddr *) &a, sizeof a) < 0) die("bind");
    if (listen(listener, 1) < 0) die("listen");
    if (getsockname(listener, (struct sockaddr *) &a, &len) < 0) die("getsockname");
    printf("port %d\n", ntohs(a.sin_port));
    fflush(stdout);

    /* Never outlive the JVM that started it: a drain left waiting here by a benchmark or a test
       that failed before it connected would hold that JVM's inherited stderr open, and a build
       waiting for the JVM's output to end would wait for ever. Once connected, the JVM's end
       closes the connection, and the read below ends. */
    pid_t parent = getppid();
    struct pollfd ready = {.fd = listener, .events = POLLIN};
    for (;;) {
        int n = poll(&ready, 1, 1000);
        if (n > 0) break;
        if (n < 0 && errno != EINTR) die("poll");
        if (getppid() != parent) {
            fprintf(stderr, "drain: the process that started it ended before it connected\n");
            return 1;
        }
    }
    int c;
    while ((c = accept4(listener, NULL, NULL, SOCK_CLOEXEC)) < 0) {
        if (errno != EINTR) die("accept");
    }
    close(listener);
    /* No SO_RCVLOWAT: a queue of tiny segments costs about 1 KiB of receive buffer each, so a low
       mark of even 16 KiB stalled 64-byte senders on a full window (6x fewer sends/s, measured);
       reads of up to 1 MiB already take whatever has arrived in one call. */

    static char buffer[1 << 20];
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    long long received = 0;
    for (;;) {
        ssize_t n = recv(c, buffer, sizeof buffer, 0);
        if (n > 0) {
            received += n;
        } else if (n == 0) {
            break;
        } else if (errno != EINTR) {
            die("recv");
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    long long wall = (end.tv_sec - start.tv_sec) * 1000000LL + (end.tv_nsec - start.tv_nsec) / 1000;
    printf("received %lld user_us %lld sys_us %lld wall_us %lld\n", received, micros(r.ru_utime),
           micros(r.ru_stime), wall);
    fflush(stdout);
    close(c);
    return 0;
}
