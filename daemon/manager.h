/* SPDX-License-Identifier: MIT */
/* manager: owns the event loop, the running Config and the interface table; decides
 * and writes rp_filter, counts corrections, backs off from fights, talks to systemd. */
#pragma once

#include <stdbool.h>

#include "config.h"

typedef struct Manager Manager;

typedef struct ManagerOptions {
        const char *config_path;   /* re-read on SIGHUP */
        bool dry_run;              /* -n: report, never write (like mode = audit) */
        bool verbose;              /* -v: log_level = debug, whatever the file says */
        bool once;                 /* enforce once and return: no subscription, no loop */
        int netlink_rcvbuf;        /* bytes; 0 = default (tests shrink it) */
} ManagerOptions;

/* Takes ownership of CONFIG (also on failure). */
int manager_new(Config *config, const ManagerOptions *options, Manager **ret);
Manager *manager_free(Manager *m);

/* Subscribe, then enforce all, default and every current interface. */
int manager_start(Manager *m);

/* Run until SIGTERM/SIGINT: returns 0, or -errno on a failure the daemon cannot
 * survive. */
int manager_run(Manager *m);

/* For --once: how many interfaces were looked at and how many values changed
 * (or, in dry-run/audit, would have). */
void manager_get_counts(const Manager *m, unsigned *ret_interfaces, unsigned *ret_changes);
