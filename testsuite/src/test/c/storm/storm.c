/*
 * Signal storm: sends SIGPIPE to every thread of one process every 2 ms until it exits, then
 * prints how many it sent. HotSpot installs a handler that ignores SIGPIPE (with SA_RESTART), so
 * a JVM survives it, but every blocking call of every thread keeps being interrupted: a partial
 * send, an EINTR from poll, an io_uring_enter cut short. Used by .ci/signal-storm.sh.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: storm PID\n");
        return 2;
    }
    int pid = atoi(argv[1]);
    long sent = 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    for (;;) {
        DIR *tasks = opendir(path);
        if (tasks == NULL) {
            break; /* the process is gone */
        }
        struct dirent *e;
        while ((e = readdir(tasks)) != NULL) {
            int tid = atoi(e->d_name);
            if (tid > 0 && syscall(SYS_tgkill, pid, tid, SIGPIPE) == 0) {
                sent++;
            }
        }
        closedir(tasks);
        struct timespec pause = {0, 2000000};
        nanosleep(&pause, NULL);
    }
    printf("signal storm: %ld signals sent\n", sent);
    return 0;
}
