/* SPDX-License-Identifier: MIT */
/* rpfbench-time: CLOCK_MONOTONIC for the bench script, in nanoseconds — the clock
 * rpfbench-listen stamps its records with.
 *   rpfbench-time now             print the time
 *   rpfbench-time run OUT CMD...  run CMD, then write "START END" (its exec and exit) to OUT */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "rtnl.h"

extern char **environ;

int main(int argc, char *argv[]) {
        int64_t start, end;
        int status;
        pid_t pid;
        FILE *out;

        if (argc == 2 && strcmp(argv[1], "now") == 0) {
                printf("%lld\n", (long long) mono_ns());
                return 0;
        }
        if (argc < 4 || strcmp(argv[1], "run") != 0) {
                fprintf(stderr, "usage: rpfbench-time now | rpfbench-time run OUT CMD [ARG...]\n");
                return 2;
        }
        start = mono_ns();
        if (posix_spawnp(&pid, argv[3], NULL, NULL, argv + 3, environ) != 0) {
                perror(argv[3]);
                return 127;
        }
        if (waitpid(pid, &status, 0) < 0)
                return 127;
        end = mono_ns();
        out = fopen(argv[2], "we");
        if (!out || fprintf(out, "%lld %lld\n", (long long) start, (long long) end) < 0 || fclose(out) != 0) {
                perror(argv[2]);
                return 127;
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
