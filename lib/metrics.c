/* SPDX-License-Identifier: MIT */
/* metrics: plain integers on the hot path; the text format and the file only when the
 * caller asks for them. Never logs; every failure is a -errno for the caller. */
#define _GNU_SOURCE
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "ifname.h"

static const usec_t latency_bounds[] = METRICS_LATENCY_BOUNDS_USEC;
/* The same bounds as Prometheus' clients print them (Go's strconv 'g' format). */
static const char *const latency_le[] = {
        "1e-05", "2.5e-05", "5e-05", "0.0001", "0.00025", "0.0005", "0.001",
        "0.0025", "0.005", "0.01", "0.025", "0.1", "1", "+Inf",
};
_Static_assert(ELEMENTSOF(latency_bounds) + 1 == METRICS_LATENCY_BUCKETS, "bounds and buckets");
_Static_assert(ELEMENTSOF(latency_le) == METRICS_LATENCY_BUCKETS, "bounds and their labels");

static const char *const trigger_names[_METRICS_TRIGGER_MAX] = {
        [METRICS_TRIGGER_STARTUP] = "startup",
        [METRICS_TRIGGER_LINK_NEW] = "link-new",
        [METRICS_TRIGGER_LINK_RENAME] = "link-rename",
        [METRICS_TRIGGER_ADDR] = "addr",
        [METRICS_TRIGGER_NETCONF] = "netconf",
        [METRICS_TRIGGER_RESYNC] = "resync",
        [METRICS_TRIGGER_RELOAD] = "reload",
        [METRICS_TRIGGER_RETRY] = "retry",
};

static const char *const resync_names[_METRICS_RESYNC_MAX] = {
        [METRICS_RESYNC_OVERFLOW] = "overflow",
        [METRICS_RESYNC_PERIODIC] = "periodic",
        [METRICS_RESYNC_RELOAD] = "reload",
        [METRICS_RESYNC_DUMP_FAILED] = "dump-failed",
};

static const char *const errno_names[_METRICS_ERRNO_MAX] = {
        [METRICS_ERRNO_EACCES] = "EACCES",
        [METRICS_ERRNO_EPERM] = "EPERM",
        [METRICS_ERRNO_EROFS] = "EROFS",
        [METRICS_ERRNO_EIO] = "EIO",
        [METRICS_ERRNO_EINVAL] = "EINVAL",
        [METRICS_ERRNO_OTHER] = "other",
};

static const char *const if_state_names[_METRICS_IF_STATE_MAX] = {
        [METRICS_IF_OK] = "ok",
        [METRICS_IF_DRIFT] = "drift",
        [METRICS_IF_IGNORED] = "ignored",
        [METRICS_IF_UNMANAGED] = "unmanaged",
        [METRICS_IF_INEFFECTIVE] = "ineffective",
        [METRICS_IF_BACKOFF] = "backoff",
        [METRICS_IF_ERROR] = "error",
};

const char *metrics_trigger_to_string(MetricsTrigger t) {
        return t >= 0 && t < _METRICS_TRIGGER_MAX ? trigger_names[t] : NULL;
}

MetricsTrigger metrics_trigger_from_string(const char *s) {
        for (MetricsTrigger t = 0; s && t < _METRICS_TRIGGER_MAX; t++)
                if (strcmp(s, trigger_names[t]) == 0)
                        return t;
        return _METRICS_TRIGGER_INVALID;
}

const char *metrics_resync_to_string(MetricsResync r) {
        return r >= 0 && r < _METRICS_RESYNC_MAX ? resync_names[r] : NULL;
}

const char *metrics_if_state_to_string(MetricsIfState s) {
        return s >= 0 && s < _METRICS_IF_STATE_MAX ? if_state_names[s] : NULL;
}

const char *metrics_errno_to_string(MetricsErrno e) {
        return e < _METRICS_ERRNO_MAX ? errno_names[e] : NULL;
}

MetricsErrno metrics_errno_from_errno(int err) {
        switch (abs(err)) {
        case EACCES:
                return METRICS_ERRNO_EACCES;
        case EPERM:
                return METRICS_ERRNO_EPERM;
        case EROFS:
                return METRICS_ERRNO_EROFS;
        case EIO:
                return METRICS_ERRNO_EIO;
        case EINVAL:
                return METRICS_ERRNO_EINVAL;
        default:
                return METRICS_ERRNO_OTHER;
        }
}

void metrics_init(Metrics *m, usec_t start_realtime) {
        *m = (Metrics) { .start_realtime = start_realtime, .generation = 1 };
}

void metrics_touch(Metrics *m) {
        m->generation++;
}

void metrics_count_correction(Metrics *m) {
        m->corrections++;
        m->generation++;
}

void metrics_count_drift(Metrics *m, MetricsTrigger t) {
        if (t < 0 || t >= _METRICS_TRIGGER_MAX)
                return;
        m->drift_events[t]++;
        m->generation++;
}

void metrics_count_fight(Metrics *m) {
        m->fights++;
        m->generation++;
}

void metrics_count_resync(Metrics *m, MetricsResync r) {
        if (r < 0 || r >= _METRICS_RESYNC_MAX)
                return;
        m->resyncs[r]++;
        m->generation++;
}

void metrics_count_write_error(Metrics *m, int err) {
        m->write_errors[metrics_errno_from_errno(err)]++;
        m->generation++;
}

void metrics_observe_latency(Metrics *m, usec_t usec) {
        size_t b = 0;

        /* le is "less than or equal": an observation of exactly 10 µs is in le="1e-05". */
        while (b < ELEMENTSOF(latency_bounds) && usec > latency_bounds[b])
                b++;
        m->latency[b]++;
        m->latency_count++;
        m->latency_sum_usec += usec;
        m->generation++;
}

void metrics_set_interfaces(Metrics *m, MetricsIfState s, unsigned n) {
        if (s < 0 || s >= _METRICS_IF_STATE_MAX || m->interfaces[s] == n)
                return;
        m->interfaces[s] = n;
        m->generation++;
}

void metrics_set_reload(Metrics *m, bool successful, usec_t now_realtime) {
        if (successful)
                m->reload_success_realtime = now_realtime;
        m->reload_successful = successful;
        m->generation++;
}

void metrics_set_resync_interval(Metrics *m, usec_t interval) {
        if (m->resync_interval == interval)
                return;
        m->resync_interval = interval;
        m->generation++;
}

/* ---- the text format ----------------------------------------------------------------- */

/* A label value: first made text injectively (see metrics.h), then escaped for the
 * exposition format. */
static void put_label_value(FILE *f, const char *s) {
        size_t n;

        for (const char *c = s ?: ""; *c; c += n) {
                unsigned char b = (unsigned char) *c;

                n = ifname_utf8_len(c);
                if (n == 0 || b < 0x20 || b == 0x7f) {
                        /* `\xNN`, whose backslash the exposition format escapes once more. */
                        fprintf(f, "\\\\x%02x", b);
                        n = 1;
                } else if (b == '\\')
                        fputs("\\\\\\\\", f); /* `\\` as text, each escaped: four on the wire */
                else if (b == '"')
                        fputs("\\\"", f);
                else
                        fwrite(c, 1, n, f);
        }
}

static void put_seconds(FILE *f, usec_t usec) {
        fprintf(f, "%" PRIu64 ".%06" PRIu64, usec / USEC_PER_SEC, usec % USEC_PER_SEC);
}

static void put_family(FILE *f, const char *name, const char *type, const char *help) {
        fprintf(f, "# HELP rpfguard_%s %s\n# TYPE rpfguard_%s %s\n", name, help, name, type);
}

/* NAME{LABEL="VALUE"} N, for the counters and gauges over a fixed table. */
static void put_sample(FILE *f, const char *name, const char *label, const char *value, uint64_t n) {
        fprintf(f, "rpfguard_%s{%s=\"", name, label);
        put_label_value(f, value);
        fprintf(f, "\"} %" PRIu64 "\n", n);
}

static void put_rp_filter(FILE *f, const char *ifname, const char *kind, int value) {
        if (value < 0)
                return;
        fputs("rpfguard_rp_filter{interface=\"", f);
        put_label_value(f, ifname);
        fprintf(f, "\",kind=\"%s\"} %d\n", kind, value);
}

int metrics_render(const Metrics *m, const MetricsView *v, FILE *f) {
        uint64_t cumulative = 0;

        put_family(f, "build_info", "gauge", "Always 1; the version of the running rpfguard in its label.");
        put_sample(f, "build_info", "version", v && v->version ? v->version : "unknown", 1);

        put_family(f, "start_time_seconds", "gauge", "When the daemon started, in seconds since the Unix epoch.");
        fputs("rpfguard_start_time_seconds ", f);
        put_seconds(f, m->start_realtime);
        fputc('\n', f);

        put_family(f, "config_last_reload_successful", "gauge",
                   "1 when the last attempt to load the configuration succeeded, 0 when it was rejected.");
        fprintf(f, "rpfguard_config_last_reload_successful %d\n", m->reload_successful ? 1 : 0);

        put_family(f, "config_last_reload_success_timestamp_seconds", "gauge",
                   "When the configuration in force was loaded, in seconds since the Unix epoch.");
        fputs("rpfguard_config_last_reload_success_timestamp_seconds ", f);
        put_seconds(f, m->reload_success_realtime);
        fputc('\n', f);

        put_family(f, "config_resync_interval_seconds", "gauge",
                   "The configured resync_interval; 0 when purely event-driven (the file then changes only on events).");
        fputs("rpfguard_config_resync_interval_seconds ", f);
        put_seconds(f, m->resync_interval);
        fputc('\n', f);

        put_family(f, "interfaces", "gauge", "Interfaces by their state now.");
        for (MetricsIfState s = 0; s < _METRICS_IF_STATE_MAX; s++)
                put_sample(f, "interfaces", "state", if_state_names[s], m->interfaces[s]);

        put_family(f, "managed_interfaces", "gauge", "Interfaces managed now, by the configuration rule that matched them.");
        for (size_t k = 0; v && k < v->n_rules; k++)
                put_sample(f, "managed_interfaces", "rule", v->rules[k].pattern, v->rules[k].count);

        put_family(f, "rp_filter", "gauge",
                   "rp_filter of all, default and each interface drifting, backing off or failing now: "
                   "the kernel's current value, the wanted one and the effective max(all, interface).");
        for (size_t k = 0; v && k < v->n_rp_filter && k < METRICS_RP_FILTER_MAX; k++) {
                const MetricsRpFilter *r = &v->rp_filter[k];

                put_rp_filter(f, r->ifname, "current", r->current);
                put_rp_filter(f, r->ifname, "wanted", r->wanted);
                put_rp_filter(f, r->ifname, "effective", r->effective);
        }

        put_family(f, "rp_filter_omitted_interfaces", "gauge",
                   "Interfaces drifting, backing off or failing now beyond those rpfguard_rp_filter shows.");
        fprintf(f, "rpfguard_rp_filter_omitted_interfaces %zu\n",
                v && v->n_rp_filter > METRICS_RP_FILTER_MAX ? v->n_rp_filter - METRICS_RP_FILTER_MAX : 0);

        put_family(f, "corrections_total", "counter", "rp_filter values rpfguard wrote back.");
        fprintf(f, "rpfguard_corrections_total %" PRIu64 "\n", m->corrections);

        put_family(f, "drift_events_total", "counter", "rp_filter values found not as wanted, by what revealed them.");
        for (MetricsTrigger t = 0; t < _METRICS_TRIGGER_MAX; t++)
                put_sample(f, "drift_events_total", "trigger", trigger_names[t], m->drift_events[t]);

        put_family(f, "fights_total", "counter", "Fights detected: an interface corrected too often, put in back-off.");
        fprintf(f, "rpfguard_fights_total %" PRIu64 "\n", m->fights);

        put_family(f, "resyncs_total", "counter", "Full re-reads of links and rp_filter values, by reason.");
        for (MetricsResync r = 0; r < _METRICS_RESYNC_MAX; r++)
                put_sample(f, "resyncs_total", "reason", resync_names[r], m->resyncs[r]);

        put_family(f, "write_errors_total", "counter", "Failed writes of rp_filter, by errno.");
        for (MetricsErrno e = 0; e < _METRICS_ERRNO_MAX; e++)
                put_sample(f, "write_errors_total", "errno", errno_names[e], m->write_errors[e]);

        put_family(f, "correction_latency_seconds", "histogram",
                   "From the kernel event's arrival to the completed write of the correction.");
        for (size_t b = 0; b < METRICS_LATENCY_BUCKETS; b++) {
                cumulative += m->latency[b];
                fprintf(f, "rpfguard_correction_latency_seconds_bucket{le=\"%s\"} %" PRIu64 "\n", latency_le[b],
                        cumulative);
        }
        fputs("rpfguard_correction_latency_seconds_sum ", f);
        put_seconds(f, m->latency_sum_usec);
        fprintf(f, "\nrpfguard_correction_latency_seconds_count %" PRIu64 "\n", m->latency_count);

        return ferror(f) ? -EIO : 0;
}

/* ---- the file ------------------------------------------------------------------------- */

/* The exposition in memory first: one write() of the whole, and its errno exact. */
static int render_to_buffer(const Metrics *m, const MetricsView *v, char **ret, size_t *ret_size) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        r = metrics_render(m, v, f);
        if (fclose(f) != 0 && r == 0)
                r = -ENOMEM;
        if (r < 0) {
                free(buf);
                return r;
        }
        *ret = buf;
        *ret_size = size;
        return 0;
}

int metrics_write_file(const Metrics *m, const MetricsView *v, const char *path) {
        _cleanup_(freep) char *buf = NULL;
        size_t size = 0;
        int r;

        r = render_to_buffer(m, v, &buf, &size);
        if (r < 0)
                return r;
        return write_file_atomic(path, buf, size, 0);
}
