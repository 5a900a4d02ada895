/* SPDX-License-Identifier: MIT */
/* manager: the daemon around the reconciler — the sd-event loop, signals, reload,
 * the deadlines as one timer, the periodic resync, sd_notify() and STATUS=. */
#pragma once

#include <stdbool.h>

#include "config.h"

typedef struct Manager Manager;

typedef struct ManagerOptions {
        const char *config_path;   /* the main file, for messages */
        const ConfDirs *config_dirs; /* the main file and the drop-in directories: re-read on reload */
        const char *sysctl_root;   /* where net/ipv4/conf is: /proc/sys, or a container's mount */
        const char *sysctld_root;  /* where the sysctl.d directories are, for the warnings: "/" */
        bool dry_run;              /* -n: report, never write (like mode = audit) */
        bool verbose;              /* -v: log_level = debug, whatever the file says */
        bool once;                 /* enforce once and return: no subscription, no loop */
        int netlink_rcvbuf;        /* bytes; 0 = default (tests shrink it) */
        const char *runtime_dir;   /* where the state file goes; NULL: none */
        const char *attribution_cgroup; /* tests: attach the writer attribution there, not to the cgroup2 root */
} ManagerOptions;

/* Takes ownership of CONFIG (also on failure). */
int manager_new(Config *config, const ManagerOptions *options, Manager **ret);
Manager *manager_free(Manager *m);

/* Open the sockets (subscribed before the first dump), make sure rp_filter can be
 * written at all, then enforce all, default and every current interface. */
int manager_start(Manager *m);

/* Run until SIGTERM/SIGINT: returns 0, or -errno on a failure the daemon cannot
 * survive. */
int manager_run(Manager *m);

/* For --once: interfaces looked at, values changed (or, in dry-run/audit, that would
 * have been), and writes that failed for a reason other than a vanished interface. */
void manager_get_counts(const Manager *m, unsigned *ret_interfaces, unsigned *ret_changes, unsigned *ret_failed);
