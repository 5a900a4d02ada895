/* SPDX-License-Identifier: MIT */
/* status: --status — every interface with its rule, wanted, current and effective
 * value and its state, beside what the running daemon holds back, as a table or one
 * JSON document; --check — the same summed up in one line. Reads only, never writes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"

typedef struct StatusOptions {
        const char *sysctl_root;  /* NULL: /proc/sys */
        const char *runtime_dir;  /* the daemon's state.json is here; NULL: /run/rpfguard */
        bool json;
        char *const *names;       /* only these interfaces (all, default too); none: every one */
        size_t n_names;
} StatusOptions;

/* Print the report for the current network namespace to OUT. Returns the number of
 * entries shown in drift (>= 0), or -errno when the kernel could not be asked.
 * *RET_MISSING: how many of the names asked for are no interface (each said on stderr). */
int status_report(const Config *c, const StatusOptions *o, FILE *out, size_t *ret_missing);

/* --check, node-problem-detector's custom plugin protocol: one line on OUT and the exit
 * status — 0 compliant, 1 not (drift, a back-off from a fight, a failing write, or no
 * daemon while EXPECT_DAEMON), 2 unknown (the kernel's values or the daemon's state
 * cannot be read). */
int status_check(const Config *c, const StatusOptions *o, bool expect_daemon, FILE *out);
