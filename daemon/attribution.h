/* SPDX-License-Identifier: MIT */
/* attribution: who wrote an rp_filter file — a cgroup/sysctl BPF program attached to
 * a cgroup2 directory reports each write; the last writer per interface is kept for
 * the log. Observes only: never denies a write, never decides anything. */
#pragma once

#include <stdbool.h>

#include "log.h"
#include "util.h"

typedef struct Attribution Attribution;

/* How long a write explains a change that is seen afterwards: the netconf that a
 * write sends is handled within milliseconds, unless the daemon was busy. */
#define ATTRIBUTION_MAX_AGE_USEC (5 * USEC_PER_SEC)

/* The cgroup2 hierarchy's root directory here: /sys/fs/cgroup on a unified host,
 * /sys/fs/cgroup/unified on a hybrid one; NULL when there is none. */
const char *attribution_default_cgroup(void);

/* Load the program and attach it to CGROUP_DIR (a cgroup2 directory; NULL: the
 * root, see attribution_default_cgroup()) so that it sees every process below it.
 * Writes by this process, and writes in other network namespaces, are left out in
 * the kernel. On failure -errno, and *RET_WHY says why in words (for the one notice
 * that attribution is off). */
int attribution_new(const char *cgroup_dir, Attribution **ret, const char **ret_why);
/* Detach and close. Accepts NULL. */
Attribution *attribution_free(Attribution *a);

/* Readable when writes were reported: for the event loop (EPOLLIN). */
int attribution_fd(const Attribution *a);
/* Take in every reported write; the writer's cgroup is turned into a unit now, while
 * the process most likely still exists. Returns the number of writes. */
int attribution_process(Attribution *a);

/* Who last wrote VALUE to IFNAME's rp_filter, within ATTRIBUTION_MAX_AGE_USEC of
 * NOW (CLOCK_MONOTONIC): the reports queued so far are taken in first, since the
 * netconf of a write can be handled before its report. Each write explains one
 * change: it is not returned twice. The strings in *RET stay valid until the next
 * call. */
bool attribution_lookup(Attribution *a, const char *ifname, int value, usec_t now, LogWriter *ret);
