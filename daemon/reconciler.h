/* SPDX-License-Identifier: MIT */
/* reconciler: the event logic — the interface table, the one decision path, dumps and
 * resyncs, fight back-offs and write retries as deadlines. No event loop, no clock and
 * no sockets of its own: the manager (or the simulation, tests/sim) drives it. */
#pragma once

#include <stdbool.h>

#include "config.h"
#include "iface.h"
#include "log.h"
#include "netlink.h"

typedef struct Reconciler Reconciler;

typedef enum ResyncReason {
        RESYNC_OVERFLOW,    /* the kernel dropped notifications (ENOBUFS) */
        RESYNC_PERIODIC,    /* resync_interval */
        RESYNC_DUMP_FAILED, /* a link dump failed and is tried again */
        _RESYNC_REASON_MAX,
} ResyncReason;

const char *resync_reason_to_string(ResyncReason r);

/* What happened, for whoever counts (metrics) or checks (the simulation). */
typedef enum ReconcilerEventType {
        RECONCILER_CORRECTED,     /* rp_filter written: old -> new */
        RECONCILER_DRIFT,         /* a wrong value seen (corrected, or not in audit mode) */
        RECONCILER_FIGHT,         /* a back-off started, until .until */
        RECONCILER_WRITE_FAILED,  /* a write failed with .error; retried at .until */
        RECONCILER_RESYNC,        /* a full re-check for .reason */
        _RECONCILER_EVENT_MAX,
} ReconcilerEventType;

typedef struct ReconcilerEvent {
        ReconcilerEventType type;
        const Iface *iface;       /* NULL for RESYNC */
        int old_value, new_value;
        Trigger trigger;
        int error;                /* WRITE_FAILED: -errno */
        usec_t until;             /* FIGHT, WRITE_FAILED */
        usec_t latency;           /* CORRECTED: from the batch's arrival to the write done */
        ResyncReason reason;      /* RESYNC */
} ReconcilerEvent;

typedef struct ReconcilerHooks {
        usec_t (*now)(void *userdata);                       /* CLOCK_MONOTONIC */
        void (*changed)(void *userdata);                     /* a count, hold or error changed */
        void (*event)(void *userdata, const ReconcilerEvent *ev); /* may be NULL */
        /* Who set I's rp_filter to VALUE, for a change by another writer (writer
         * attribution); false when not known. May be NULL. */
        bool (*writer)(void *userdata, const Iface *i, int value, LogWriter *ret);
} ReconcilerHooks;

typedef struct ReconcilerOptions {
        bool dry_run;   /* -n: report, never write (like mode = audit) */
        bool once;      /* --once: no fight bookkeeping, no retries; failures are counted */
} ReconcilerOptions;

typedef struct ReconcilerStats {
        unsigned n_managed;       /* interfaces with a rule that is not "ignore" */
        unsigned n_checked;       /* checks made (for --once) */
        unsigned n_changes;       /* corrections, or drifts seen when not writing */
        unsigned n_backoff;       /* held back from a fight now */
        unsigned n_write_errors;  /* failing to write now (retrying) */
        unsigned n_failed_writes; /* writes that failed so far (not vanished interfaces) */
        unsigned n_tracked;       /* interfaces known now, managed or not (not all/default) */
} ReconcilerStats;

/* CONFIG is taken over (also on failure). NETLINK and CONF_FD (net/ipv4/conf, see
 * sysctl_conf_open()) stay the caller's and must outlive the Reconciler. */
int reconciler_new(Config *config, const ReconcilerOptions *options, Netlink *netlink, int conf_fd,
                   const ReconcilerHooks *hooks, void *userdata, Reconciler **ret);
Reconciler *reconciler_free(Reconciler *r);

/* True when it writes: mode = enforce and not a dry run. */
bool reconciler_writes(const Reconciler *r);

/* Can rp_filter be written at all? Opens all's rp_filter for writing (and writes
 * nothing): 0, or the -errno (-EROFS, -EACCES, -EPERM) that makes the job impossible. */
int reconciler_probe(const Reconciler *r);

/* Enforce all and default, then ask for the first link dump; start-up is over when
 * reconciler_starting() turns false (events were lost meanwhile: dumped again). */
int reconciler_start(Reconciler *r);
bool reconciler_starting(const Reconciler *r);

/* The netlink sockets are readable: receive and handle everything queued. Returns
 * -errno only for a failure the daemon cannot survive. */
int reconciler_on_netlink(Reconciler *r);

/* The earliest deadline (a back-off's end, a retry), or USEC_INFINITY. */
usec_t reconciler_next_deadline(const Reconciler *r);
/* Handle every deadline that has passed. */
void reconciler_on_time(Reconciler *r);

/* Re-check everything: all, default, and a link dump. */
int reconciler_resync(Reconciler *r, ResyncReason reason);

/* Swap in CONFIG (taken over) and re-check every interface under it. Back-offs,
 * fight counts and retries belong to the old rules: forgotten. */
void reconciler_reload(Reconciler *r, Config *config);

const Config *reconciler_config(const Reconciler *r);
void reconciler_get_stats(const Reconciler *r, ReconcilerStats *ret);

/* Every tracked interface (not all/default); *state = 0 to start. */
bool reconciler_iterate(const Reconciler *r, size_t *state, const Iface **ret);
const Iface *reconciler_all(const Reconciler *r);
const Iface *reconciler_default(const Reconciler *r);
