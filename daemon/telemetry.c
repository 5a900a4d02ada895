/* SPDX-License-Identifier: MIT */
/* telemetry: counters on the hot path, everything else — interfaces by state, rules,
 * holds — computed from the reconciler when a file is written. Decides nothing and
 * writes no sysctl; the only timer is armed while something is waiting to be written. */
#define _GNU_SOURCE
#include "telemetry.h"

#include <errno.h>
#include <linux/netconf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "metrics.h"
#include "policy.h"
#include "state.h"
#include "sysctl.h"

/* At most one write of each file per interval. */
#define TELEMETRY_INTERVAL_USEC USEC_PER_SEC

struct Telemetry {
        TelemetryOptions options;
        char *runtime_dir;
        char *state_path;
        const Reconciler *reconciler;
        Metrics metrics;

        sd_event_source *timer;
        bool dirty, armed;
        usec_t last_flush;          /* CLOCK_MONOTONIC */
        unsigned n_tracked;         /* interfaces known at the last flush */

        /* What was written last: a file is rewritten only when its text changes. */
        char *metrics_written, *metrics_path;
        size_t metrics_size;
        char *state_written;
        size_t state_size;
        bool wrote_state;
        int metrics_error, state_error; /* the last write's, logged when it changes */

        pid_t pid;
        char comm[16];
        uint64_t netns;
        usec_t config_loaded;
        char *reload_rejected;
        usec_t reload_rejected_at;
        usec_t pong;                /* the last ping answered (CLOCK_REALTIME) */
        bool has_last_correction;
        StateCorrection last_correction;  /* its trigger's word is filled in when written */
        Trigger last_trigger;

        /* Scratch space of the writes, kept between them. */
        MetricsRpFilter *rp;
        size_t n_rp_alloc;
};

static usec_t clock_usec(clockid_t clock) {
        struct timespec ts;

        (void) clock_gettime(clock, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

static MetricsTrigger trigger_to_metrics(Trigger t) {
        switch (t) {
        case TRIGGER_STARTUP: return METRICS_TRIGGER_STARTUP;
        case TRIGGER_LINK_NEW: return METRICS_TRIGGER_LINK_NEW;
        case TRIGGER_LINK_RENAME: return METRICS_TRIGGER_LINK_RENAME;
        case TRIGGER_ADDR: return METRICS_TRIGGER_ADDR;
        case TRIGGER_NETCONF: return METRICS_TRIGGER_NETCONF;
        case TRIGGER_RESYNC: return METRICS_TRIGGER_RESYNC;
        case TRIGGER_RELOAD: return METRICS_TRIGGER_RELOAD;
        case TRIGGER_RETRY:
        case TRIGGER_WRITE_RETRY: return METRICS_TRIGGER_RETRY;
        default: return _METRICS_TRIGGER_INVALID;
        }
}

static MetricsResync resync_to_metrics(ResyncReason r) {
        switch (r) {
        case RESYNC_OVERFLOW: return METRICS_RESYNC_OVERFLOW;
        case RESYNC_PERIODIC: return METRICS_RESYNC_PERIODIC;
        case RESYNC_DUMP_FAILED: return METRICS_RESYNC_DUMP_FAILED;
        default: return _METRICS_RESYNC_INVALID;
        }
}

int telemetry_new(const TelemetryOptions *options, Telemetry **ret) {
        Telemetry *t;
        struct stat st;
        FILE *f;

        t = calloc(1, sizeof(Telemetry));
        if (!t)
                return -ENOMEM;
        t->options = *options;
        metrics_init(&t->metrics, clock_usec(CLOCK_REALTIME));
        t->pid = getpid();
        f = fopen("/proc/self/comm", "re");
        if (f) {
                if (!fgets(t->comm, sizeof(t->comm), f))
                        t->comm[0] = 0;
                t->comm[strcspn(t->comm, "\n")] = 0;
                (void) fclose(f);
        }
        if (stat("/proc/self/ns/net", &st) >= 0)
                t->netns = (uint64_t) st.st_ino;

        if (options->runtime_dir) {
                t->runtime_dir = strdup(options->runtime_dir);
                if (!t->runtime_dir || asprintf(&t->state_path, "%s/" STATE_FILE_NAME, options->runtime_dir) < 0) {
                        t->state_path = NULL;
                        telemetry_free(t);
                        return -ENOMEM;
                }
                /* systemd creates RuntimeDirectory=; a directory given by hand may be new. */
                if (mkdir(t->runtime_dir, 0755) < 0 && errno != EEXIST)
                        log_warning_errno(errno, "Cannot create the runtime directory %s, ignoring: %m",
                                          t->runtime_dir);
        }
        t->options.runtime_dir = t->runtime_dir;
        *ret = t;
        return 0;
}

Telemetry *telemetry_free(Telemetry *t) {
        if (!t)
                return NULL;
        sd_event_source_disable_unref(t->timer);
        /* Gone with the daemon: a file left behind would look like a daemon at work. */
        if (t->metrics_path && unlink(t->metrics_path) < 0 && errno != ENOENT)
                log_warning_errno(errno, "Cannot remove %s, ignoring: %m", t->metrics_path);
        if (t->wrote_state && t->state_path && unlink(t->state_path) < 0 && errno != ENOENT)
                log_warning_errno(errno, "Cannot remove %s, ignoring: %m", t->state_path);
        free(t->runtime_dir);
        free(t->state_path);
        free(t->metrics_written);
        free(t->metrics_path);
        free(t->state_written);
        free(t->reload_rejected);
        free(t->rp);
        free(t);
        return NULL;
}

void telemetry_set_reconciler(Telemetry *t, const Reconciler *r) {
        t->reconciler = r;
}

/* ---- the hot path ---------------------------------------------------------------------- */

void telemetry_on_event(Telemetry *t, const ReconcilerEvent *ev) {
        StateCorrection *l;

        if (!t)
                return;
        switch (ev->type) {
        case RECONCILER_CORRECTED:
                metrics_count_correction(&t->metrics);
                /* 0: not from a kernel event (a retry's timer), nothing to time. */
                if (ev->latency > 0)
                        metrics_observe_latency(&t->metrics, ev->latency);
                l = &t->last_correction;
                t->has_last_correction = true;
                l->ifindex = ev->iface->ifindex;
                memcpy(l->name, ev->iface->name, sizeof(l->name));
                l->old_value = ev->old_value;
                l->new_value = ev->new_value;
                t->last_trigger = ev->trigger;
                l->at = clock_usec(CLOCK_REALTIME);
                break;
        case RECONCILER_DRIFT:
                metrics_count_drift(&t->metrics, trigger_to_metrics(ev->trigger));
                break;
        case RECONCILER_FIGHT:
                metrics_count_fight(&t->metrics);
                break;
        case RECONCILER_WRITE_FAILED:
                metrics_count_write_error(&t->metrics, ev->error);
                break;
        case RECONCILER_RESYNC:
                metrics_count_resync(&t->metrics, resync_to_metrics(ev->reason));
                break;
        default:
                break;
        }
        telemetry_changed(t);
}

static int telemetry_on_timer(sd_event_source *s, uint64_t usec, void *userdata);

void telemetry_changed(Telemetry *t) {
        usec_t next, now;

        if (!t)
                return;
        t->dirty = true;
        if (!t->timer || t->armed)
                return;
        now = clock_usec(CLOCK_MONOTONIC);
        next = t->last_flush + TELEMETRY_INTERVAL_USEC;
        if (next < now)
                next = now; /* quiet for a while: write once this event is handled */
        if (sd_event_source_set_time(t->timer, next) < 0 ||
            sd_event_source_set_enabled(t->timer, SD_EVENT_ONESHOT) < 0) {
                log_warning("Cannot arm the metrics timer, ignoring");
                return;
        }
        t->armed = true;
}

void telemetry_poke(Telemetry *t) {
        ReconcilerStats stats;

        if (!t || t->dirty || !t->reconciler)
                return;
        reconciler_get_stats(t->reconciler, &stats);
        if (stats.n_tracked != t->n_tracked)
                telemetry_changed(t);
}

void telemetry_config_loaded(Telemetry *t, bool reload) {
        if (!t)
                return;
        t->config_loaded = clock_usec(CLOCK_REALTIME);
        metrics_set_reload(&t->metrics, true, t->config_loaded);
        if (reload)
                metrics_count_resync(&t->metrics, METRICS_RESYNC_RELOAD);
        t->reload_rejected = mfree(t->reload_rejected);
        telemetry_changed(t);
}

void telemetry_config_rejected(Telemetry *t, const char *origin) {
        if (!t)
                return;
        metrics_set_reload(&t->metrics, false, 0);
        free(t->reload_rejected);
        t->reload_rejected = origin ? strdup(origin) : NULL;
        t->reload_rejected_at = clock_usec(CLOCK_REALTIME);
        telemetry_changed(t);
}

/* ---- the writes ------------------------------------------------------------------------- */

static MetricsIfState iface_state(const Iface *i, int all) {
        if (!i->rule)
                return METRICS_IF_UNMANAGED;
        if (i->rule->value == RP_FILTER_IGNORE)
                return METRICS_IF_IGNORED;
        if (i->hold == IFACE_HOLD_BACKOFF)
                return METRICS_IF_BACKOFF;
        if (i->hold == IFACE_HOLD_RETRY)
                return METRICS_IF_ERROR;
        if (!i->has_current)
                return METRICS_IF_OK; /* no IPv4 configuration: nothing to filter with */
        switch (policy_state(i->rule, all, i->current)) {
        case IF_STATE_DRIFT: return METRICS_IF_DRIFT;
        case IF_STATE_INEFFECTIVE: return METRICS_IF_INEFFECTIVE;
        default: return METRICS_IF_OK;
        }
}

static int telemetry_add_rp(Telemetry *t, size_t *n, const char *name, int current, int wanted, int effective) {
        if (*n >= t->n_rp_alloc) {
                size_t k = t->n_rp_alloc ? t->n_rp_alloc * 2 : 64;
                MetricsRpFilter *x = realloc(t->rp, k * sizeof(MetricsRpFilter));

                if (!x)
                        return -ENOMEM;
                t->rp = x;
                t->n_rp_alloc = k;
        }
        t->rp[(*n)++] = (MetricsRpFilter) { .ifname = name, .current = current, .wanted = wanted,
                                            .effective = effective };
        return 0;
}

static int rp_compare(const void *a, const void *b) {
        return strcmp(((const MetricsRpFilter *) a)->ifname, ((const MetricsRpFilter *) b)->ifname);
}

static void telemetry_add_hold(DaemonState *s, const Iface *i, const Config *c, usec_t mono, usec_t real) {
        StateHold *h;

        if (i->hold == IFACE_HOLD_NONE)
                return;
        if (s->n_holds >= STATE_HOLDS_MAX) {
                s->omitted++;
                return;
        }
        h = &s->holds[s->n_holds++];
        *h = (StateHold) {
                .kind = i->hold == IFACE_HOLD_BACKOFF ? STATE_HOLD_BACKOFF : STATE_HOLD_ERROR,
                .ifindex = i->ifindex,
                .wanted = iface_wanted(i, c),
                .theirs = i->theirs,
                .error = abs(i->write_error),
                .failures = i->write_failures,
        };
        memcpy(h->name, i->name, sizeof(h->name));
        /* Whole seconds (rounded up), so that the text changes only when the deadline does. */
        if (i->hold_until != USEC_INFINITY)
                h->until = (real + (i->hold_until > mono ? i->hold_until - mono : 0) + USEC_PER_SEC - 1) / USEC_PER_SEC *
                           USEC_PER_SEC;
}

/* Render into memory; write PATH only when the text differs from what was written last. */
static int telemetry_write_if_changed(const char *path, char *buf, size_t size, char **written, size_t *written_size,
                                      int *last_error, const char *what) {
        int r;

        if (*written && *written_size == size && memcmp(*written, buf, size) == 0) {
                free(buf);
                return 0;
        }
        r = state_write_atomic(path, buf, size);
        if (r < 0) {
                free(buf);
                if (r != *last_error)
                        log_warning_errno(r, "Cannot write the %s %s, ignoring: %m", what, path);
                *last_error = r;
                return r;
        }
        if (*last_error != 0)
                log_notice("The %s %s is written again", what, path);
        *last_error = 0;
        free(*written);
        *written = buf;
        *written_size = size;
        return 1;
}

static void telemetry_flush(Telemetry *t) {
        const Reconciler *rec = t->reconciler;
        const Config *c = reconciler_config(rec);
        unsigned counts[_METRICS_IF_STATE_MAX] = {}, *rule_counts = NULL;
        MetricsRule *rules = NULL;
        StateHold *holds = NULL;
        MetricsView view = { .version = RPFGUARD_VERSION };
        usec_t mono = clock_usec(CLOCK_MONOTONIC), real = clock_usec(CLOCK_REALTIME);
        int all = 0, def = 0, wanted;
        bool has_all, has_def;
        size_t n_rp = 0, n_rules = 0, state = 0;
        ReconcilerStats stats;
        const Iface *i;
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        t->dirty = false;
        t->last_flush = mono;
        reconciler_get_stats(rec, &stats);
        t->n_tracked = stats.n_tracked;

        /* all and default as the kernel has them now: they bound every interface. */
        has_all = sysctl_rp_filter_read(t->options.conf_fd, SYSCTL_CONF_ALL, &all) >= 0;
        has_def = sysctl_rp_filter_read(t->options.conf_fd, SYSCTL_CONF_DEFAULT, &def) >= 0;
        rule_counts = calloc(c->n_rules + 1, sizeof(unsigned));
        rules = calloc(c->n_rules + 1, sizeof(MetricsRule));
        holds = calloc(STATE_HOLDS_MAX, sizeof(StateHold));
        if (!rule_counts || !rules || !holds)
                goto oom;
        (void) telemetry_add_rp(t, &n_rp, SYSCTL_CONF_ALL, has_all ? all : -1,
                                iface_wanted(reconciler_all(rec), c), has_all ? all : -1);
        (void) telemetry_add_rp(t, &n_rp, SYSCTL_CONF_DEFAULT, has_def ? def : -1,
                                iface_wanted(reconciler_default(rec), c),
                                has_def ? policy_effective(has_all ? all : 0, def) : -1);
        if (n_rp < 2)
                goto oom;

        while (reconciler_iterate(rec, &state, &i)) {
                MetricsIfState s = iface_state(i, has_all ? all : 0);

                counts[s]++;
                if (iface_managed(i))
                        rule_counts[i->rule - c->rules]++;
                if (s != METRICS_IF_DRIFT && s != METRICS_IF_BACKOFF && s != METRICS_IF_ERROR)
                        continue;
                wanted = iface_wanted(i, c);
                if (telemetry_add_rp(t, &n_rp, i->name, i->has_current ? i->current : -1, wanted,
                                     i->has_current ? policy_effective(has_all ? all : 0, i->current) : -1) < 0)
                        goto oom;
        }
        /* The troubled ones by name: the same 30 shown from one write to the next. */
        qsort(t->rp + 2, n_rp - 2, sizeof(MetricsRpFilter), rp_compare);
        for (MetricsIfState s = 0; s < _METRICS_IF_STATE_MAX; s++)
                metrics_set_interfaces(&t->metrics, s, counts[s]);
        metrics_set_resync_interval(&t->metrics, c->resync_interval_usec);

        /* One series per distinct pattern (drop-ins may repeat one): the first rule's. */
        for (size_t k = 0; k < c->n_rules; k++) {
                size_t j;

                if (c->rules[k].value == RP_FILTER_IGNORE)
                        continue;
                for (j = 0; j < n_rules && strcmp(rules[j].pattern, c->rules[k].pattern) != 0; j++)
                        ;
                if (j == n_rules)
                        rules[n_rules++] = (MetricsRule) { .pattern = c->rules[k].pattern };
                rules[j].count += rule_counts[k];
        }
        view.rules = rules;
        view.n_rules = n_rules;
        view.rp_filter = t->rp;
        view.n_rp_filter = n_rp;

        if (c->metrics_file) {
                if (t->metrics_path && strcmp(t->metrics_path, c->metrics_file) != 0) {
                        /* A reload moved it: the old file would be stale forever. */
                        (void) unlink(t->metrics_path);
                        t->metrics_path = mfree(t->metrics_path);
                        t->metrics_written = mfree(t->metrics_written);
                }
                f = open_memstream(&buf, &size);
                if (!f)
                        goto oom;
                if (metrics_render(&t->metrics, &view, f) < 0 || fclose(f) != 0) {
                        free(buf);
                        goto oom;
                }
                if (telemetry_write_if_changed(c->metrics_file, buf, size, &t->metrics_written, &t->metrics_size,
                                               &t->metrics_error, "metrics file") > 0 && !t->metrics_path)
                        t->metrics_path = strdup(c->metrics_file);
        } else if (t->metrics_path) {
                (void) unlink(t->metrics_path);
                t->metrics_path = mfree(t->metrics_path);
                t->metrics_written = mfree(t->metrics_written);
        }

        if (t->state_path) {
                DaemonState s = {
                        .pid = t->pid,
                        .netns = t->netns,
                        .version = (char *) RPFGUARD_VERSION,
                        .started = t->metrics.start_realtime,
                        .config_path = c->path,
                        .config_loaded = t->config_loaded,
                        .mode = (char *) (t->options.dry_run ? "dry-run" : mode_to_string(c->mode)),
                        .reload_successful = t->metrics.reload_successful,
                        .reload_rejected = t->reload_rejected,
                        .reload_rejected_at = t->reload_rejected_at,
                        .pong = t->pong,
                        .corrections = (unsigned) t->metrics.corrections,
                        .fights = (unsigned) t->metrics.fights,
                        .holds = holds,
                        .has_last_correction = t->has_last_correction,
                        .last_correction = t->last_correction,
                };

                memcpy(s.comm, t->comm, sizeof(s.comm));
                if (s.has_last_correction)
                        (void) snprintf(s.last_correction.trigger, sizeof(s.last_correction.trigger), "%s",
                                        trigger_field(t->last_trigger) ?: "");
                s.managed = stats.n_managed;
                s.n_backoff = stats.n_backoff;
                s.n_error = stats.n_write_errors;
                for (size_t k = 0; k < _METRICS_TRIGGER_MAX; k++)
                        s.drift_events += (unsigned) t->metrics.drift_events[k];
                for (size_t k = 0; k < _METRICS_ERRNO_MAX; k++)
                        s.write_errors += (unsigned) t->metrics.write_errors[k];
                for (size_t k = 0; k < _METRICS_RESYNC_MAX; k++)
                        s.resyncs += (unsigned) t->metrics.resyncs[k];
                telemetry_add_hold(&s, reconciler_all(rec), c, mono, real);
                telemetry_add_hold(&s, reconciler_default(rec), c, mono, real);
                state = 0;
                while (reconciler_iterate(rec, &state, &i))
                        telemetry_add_hold(&s, i, c, mono, real);

                buf = NULL;
                size = 0;
                f = open_memstream(&buf, &size);
                if (!f)
                        goto oom;
                if (state_render(&s, f) < 0 || fclose(f) != 0) {
                        free(buf);
                        goto oom;
                }
                if (telemetry_write_if_changed(t->state_path, buf, size, &t->state_written, &t->state_size,
                                               &t->state_error, "state file") > 0)
                        t->wrote_state = true;
        }
        free(rule_counts);
        free(rules);
        free(holds);
        return;
oom:
        free(rule_counts);
        free(rules);
        free(holds);
        log_warning_errno(ENOMEM, "Cannot render the metrics and the state, ignoring: %m");
}

void telemetry_ping(Telemetry *t) {
        if (!t || !t->timer)
                return;
        /* Now, not after the throttle: the prober is waiting. A probe period is seconds. */
        t->pong = clock_usec(CLOCK_REALTIME);
        telemetry_flush(t);
}

static int telemetry_on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Telemetry *t = userdata;

        (void) s, (void) usec;
        t->armed = false;
        if (t->dirty)
                telemetry_flush(t);
        return 0;
}

int telemetry_start(Telemetry *t, sd_event *event) {
        int r;

        /* 10 ms of slack: sd-event may coalesce it with another wake-up. */
        r = sd_event_add_time(event, &t->timer, CLOCK_MONOTONIC, USEC_INFINITY, 10 * USEC_PER_MSEC,
                              telemetry_on_timer, t);
        if (r >= 0)
                r = sd_event_source_set_enabled(t->timer, SD_EVENT_OFF);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the metrics timer: %m");
        telemetry_flush(t);
        return 0;
}
