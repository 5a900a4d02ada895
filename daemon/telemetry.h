/* SPDX-License-Identifier: MIT */
/* telemetry: the daemon's published numbers — the Prometheus metrics file and the state
 * document in its runtime directory — counted from the reconciler's events and written,
 * when something changed, at most once a second, never when idle. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "reconciler.h"

typedef struct Telemetry Telemetry;

typedef struct TelemetryOptions {
        const char *runtime_dir;  /* where state.json goes; NULL: no state file */
        int conf_fd;              /* net/ipv4/conf, for all's and default's values (kept by the caller) */
        bool dry_run;
} TelemetryOptions;

/* Nothing is written before telemetry_start(). */
int telemetry_new(const TelemetryOptions *options, Telemetry **ret);
/* Removes the files this process wrote (a clean exit: no daemon, nothing to show). */
Telemetry *telemetry_free(Telemetry *t);

/* The reconciler whose interfaces and configuration are published. */
void telemetry_set_reconciler(Telemetry *t, const Reconciler *r);
/* Write both files now and from then on from EVENT's loop, at most once a second. */
int telemetry_start(Telemetry *t, sd_event *event);

/* ReconcilerHooks.event: count it. O(1), no system call but a clock read for a correction. */
void telemetry_on_event(Telemetry *t, const ReconcilerEvent *ev);
/* Something may have changed (an interface came or went, a hold, a count): write once
 * the throttle allows. T may be NULL. */
void telemetry_changed(Telemetry *t);

/* A netlink batch was handled: if it changed the number of interfaces known (the
 * unmanaged ones come and go without any other sign), as telemetry_changed(). O(1). */
void telemetry_poke(Telemetry *t);

/* The configuration in force was loaded now (start-up, or a reload that succeeded), or a
 * reload was rejected at ORIGIN ("FILE:LINE"). */
void telemetry_config_loaded(Telemetry *t, bool reload);
void telemetry_config_rejected(Telemetry *t, const char *origin);

/* SIGUSR1 (rpfguard --ping): the event loop is turning — say so in the state file now,
 * with the time, whatever the throttle. */
void telemetry_ping(Telemetry *t);
