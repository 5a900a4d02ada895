/* SPDX-License-Identifier: MIT */
/* manager: wires the reconciler to sd-event and systemd. Decides nothing about
 * interfaces itself, parses no netlink, knows no config file format. */
#define _GNU_SOURCE
#include "manager.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "explain.h"
#include "attribution.h"
#include "log.h"
#include "netlink.h"
#include "reconciler.h"
#include "sysctl.h"
#include "telemetry.h"
#include "watch.h"

/* A start-up dump of thousands of links takes milliseconds; this only catches a
 * kernel that never answers. */
#define STARTUP_TIMEOUT_MS 30000

struct Manager {
        ManagerOptions options;
        Config *config;             /* until the reconciler takes it over */
        sd_event *event;
        Netlink *netlink;
        int conf_fd;                /* SYSCTL_ROOT/net/ipv4/conf */
        Reconciler *reconciler;

        sd_event_source *netlink_source; /* notifications */
        sd_event_source *dump_source;    /* link dump replies */
        sd_event_source *deadline_timer; /* the reconciler's earliest deadline */
        sd_event_source *resync_timer;
        sd_event_source *status_source;  /* on while status_dirty: sends STATUS= */
        sd_event_source *status_timer;   /* a STATUS= held back during a burst */
        usec_t status_sent;              /* when the last STATUS= went out */
        bool status_dirty;

        char *reload_rejected;           /* "FILE:LINE" of the last rejected reload */
        ConfigWatch *watch;              /* watch_config = yes: reload when the files change */
        Telemetry *telemetry;            /* the metrics file and the state file; NULL: --once */
        Attribution *attribution;        /* attribute_writers = yes, and it could be loaded */
        sd_event_source *attribution_source; /* its ring buffer */
        bool attribution_wanted;         /* attribute_writers = yes when last applied */
};

static usec_t now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

static usec_t manager_hook_now(void *userdata) {
        (void) userdata;
        return now_usec();
}

/* Something STATUS= shows changed: send it once the current event is handled. Only
 * then: an event that changed nothing costs no extra turn of the loop. */
static void manager_hook_changed(void *userdata) {
        Manager *m = userdata;

        m->status_dirty = true;
        if (m->status_source)
                (void) sd_event_source_set_enabled(m->status_source, SD_EVENT_ONESHOT);
        telemetry_changed(m->telemetry);
}

static void manager_hook_event(void *userdata, const ReconcilerEvent *ev) {
        Manager *m = userdata;

        telemetry_on_event(m->telemetry, ev);
}

static bool manager_hook_writer(void *userdata, const Iface *i, int value, LogWriter *ret) {
        Manager *m = userdata;

        return m->attribution && attribution_lookup(m->attribution, i->name, value, now_usec(), ret);
}

static const ReconcilerHooks manager_hooks = {
        .now = manager_hook_now,
        .changed = manager_hook_changed,
        .event = manager_hook_event,
        .writer = manager_hook_writer,
};

static int manager_on_attribution(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;

        (void) s, (void) fd, (void) revents;
        (void) attribution_process(m->attribution);
        return 0;
}

static int manager_watch_attribution(Manager *m) {
        int r;

        if (!m->event || !m->attribution || m->attribution_source)
                return 0;
        r = sd_event_add_io(m->event, &m->attribution_source, attribution_fd(m->attribution), EPOLLIN,
                            manager_on_attribution, m);
        if (r < 0)
                return log_error_errno(r, "Cannot watch the writer attribution's ring buffer: %m");
        return 0;
}

/* attribute_writers = yes: name the other writer of each change. Tried when it is
 * turned on (start-up, a reload); a failure is one notice, and nothing else changes. */
static void manager_apply_attribution(Manager *m, bool wanted) {
        const char *why = NULL;
        int r;

        wanted = wanted && !m->options.once;
        if (wanted == m->attribution_wanted)
                return;
        m->attribution_wanted = wanted;
        if (!wanted) {
                if (m->attribution)
                        log_info("Writer attribution is off");
                m->attribution_source = sd_event_source_disable_unref(m->attribution_source);
                m->attribution = attribution_free(m->attribution);
                return;
        }
        r = attribution_new(m->options.attribution_cgroup, &m->attribution, &why);
        if (r < 0) {
                log_internal(LOG_NOTICE, r, "Writer attribution is off: %s: %m", why);
                return;
        }
        log_info("Writer attribution is on: every write to an rp_filter below %s is reported",
                 m->options.attribution_cgroup ?: attribution_default_cgroup());
        if (manager_watch_attribution(m) < 0) {
                m->attribution = attribution_free(m->attribution);
                m->attribution_wanted = false;
        }
}

/* The whole truth in one line: what is enforced, what is held back, what fails. */
static void manager_notify_status(Manager *m) {
        ReconcilerStats s;
        char extra[256] = "";
        size_t n = 0;
        bool writes;

        if (!m->status_dirty)
                return;
        m->status_dirty = false;
        m->status_sent = now_usec();
        reconciler_get_stats(m->reconciler, &s);
        writes = reconciler_writes(m->reconciler);
        if (s.n_backoff > 0)
                n += (size_t) snprintf(extra + n, sizeof(extra) - n, "; %u backing off", s.n_backoff);
        if (s.n_write_errors > 0 && n < sizeof(extra))
                n += (size_t) snprintf(extra + n, sizeof(extra) - n, "; %u write error%s", s.n_write_errors,
                                       s.n_write_errors == 1 ? "" : "s");
        if (m->reload_rejected && n < sizeof(extra))
                (void) snprintf(extra + n, sizeof(extra) - n, "; reload rejected: %s", m->reload_rejected);
        (void) sd_notifyf(false, "STATUS=%s %u interfaces, %u %s%s", writes ? "Enforcing" : "Auditing", s.n_managed,
                          s.n_changes, writes ? "corrections" : "drifts seen", extra);
}

/* The reconciler's deadlines (back-offs, retries) as one timer, armed only while
 * there is one: idle means asleep. */
static void manager_arm_deadline(Manager *m) {
        usec_t next = reconciler_next_deadline(m->reconciler);

        if (!m->deadline_timer)
                return;
        if (next == USEC_INFINITY) {
                (void) sd_event_source_set_enabled(m->deadline_timer, SD_EVENT_OFF);
                return;
        }
        if (sd_event_source_set_time(m->deadline_timer, next) < 0 ||
            sd_event_source_set_enabled(m->deadline_timer, SD_EVENT_ONESHOT) < 0)
                log_warning("Cannot arm the back-off timer, ignoring");
}

static int manager_on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        (void) s, (void) usec;
        reconciler_on_time(m->reconciler);
        manager_arm_deadline(m);
        return 0;
}

static int manager_on_netlink(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;

        (void) s, (void) fd, (void) revents;
        if (reconciler_on_netlink(m->reconciler) < 0)
                return sd_event_exit(m->event, 1);
        manager_arm_deadline(m);
        /* Interfaces that come and go unmanaged change no count STATUS= shows, but the
         * metrics' interfaces by state. */
        telemetry_poke(m->telemetry);
        return 0;
}

/* Each STATUS= is a datagram PID 1 must parse: during a burst of new interfaces send
 * one per interval at most, and the last one when the interval is over. */
#define STATUS_INTERVAL_USEC (100 * USEC_PER_MSEC)

static int manager_on_status_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        (void) s, (void) usec;
        manager_notify_status(userdata);
        return 0;
}

static int manager_on_status(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        int enabled = SD_EVENT_OFF;

        (void) s;
        if (!m->status_dirty)
                return 0;
        if (now_usec() >= m->status_sent + STATUS_INTERVAL_USEC || !m->status_timer) {
                manager_notify_status(m);
                return 0;
        }
        (void) sd_event_source_get_enabled(m->status_timer, &enabled);
        if (enabled != SD_EVENT_OFF)
                return 0; /* already held back */
        if (sd_event_source_set_time(m->status_timer, m->status_sent + STATUS_INTERVAL_USEC) < 0 ||
            sd_event_source_set_enabled(m->status_timer, SD_EVENT_ONESHOT) < 0)
                manager_notify_status(m);
        return 0;
}

static int manager_arm_resync_timer(Manager *m);

static int manager_on_resync_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        (void) s, (void) usec;
        log_debug("Periodic re-check of every interface");
        (void) reconciler_resync(m->reconciler, RESYNC_PERIODIC);
        manager_arm_deadline(m);
        return manager_arm_resync_timer(m);
}

static int manager_arm_resync_timer(Manager *m) {
        usec_t interval = reconciler_config(m->reconciler)->resync_interval_usec;
        int r;

        if (interval == 0) {
                m->resync_timer = sd_event_source_disable_unref(m->resync_timer);
                return 0;
        }
        if (m->resync_timer) {
                r = sd_event_source_set_time_accuracy(m->resync_timer, interval / 10);
                if (r >= 0)
                        r = sd_event_source_set_time_relative(m->resync_timer, interval);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->resync_timer, SD_EVENT_ONESHOT);
        } else
                /* A tenth of the interval of slack lets sd-event coalesce wake-ups. */
                r = sd_event_add_time_relative(m->event, &m->resync_timer, CLOCK_MONOTONIC, interval,
                                               interval / 10, manager_on_resync_timer, m);
        if (r < 0)
                return log_error_errno(r, "Cannot arm the resync timer: %m");
        return 0;
}

static void manager_apply_log_level(const Manager *m, const Config *c) {
        log_set_max_level(m->options.verbose ? LOG_DEBUG : c->log_level);
}

/* "FILE:LINE" of a rejected configuration's first error, FILE being the main file or
 * the drop-in it is in ("FILE" when that could not be read at all), for STATUS=. */
static char *rejection_origin(const char *path, const ConfigReport *report) {
        char *s = NULL;

        for (size_t k = 0; k < report->n_messages; k++) {
                const ConfigMessage *msg = &report->messages[k];

                if (msg->severity != CONFIG_ERROR)
                        continue;
                if (msg->line == 0)
                        return strdup(msg->file ?: path);
                if (asprintf(&s, "%s:%u", msg->file ?: path, msg->line) < 0)
                        return NULL;
                return s;
        }
        return strdup(path);
}

static void manager_update_watch(Manager *m);

/* SIGHUP, or the files changed (watch_config): parse everything first, swap it in
 * only when it parsed. WHY: for the log. */
static void manager_reload(Manager *m, const char *why) {
        ConfigReport report;
        Config *c = NULL;
        LogFields f = LOG_FIELDS_INIT;
        int r;

        log_debug("Reloading: %s", why);
        (void) sd_notifyf(false, "RELOADING=1\nSTATUS=Reloading %s\nMONOTONIC_USEC=%llu", m->options.config_path,
                          (unsigned long long) now_usec());

        f.event = trigger_field(TRIGGER_RELOAD);
        r = config_load_dirs(m->options.config_dirs, &c, &report);
        log_config_report(m->options.config_path, r, &report, f.event);
        if (r < 0) {
                log_event(LOG_ERR, LOG_KIND_CONFIG_REJECTED, &f, "%s rejected, keeping the running configuration",
                          m->options.config_path);
                free(m->reload_rejected);
                m->reload_rejected = rejection_origin(m->options.config_path, &report);
                config_report_done(&report);
                telemetry_config_rejected(m->telemetry, m->reload_rejected);
                manager_hook_changed(m);
                (void) sd_notify(false, "READY=1");
                return;
        }
        config_report_done(&report);
        m->reload_rejected = mfree(m->reload_rejected);

        manager_apply_log_level(m, c);
        log_event(LOG_NOTICE, LOG_KIND_CONFIG_LOADED, &f, "Configuration reloaded from %s: %zu rules, mode %s",
                  m->options.config_path, c->n_rules, mode_to_string(c->mode));
        /* What udev's systemd-sysctl run will apply against the new rules. */
        (void) explain_warn_conflicts(c, m->options.sysctld_root ?: EXPLAIN_ROOT_DEFAULT);
        manager_apply_attribution(m, c->attribute_writers);
        reconciler_reload(m->reconciler, c);
        telemetry_config_loaded(m->telemetry, true);
        (void) manager_arm_resync_timer(m);
        manager_arm_deadline(m);
        manager_update_watch(m);

        manager_hook_changed(m);
        (void) sd_notify(false, "READY=1");
}

static int manager_on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        (void) s, (void) si;
        manager_reload(userdata, "SIGHUP");
        return 0;
}

static void manager_on_config_changed(void *userdata) {
        manager_reload(userdata, "the configuration files changed");
}

/* Start or stop watching the files as watch_config says. The files: the main one and
 * the drop-in directory beside it (FILE.d). */
static void manager_update_watch(Manager *m) {
        const ConfDirs *d = m->options.config_dirs;
        int r;

        if (!reconciler_config(m->reconciler)->watch_config) {
                m->watch = config_watch_free(m->watch);
                return;
        }
        if (m->watch)
                return;
        /* The main file and every drop-in directory (FILE.d with -c; /etc, /run and
         * /usr/lib's rpfguard.conf.d otherwise). */
        r = config_watch_new(m->event, (const char *const[]) { d->main, NULL }, (const char *const *) d->dirs,
                             manager_on_config_changed, m, &m->watch);
        if (r < 0)
                log_warning_errno(r, "Cannot watch the configuration files, changes need a SIGHUP: %m");
        else
                log_debug("Watching %s and %zu drop-in directories for changes", d->main, d->n_dirs);
}

/* rpfguard --ping (a liveness probe): the loop turns, and says so in the state file. */
static int manager_on_sigusr1(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        (void) s;
        log_debug("SIGUSR1 from PID %u: answering in the state file", si->ssi_pid);
        telemetry_ping(m->telemetry);
        return 0;
}

static int manager_on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        (void) s;
        log_info("Received SIG%s, stopping", sigabbrev_np((int) si->ssi_signo));
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Stopping");
        return sd_event_exit(m->event, 0);
}

int manager_new(Config *config, const ManagerOptions *options, Manager **ret) {
        Manager *m;
        int r;

        m = calloc(1, sizeof(Manager));
        if (!m) {
                config_free(config);
                return -ENOMEM;
        }
        m->options = *options;
        m->conf_fd = -1;
        if (!m->options.sysctl_root)
                m->options.sysctl_root = SYSCTL_ROOT_DEFAULT;
        m->config = config;
        manager_apply_log_level(m, config);

        r = sysctl_conf_open(m->options.sysctl_root);
        if (r < 0) {
                log_error_errno(r, "Cannot open %s/net/ipv4/conf: %m", m->options.sysctl_root);
                manager_free(m);
                return r;
        }
        m->conf_fd = r;
        *ret = m;
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        sd_event_source_disable_unref(m->netlink_source);
        sd_event_source_disable_unref(m->dump_source);
        sd_event_source_disable_unref(m->deadline_timer);
        sd_event_source_disable_unref(m->resync_timer);
        sd_event_source_disable_unref(m->status_timer);
        sd_event_source_disable_unref(m->status_source);
        sd_event_source_disable_unref(m->attribution_source);
        attribution_free(m->attribution);
        telemetry_free(m->telemetry);
        config_watch_free(m->watch);
        sd_event_unref(m->event);
        reconciler_free(m->reconciler);
        config_free(m->config);
        netlink_free(m->netlink);
        if (m->conf_fd >= 0)
                (void) close(m->conf_fd);
        free(m->reload_rejected);
        free(m);
        return NULL;
}

/* A daemon that cannot write looks healthy unless it says so: name the cause and
 * the fix, and let the caller exit non-zero. */
static int manager_unwritable(const Manager *m, int error) {
        const char *why;

        switch (error) {
        case -EROFS:
                why = "the sysctl tree is mounted read-only (an unprivileged container, or ProtectKernelTunables=)";
                break;
        case -EACCES:
        case -EPERM:
                why = "this process lacks CAP_NET_ADMIN in the network namespace";
                break;
        default:
                why = "rp_filter cannot be opened for writing";
                break;
        }
        return log_error_errno(error,
                               "Cannot write %s/net/ipv4/conf/all/rp_filter: %m: %s. rpfguard needs CAP_NET_ADMIN "
                               "in this network namespace and a writable /proc/sys/net: run it as root or with "
                               "CAP_NET_ADMIN; in a container, mount the host's /proc/sys/net read-write at another "
                               "path and pass --sysctl-root (see rpfguard(8))",
                               m->options.sysctl_root, why);
}

int manager_start(Manager *m) {
        ReconcilerOptions o = { .dry_run = m->options.dry_run, .once = m->options.once };
        int r, asked, granted;

        /* Subscribe first, dump second: a link born between the two is seen either
         * way, never neither. */
        r = netlink_open(!m->options.once, m->options.netlink_rcvbuf, &m->netlink);
        if (r < 0)
                return log_error_errno(r, "Cannot open the rtnetlink socket: %m");
        netlink_get_rcvbuf(m->netlink, &asked, &granted);
        if (!m->options.once && granted < asked)
                log_warning("The netlink receive buffer is %d bytes, asked for %d: SO_RCVBUFFORCE was refused "
                            "(no CAP_NET_ADMIN in the initial user namespace) and net.core.rmem_max capped it; "
                            "a burst of events may overflow it and cost a resync",
                            granted, asked);
        else
                log_debug("The netlink receive buffer is %d bytes", granted);

        if (!m->options.once) {
                TelemetryOptions t = {
                        .runtime_dir = m->options.runtime_dir,
                        .conf_fd = m->conf_fd,
                        .dry_run = m->options.dry_run,
                };

                r = telemetry_new(&t, &m->telemetry);
                if (r < 0)
                        return log_error_errno(r, "Cannot set up the metrics: %m");
                telemetry_config_loaded(m->telemetry, false);
        }
        /* Every sysctl.d line udev applies to new interfaces against a rule: one
         * warning each, so that the corrections that follow are expected. */
        if (!m->options.once)
                (void) explain_warn_conflicts(m->config, m->options.sysctld_root ?: EXPLAIN_ROOT_DEFAULT);
        r = reconciler_new(TAKE_PTR(m->config), &o, m->netlink, m->conf_fd, &manager_hooks, m, &m->reconciler);
        if (r < 0)
                return log_error_errno(r, "Cannot set up: %m");
        if (m->telemetry)
                telemetry_set_reconciler(m->telemetry, m->reconciler);

        r = reconciler_probe(m->reconciler);
        if (r < 0)
                return manager_unwritable(m, r);
        manager_apply_attribution(m, reconciler_config(m->reconciler)->attribute_writers);

        r = reconciler_start(m->reconciler);
        if (r < 0)
                return r;
        /* No loop yet: signals wait, blocked, until it runs. */
        while (reconciler_starting(m->reconciler)) {
                r = netlink_wait(m->netlink, STARTUP_TIMEOUT_MS);
                if (r == 0)
                        r = -ETIMEDOUT;
                if (r < 0)
                        return log_error_errno(r, "Cannot dump links: %m");
                r = reconciler_on_netlink(m->reconciler);
                if (r < 0)
                        return r;
        }
        return 0;
}

int manager_run(Manager *m) {
        ReconcilerStats stats;
        int r;

        /* A private loop, not sd_event_default(): the default one checks on every
         * iteration that it runs in its thread, which costs a gettid() system call per
         * wake-up (systemd 252); nothing else in the process shares this loop. */
        r = sd_event_new(&m->event);
        if (r < 0)
                return log_error_errno(r, "Cannot create the event loop: %m");

        /* main() blocked these before anything else: a signal that came during
         * start-up is pending, and is handled now. */
        r = sd_event_add_signal(m->event, NULL, SIGTERM, manager_on_sigterm, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, manager_on_sigterm, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGHUP, manager_on_sighup, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGUSR1, manager_on_sigusr1, m);
        if (r < 0)
                return log_error_errno(r, "Cannot handle signals: %m");

        r = sd_event_add_io(m->event, &m->netlink_source, netlink_fd(m->netlink), EPOLLIN, manager_on_netlink, m);
        if (r < 0)
                return log_error_errno(r, "Cannot watch the netlink socket: %m");
        r = sd_event_add_io(m->event, &m->dump_source, netlink_dump_fd(m->netlink), EPOLLIN, manager_on_netlink, m);
        if (r < 0)
                return log_error_errno(r, "Cannot watch the netlink dump socket: %m");
        r = sd_event_add_time(m->event, &m->deadline_timer, CLOCK_MONOTONIC, USEC_INFINITY, USEC_PER_SEC / 10,
                              manager_on_deadline, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->deadline_timer, SD_EVENT_OFF);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the back-off timer: %m");
        r = sd_event_add_time(m->event, &m->status_timer, CLOCK_MONOTONIC, 0, USEC_PER_MSEC, manager_on_status_timer,
                              m);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->status_timer, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_defer(m->event, &m->status_source, manager_on_status, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->status_source, SD_EVENT_OFF);
        if (r < 0)
                return log_error_errno(r, "Cannot set up STATUS= updates: %m");
        r = manager_watch_attribution(m);
        if (r < 0)
                return r;

        /* Fed by sd-event itself, from the loop, when $WATCHDOG_USEC asks for it. */
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                return log_error_errno(r, "Cannot enable the watchdog: %m");

        r = manager_arm_resync_timer(m);
        if (r < 0)
                return r;
        manager_arm_deadline(m);
        manager_update_watch(m);
        manager_hook_changed(m);
        manager_notify_status(m);
        /* The first metrics and state before READY=1: whoever waits for it finds them. */
        r = telemetry_start(m->telemetry, m->event);
        if (r < 0)
                return r;
        (void) sd_notify(false, "READY=1");
        reconciler_get_stats(m->reconciler, &stats);
        log_info("Started: %s %u interfaces, %u %s", reconciler_writes(m->reconciler) ? "enforcing" : "auditing",
                 stats.n_managed, stats.n_changes, reconciler_writes(m->reconciler) ? "corrections" : "drifts seen");

        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        return r > 0 ? -EIO : 0;
}

void manager_get_counts(const Manager *m, unsigned *ret_interfaces, unsigned *ret_changes, unsigned *ret_failed) {
        ReconcilerStats s;

        reconciler_get_stats(m->reconciler, &s);
        *ret_interfaces = s.n_checked;
        *ret_changes = s.n_changes;
        *ret_failed = s.n_failed_writes;
}
