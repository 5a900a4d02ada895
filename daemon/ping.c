/* SPDX-License-Identifier: MIT */
/* ping: signal the daemon named by its state file, then re-read that file until its
 * "pong" moves. Only the state file's reader and kill(2): no netlink, no sysctl. */
#define _GNU_SOURCE
#include "ping.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "state.h"

static usec_t now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

int ping_daemon(const char *runtime_dir, usec_t timeout, FILE *out) {
        const char *dir = runtime_dir ?: STATE_RUNTIME_DIR_DEFAULT;
        DaemonState *s = NULL;
        char *why = NULL;
        usec_t start, before;
        pid_t pid;
        int r;

        r = state_load_running(dir, &s, &why);
        if (r <= 0) {
                fprintf(out, "%s: %s\n", r < 0 ? "unknown" : "not running", why ?: strerror(-r));
                free(why);
                return r < 0 ? 2 : 1;
        }
        pid = s->pid;
        before = s->pong;
        s = daemon_state_free(s);

        start = now_usec();
        if (kill(pid, SIGUSR1) < 0) {
                fprintf(out, "not running: cannot signal rpfguard PID %d: %s\n", (int) pid, strerror(errno));
                return 1;
        }
        /* The daemon answers from its loop by rewriting the file; a loop that is stuck
         * (a system call that never returns, a bug) never does. */
        while (now_usec() - start < timeout) {
                struct timespec pause = { .tv_nsec = 20L * 1000 * 1000 };

                (void) nanosleep(&pause, NULL);
                r = state_load_running(dir, &s, &why);
                if (r <= 0) {
                        fprintf(out, "%s: %s\n", r < 0 ? "unknown" : "not running", why ?: strerror(-r));
                        free(why);
                        return r < 0 ? 2 : 1;
                }
                free(why);
                why = NULL;
                if (s->pid == pid && s->pong != before) {
                        fprintf(out, "alive: rpfguard PID %d answered in %.1f ms\n", (int) pid,
                                (double) (now_usec() - start) / 1000.0);
                        daemon_state_free(s);
                        return 0;
                }
                s = daemon_state_free(s);
        }
        fprintf(out, "not responding: rpfguard PID %d did not answer within %llu s\n", (int) pid,
                (unsigned long long) (timeout / USEC_PER_SEC));
        return 1;
}
