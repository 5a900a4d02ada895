/* SPDX-License-Identifier: MIT */
/* metrics: rpfguard's counters and gauges in memory, rendered in the Prometheus text
 * exposition format (0.0.4) and written atomically. No clock, no logging, no timers. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"

/* Cardinality is bounded by construction: every label but `rule` and `interface` takes
 * its values from one of the fixed tables below; `rule` is bounded by the configuration,
 * `interface` by the short list the caller passes at render time (all, default and the
 * interfaces drifting, backing off or failing right now).
 *
 * Label values are escaped as the exposition format requires (backslash, double quote,
 * newline). Prometheus wants label values to be UTF-8, while interface names (and
 * patterns) are bytes, so a value is first made text, injectively, so that two names
 * never become one series: a backslash becomes the two characters `\\`, each byte that is
 * not part of well-formed UTF-8 (RFC 3629) and each control byte (0x00..0x1f, 0x7f)
 * becomes the four characters `\xNN` (lowercase hex), everything else stays as it is.
 * The interface "eth\xff" thus has the label value `eth\xff` (six characters), written
 * on the wire as interface="eth\\xff". */

typedef enum MetricsTrigger {
        METRICS_TRIGGER_STARTUP,
        METRICS_TRIGGER_LINK_NEW,
        METRICS_TRIGGER_LINK_RENAME,
        METRICS_TRIGGER_ADDR,
        METRICS_TRIGGER_NETCONF,
        METRICS_TRIGGER_RESYNC,
        METRICS_TRIGGER_RELOAD,
        METRICS_TRIGGER_RETRY,
        _METRICS_TRIGGER_MAX,
        _METRICS_TRIGGER_INVALID = -1,
} MetricsTrigger;

typedef enum MetricsResync {
        METRICS_RESYNC_OVERFLOW,
        METRICS_RESYNC_PERIODIC,
        METRICS_RESYNC_RELOAD,
        METRICS_RESYNC_DUMP_FAILED,
        _METRICS_RESYNC_MAX,
        _METRICS_RESYNC_INVALID = -1,
} MetricsResync;

/* The errno label of rpfguard_write_errors_total: the errors a write to rp_filter
 * meets in practice, and "other" for the rest. */
typedef enum MetricsErrno {
        METRICS_ERRNO_EACCES,
        METRICS_ERRNO_EPERM,
        METRICS_ERRNO_EROFS,
        METRICS_ERRNO_EIO,
        METRICS_ERRNO_EINVAL,
        METRICS_ERRNO_OTHER,
        _METRICS_ERRNO_MAX,
} MetricsErrno;

typedef enum MetricsIfState {
        METRICS_IF_OK,
        METRICS_IF_DRIFT,
        METRICS_IF_IGNORED,
        METRICS_IF_UNMANAGED,
        METRICS_IF_INEFFECTIVE,
        METRICS_IF_BACKOFF,
        METRICS_IF_ERROR,
        _METRICS_IF_STATE_MAX,
        _METRICS_IF_STATE_INVALID = -1,
} MetricsIfState;

/* Upper bounds of rpfguard_correction_latency_seconds, in microseconds: 10 µs to 10 ms
 * in 1-2.5-5 steps, then 25 ms, 100 ms, 1 s; +Inf is implicit (the last counter). */
#define METRICS_LATENCY_BOUNDS_USEC \
        { 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, 1000000 }
#define METRICS_LATENCY_BUCKETS 14 /* the 13 bounds above and +Inf */

typedef struct Metrics {
        /* Bumped by every change (a counter counted, a gauge set to a new value): the
         * caller writes the file when it differs from the one it last wrote. */
        uint64_t generation;

        uint64_t corrections;
        uint64_t drift_events[_METRICS_TRIGGER_MAX];
        uint64_t fights;
        uint64_t resyncs[_METRICS_RESYNC_MAX];
        uint64_t write_errors[_METRICS_ERRNO_MAX];

        /* Observations per bucket, not cumulative (rendering adds them up). */
        uint64_t latency[METRICS_LATENCY_BUCKETS];
        uint64_t latency_count;
        uint64_t latency_sum_usec;

        unsigned interfaces[_METRICS_IF_STATE_MAX];
        bool reload_successful;
        usec_t reload_success_realtime; /* CLOCK_REALTIME µs; 0: never */
        usec_t start_realtime;          /* CLOCK_REALTIME µs */
        usec_t resync_interval;         /* 0: purely event-driven */
} Metrics;

/* A rule of the configuration and the number of interfaces it manages now. */
typedef struct MetricsRule {
        const char *pattern;
        unsigned count;
} MetricsRule;

/* rp_filter of one interface; a value < 0 (unknown, not wanted) is left out. */
typedef struct MetricsRpFilter {
        const char *ifname;
        int current, wanted, effective;
} MetricsRpFilter;

/* At most this many rp_filter entries are rendered (3 series each), all and default
 * first as the caller lists them; rpfguard_rp_filter_omitted_interfaces counts the rest,
 * so that a node where hundreds of veths drift at once (audit mode) stays small. */
#define METRICS_RP_FILTER_MAX 32

/* What the caller passes at render time, besides the Metrics. */
typedef struct MetricsView {
        const char *version;
        const MetricsRule *rules;
        size_t n_rules;
        const MetricsRpFilter *rp_filter; /* all, default, then the troubled ones */
        size_t n_rp_filter;
} MetricsView;

/* Start afresh: every counter 0, the last reload not (yet) successful. */
void metrics_init(Metrics *m, usec_t start_realtime);

/* The hot path: O(1), no allocation, no system call. */
void metrics_count_correction(Metrics *m);
void metrics_count_drift(Metrics *m, MetricsTrigger t);
void metrics_count_fight(Metrics *m);
void metrics_count_resync(Metrics *m, MetricsResync r);
/* ERR is the errno of the failed write, positive or negative. */
void metrics_count_write_error(Metrics *m, int err);
/* From the kernel event's arrival to the completed write. */
void metrics_observe_latency(Metrics *m, usec_t usec);

/* Gauges: a new value bumps the generation, the same value does not. */
void metrics_set_interfaces(Metrics *m, MetricsIfState s, unsigned n);
void metrics_set_reload(Metrics *m, bool successful, usec_t now_realtime);
void metrics_set_resync_interval(Metrics *m, usec_t interval);
/* Something the view shows changed (a troubled interface's values, a rule's count). */
void metrics_touch(Metrics *m);

const char *metrics_trigger_to_string(MetricsTrigger t);
MetricsTrigger metrics_trigger_from_string(const char *s);
const char *metrics_resync_to_string(MetricsResync r);
const char *metrics_if_state_to_string(MetricsIfState s);
MetricsErrno metrics_errno_from_errno(int err);
const char *metrics_errno_to_string(MetricsErrno e);

/* The whole exposition, HELP and TYPE for every family, to F. Returns 0, or -EIO when F
 * reports an error. */
int metrics_render(const Metrics *m, const MetricsView *v, FILE *f);

/* Render to PATH atomically (write_file_atomic(): a hidden ".NAME.XXXXXX" beside it,
 * which node_exporter's textfile collector skips, as it does not end in ".prom"),
 * fully written, mode 0644, then renamed over PATH. Not fsync()ed: the file is meant for
 * /run, and a reader only ever sees the old or the new file complete. On failure the
 * temporary file is removed and PATH is untouched. Returns 0 or -errno. */
int metrics_write_file(const Metrics *m, const MetricsView *v, const char *path);
