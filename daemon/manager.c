/* SPDX-License-Identifier: MIT */
/* manager: one decision path (manager_check) fed by every trigger — start-up, link,
 * address and netconf events, resyncs, reloads, back-off ends. Must not parse netlink
 * or know the config file format; it asks netlink.c, config.c and policy.c. */
#define _GNU_SOURCE
#include "manager.h"

#include <errno.h>
#include <linux/netconf.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "flap.h"
#include "ifmap.h"
#include "log.h"
#include "netlink.h"
#include "policy.h"
#include "sysctl.h"

/* Why an interface is being looked at: RPFGUARD_EVENT and the end of MESSAGE. */
typedef enum Trigger {
        TRIGGER_STARTUP,
        TRIGGER_LINK_NEW,
        TRIGGER_LINK_RENAME,
        TRIGGER_ADDR,
        TRIGGER_NETCONF,
        TRIGGER_RESYNC,
        TRIGGER_RELOAD,
        TRIGGER_RETRY,
        _TRIGGER_MAX,
} Trigger;

static const struct {
        const char *field;
        const char *text;
} triggers[_TRIGGER_MAX] = {
        [TRIGGER_STARTUP]     = { "startup",     "start-up" },
        [TRIGGER_LINK_NEW]    = { "link-new",    "new link" },
        [TRIGGER_LINK_RENAME] = { "link-rename", "renamed" },
        [TRIGGER_ADDR]        = { "addr",        "new address" },
        [TRIGGER_NETCONF]     = { "netconf",     "changed by another writer" },
        [TRIGGER_RESYNC]      = { "resync",      "resync" },
        [TRIGGER_RELOAD]      = { "reload",      "reload" },
        [TRIGGER_RETRY]       = { "retry",       "after back-off" },
};

/* An interface, or one of the pseudo-interfaces all/default. */
typedef struct Iface {
        Manager *manager;
        int ifindex;                /* > 0, or NETCONFA_IFINDEX_ALL/_DEFAULT */
        char name[IFNAMSIZ];        /* the newest name known for ifindex */
        const Rule *rule;           /* into manager->config; NULL: unmanaged */
        unsigned generation;        /* the last link dump that listed it */
        Trigger pending;            /* why it was last checked without a conf/ directory */
        bool has_pending;
        Flap flap;
        sd_event_source *retry;     /* set while backing off from a fight */
} Iface;

struct Manager {
        ManagerOptions options;
        Config *config;
        sd_event *event;
        Netlink *netlink;
        int conf_fd;                /* /proc/sys/net/ipv4/conf */

        IfMap *ifaces;              /* ifindex -> Iface */
        Iface all, def;
        unsigned n_managed;         /* interfaces with a rule that is not "ignore" */

        unsigned generation;        /* link dumps requested so far */
        bool in_startup;
        bool resync_again;          /* events were lost while a dump was running */
        Trigger dump_trigger;

        sd_event_source *netlink_source; /* notifications */
        sd_event_source *dump_source;    /* link dump replies */
        sd_event_source *recheck_source; /* deferred re-check of every interface */
        Trigger recheck_trigger;
        sd_event_source *resync_timer;
        sd_event_source *status_source;  /* on while status_dirty: sends STATUS= */
        sd_event_source *status_timer;   /* a STATUS= held back during a burst */
        usec_t status_sent;              /* when the last STATUS= went out */

        unsigned n_checked;         /* interfaces looked at (for --once) */
        unsigned n_changes;         /* corrections, or drifts seen when not writing */
        bool status_dirty;
};

/* Something STATUS= shows changed: send it once the current event is handled. Only
 * then: an event that changed nothing costs no extra turn of the loop. */
static void manager_status_changed(Manager *m) {
        m->status_dirty = true;
        if (m->status_source)
                (void) sd_event_source_set_enabled(m->status_source, SD_EVENT_ONESHOT);
}

static bool manager_writes(const Manager *m) {
        return m->config->mode == MODE_ENFORCE && !m->options.dry_run;
}

static usec_t now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

/* The value wanted for I, or -1 when I is to be left alone. */
static int iface_wanted(const Iface *i) {
        const Config *c = i->manager->config;
        RpFilter v;

        if (i->ifindex == NETCONFA_IFINDEX_ALL)
                v = c->all;
        else if (i->ifindex == NETCONFA_IFINDEX_DEFAULT)
                v = c->def;
        else
                v = i->rule ? i->rule->value : RP_FILTER_UNSET;
        return v < _RP_FILTER_MAX ? (int) v : -1;
}

static const char *iface_rule_name(const Iface *i) {
        if (i->ifindex < 0)
                return i->name; /* all / default: the [global] key */
        return i->rule ? i->rule->pattern : NULL;
}

/* The RPFGUARD_* fields of an entry about I. */
static LogFields iface_log_fields(const Iface *i, int old_value, int new_value, Trigger trigger) {
        return (LogFields) {
                .ifname = i->name,
                .ifindex = i->ifindex > 0 ? i->ifindex : 0,
                .rule = iface_rule_name(i),
                .old_value = old_value,
                .new_value = new_value,
                .event = triggers[trigger].field,
        };
}

static void iface_set_rule(Iface *i, const Rule *rule) {
        Manager *m = i->manager;
        bool was = i->rule && i->rule->value != RP_FILTER_IGNORE;
        bool is = rule && rule->value != RP_FILTER_IGNORE;

        i->rule = rule;
        m->n_managed += (unsigned) is - (unsigned) was;
        if (was != is)
                manager_status_changed(m);
}

static void iface_stop_backoff(Iface *i) {
        i->retry = sd_event_source_disable_unref(i->retry);
}

static void iface_forget(Iface *i) {
        iface_stop_backoff(i);
        flap_reset(&i->flap);
}

static void iface_free(Iface *i) {
        if (!i)
                return;
        iface_set_rule(i, NULL);
        iface_forget(i);
        free(i);
}

static int manager_check(Manager *m, Iface *i, Trigger trigger);

static int manager_on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Iface *i = userdata;

        (void) s;
        iface_stop_backoff(i);
        flap_backoff_ended(&i->flap, usec);
        log_info("%s: back-off over, enforcing again", i->name);
        (void) manager_check(i->manager, i, TRIGGER_RETRY);
        return 0;
}

/* Another writer keeps undoing us: say so once, then leave I alone for a while. */
static void manager_back_off(Manager *m, Iface *i, int theirs, int wanted, usec_t duration, Trigger trigger) {
        LogFields f = iface_log_fields(i, theirs, wanted, trigger);
        int r;

        log_event(LOG_WARNING, LOG_KIND_FIGHT, &f,
                  "%s: another writer keeps setting rp_filter to %d (wanted %d): more than %u corrections within %llus, "
                  "backing off for %llus",
                  i->name, theirs, wanted, m->config->flap_limit,
                  (unsigned long long) (m->config->flap_window_usec / USEC_PER_SEC),
                  (unsigned long long) (duration / USEC_PER_SEC));

        r = sd_event_add_time_relative(m->event, &i->retry, CLOCK_MONOTONIC, duration, USEC_PER_SEC / 10,
                                       manager_on_retry, i);
        if (r < 0)
                log_warning_errno(r, "%s: cannot arm the back-off timer, enforcing right away: %m", i->name);
}

/* The one decision path: read, compare, write only on difference, log. */
static int manager_check(Manager *m, Iface *i, Trigger trigger) {
        _cleanup_(closep) int fd = -1;
        LogFields f;
        int wanted, current, r;

        wanted = iface_wanted(i);
        if (wanted < 0)
                return 0;
        m->n_checked++;
        if (i->retry) {
                log_debug("%s: backing off, not checked (%s)", i->name, triggers[trigger].text);
                return 0;
        }

        /* One open for the read and the write that may follow: the path walk through
         * /proc/sys is most of what a check costs. Not writable (EROFS, EACCES…): read
         * by name, and the write, by name too, reports why it fails. */
        if (manager_writes(m))
                fd = sysctl_rp_filter_open(m->conf_fd, i->name, true);
        if (fd >= 0)
                current = sysctl_rp_filter_read_fd(fd);
        else if (fd == -ENOENT || fd == -ENODEV)
                current = fd;
        else
                current = sysctl_rp_filter_read(m->conf_fd, i->name);
        if (current == -ENOENT || current == -ENODEV) {
                /* Gone already, or no IPv4 configuration (yet): normal. On a rename the
                 * kernel re-registers conf/NAME around the RTM_NEWLINK, and announces
                 * the new directory with a netconf message: that one is attributed to
                 * the rename, not to another writer. */
                log_debug("%s: no IPv4 configuration, nothing to do", i->name);
                i->pending = trigger;
                i->has_pending = true;
                return 0;
        }
        i->has_pending = false;
        if (current < 0)
                return log_warning_errno(current, "%s: cannot read rp_filter, ignoring: %m", i->name);
        if (current == wanted)
                return 0;

        f = iface_log_fields(i, current, wanted, trigger);

        if (!manager_writes(m)) {
                m->n_changes++;
                manager_status_changed(m);
                log_event(LOG_NOTICE, LOG_KIND_DRIFT, &f, "%s: rp_filter is %d, wanted %d (rule %s, %s); not changed: %s",
                          i->name, current, wanted, f.rule, triggers[trigger].text,
                          m->options.dry_run ? "dry run" : "audit mode");
                return 0;
        }

        if (!m->options.once) {
                FlapLimits limits = {
                        .limit = m->config->flap_limit,
                        .window = m->config->flap_window_usec,
                        .backoff = m->config->flap_backoff_usec,
                };
                usec_t backoff;

                r = flap_account(&i->flap, &limits, now_usec(), &backoff);
                if (r < 0)
                        return log_warning_errno(r, "%s: cannot account the correction, ignoring: %m", i->name);
                if (r > 0) {
                        manager_back_off(m, i, current, wanted, backoff, trigger);
                        return 0;
                }
        }

        r = fd >= 0 ? sysctl_rp_filter_write_fd(fd, wanted) : sysctl_rp_filter_write(m->conf_fd, i->name, wanted);
        if (r == -ENOENT || r == -ENODEV) {
                log_debug("%s: vanished before rp_filter could be written", i->name);
                return 0;
        }
        if (r < 0)
                return log_warning_errno(r, "%s: cannot write rp_filter=%d, ignoring: %m", i->name, wanted);

        m->n_changes++;
        manager_status_changed(m);
        log_event(LOG_INFO, LOG_KIND_CORRECTION, &f, "%s: rp_filter %d -> %d (rule %s, %s)", i->name, current,
                  wanted, f.rule, triggers[trigger].text);
        return 1;
}

static void manager_check_globals(Manager *m, Trigger trigger) {
        /* all first: it bounds what every interface can get. */
        (void) manager_check(m, &m->all, trigger);
        (void) manager_check(m, &m->def, trigger);
}

static void manager_check_every_iface(Manager *m, Trigger trigger) {
        size_t state = 0;
        void *v;

        while (ifmap_iterate(m->ifaces, &state, &v))
                (void) manager_check(m, v, trigger);
}

static int manager_on_recheck(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        (void) s;
        manager_check_every_iface(m, m->recheck_trigger);
        return 0;
}

/* Re-check every interface once the current batch of events is handled: a burst of
 * changes to conf/default costs one pass, not one per event. */
static void manager_schedule_recheck(Manager *m, Trigger trigger) {
        if (!m->recheck_source) {
                manager_check_every_iface(m, trigger); /* no loop (yet): now */
                return;
        }
        m->recheck_trigger = trigger;
        (void) sd_event_source_set_enabled(m->recheck_source, SD_EVENT_ONESHOT);
}

static int manager_dump(Manager *m, Trigger trigger) {
        int r;

        if (netlink_dump_pending(m->netlink)) {
                m->resync_again = true;
                return 0;
        }
        m->generation++;
        m->dump_trigger = trigger;
        r = netlink_request_link_dump(m->netlink);
        if (r < 0)
                return log_error_errno(r, "Cannot request a link dump: %m");
        return 0;
}

/* Events were lost, or the periodic re-check is due: everything is looked at again. */
static int manager_resync(Manager *m, Trigger trigger) {
        manager_check_globals(m, trigger);
        return manager_dump(m, trigger);
}

/* The newest name known for IFINDEX is NAME (from a link message, a dump, or the
 * kernel asked directly): start tracking the interface, or follow its rename, and
 * check it. DUMP: NAME comes from our link dump (the interface is still there). */
static void manager_track(Manager *m, int ifindex, const char *name, bool dump) {
        Iface *i = ifmap_get(m->ifaces, ifindex);
        Trigger trigger;
        int r;

        if (!i) {
                i = calloc(1, sizeof(Iface));
                if (!i) {
                        log_error_errno(ENOMEM, "%s: cannot track interface, resyncing later: %m", name);
                        m->resync_again = true;
                        return;
                }
                i->manager = m;
                i->ifindex = ifindex;
                r = ifmap_put(m->ifaces, ifindex, i);
                if (r < 0) {
                        free(i);
                        log_error_errno(r, "%s: cannot track interface, resyncing later: %m", name);
                        m->resync_again = true;
                        return;
                }
                trigger = dump ? m->dump_trigger : TRIGGER_LINK_NEW;
        } else if (strcmp(i->name, name) != 0) {
                log_debug("%s: renamed to %s (ifindex %d)", i->name, name, ifindex);
                /* A new name means a new rule and a new story: any fight was with the old one. */
                iface_forget(i);
                trigger = TRIGGER_LINK_RENAME;
        } else if (dump) {
                i->generation = m->generation;
                (void) manager_check(m, i, m->dump_trigger);
                return;
        } else
                return; /* carrier, flags, MTU…: rp_filter is not affected */

        /* The kernel guarantees NUL-terminated names of < IFNAMSIZ bytes. */
        (void) snprintf(i->name, sizeof(i->name), "%s", name);
        i->generation = m->generation;
        iface_set_rule(i, policy_lookup(m->config, i->name));
        (void) manager_check(m, i, trigger);
}

/* A netconf message for an ifindex we do not know: a new interface (or one that
 * just got IPv4 configuration). The kernel announces its conf/ directory before the
 * RTM_NEWLINK that names it — for a veth whose peer is in another namespace (a
 * pod's), about a third of a millisecond before — and netlink.c filters that
 * RTM_NEWLINK out: asking for the name now is how a new interface is learnt. The
 * name is newer than the queued events; were it renamed meanwhile, the queued link
 * messages replay the renames in order, and the value written is in any case the
 * one the rule for the current name wants. */
static void manager_on_unknown_netconf(Manager *m, int ifindex) {
        char name[IFNAMSIZ];
        int r;

        r = netlink_get_ifname(m->netlink, ifindex, name);
        if (r < 0) {
                /* Gone again (its RTM_DELLINK follows) or moved to another namespace. */
                log_debug_errno(r, "ifindex %d: no name, gone already: %m", ifindex);
                return;
        }
        manager_track(m, ifindex, name, false);
}

static void manager_on_dump_done(Manager *m, const NetlinkEvent *ev) {
        size_t state = 0, n_gone = 0;
        int *gone = NULL;
        void *v;

        if (ev->error == -EAGAIN) {
                log_debug("The link dump was inconsistent, dumping again");
                (void) manager_dump(m, m->dump_trigger);
                return;
        }
        if (ev->error < 0) {
                log_warning_errno(ev->error, "The link dump failed, trying again: %m");
                m->resync_again = true;
        } else {
                /* Interfaces the dump did not list went away while events were lost. */
                gone = calloc(ifmap_size(m->ifaces) + 1, sizeof(int));
                while (gone && ifmap_iterate(m->ifaces, &state, &v))
                        if (((Iface *) v)->generation != m->generation)
                                gone[n_gone++] = ((Iface *) v)->ifindex;
                for (size_t k = 0; k < n_gone; k++)
                        iface_free(ifmap_remove(m->ifaces, gone[k]));
                free(gone);
        }

        if (m->resync_again && !m->in_startup) {
                m->resync_again = false;
                (void) manager_resync(m, TRIGGER_RESYNC);
        }
}

static void manager_on_netlink_event(const NetlinkEvent *ev, void *userdata) {
        Manager *m = userdata;
        Iface *i;

        switch (ev->type) {
        case NETLINK_EVENT_LINK_NEW:
                manager_track(m, ev->ifindex, ev->ifname, ev->dump);
                break;
        case NETLINK_EVENT_LINK_DEL:
                i = ifmap_remove(m->ifaces, ev->ifindex);
                if (i)
                        log_debug("%s: deleted (ifindex %d)", i->name, i->ifindex);
                iface_free(i);
                break;
        case NETLINK_EVENT_ADDR_NEW:
                /* An interface whose MTU was too small for IPv4 gets its conf/ directory
                 * with its first address: look again. */
                i = ifmap_get(m->ifaces, ev->ifindex);
                if (i)
                        (void) manager_check(m, i, TRIGGER_ADDR);
                break;
        case NETLINK_EVENT_NETCONF:
                if (ev->ifindex == NETCONFA_IFINDEX_ALL)
                        i = &m->all;
                else if (ev->ifindex == NETCONFA_IFINDEX_DEFAULT) {
                        i = &m->def;
                        /* The kernel copied the new default onto every interface whose
                         * rp_filter was never written, without telling anyone. */
                        manager_schedule_recheck(m, TRIGGER_NETCONF);
                } else {
                        i = ifmap_get(m->ifaces, ev->ifindex);
                        if (!i) {
                                manager_on_unknown_netconf(m, ev->ifindex);
                                break;
                        }
                }
                if (i && iface_wanted(i) >= 0 && ev->rp_filter != iface_wanted(i))
                        (void) manager_check(m, i, i->has_pending ? i->pending : TRIGGER_NETCONF);
                break;
        case NETLINK_EVENT_DUMP_DONE:
                manager_on_dump_done(m, ev);
                break;
        default:
                break;
        }
}

static void manager_notify_status(Manager *m) {
        if (!m->status_dirty)
                return;
        m->status_dirty = false;
        m->status_sent = now_usec();
        (void) sd_notifyf(false, "STATUS=%s %u interfaces, %u %s", manager_writes(m) ? "Enforcing" : "Auditing",
                          m->n_managed, m->n_changes, manager_writes(m) ? "corrections" : "drifts seen");
}

static int manager_on_netlink(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        LogFields f = LOG_FIELDS_INIT;
        int r;

        (void) s, (void) fd, (void) revents;
        r = netlink_receive(m->netlink, manager_on_netlink_event, m);
        if (r == -ENOBUFS) {
                f.event = triggers[TRIGGER_RESYNC].field;
                log_event(LOG_WARNING, LOG_KIND_RESYNC, &f,
                          "Netlink receive buffer overflowed, events were lost: re-checking every interface");
                return manager_resync(m, TRIGGER_RESYNC) < 0 ? sd_event_exit(m->event, 1) : 0;
        }
        if (r < 0) {
                log_error_errno(r, "Cannot receive from netlink: %m");
                return sd_event_exit(m->event, 1);
        }
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
        (void) manager_resync(m, TRIGGER_RESYNC);
        return manager_arm_resync_timer(m);
}

static int manager_arm_resync_timer(Manager *m) {
        usec_t interval = m->config->resync_interval_usec;
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

static void manager_apply_log_level(const Manager *m) {
        log_set_max_level(m->options.verbose ? LOG_DEBUG : m->config->log_level);
}

static int manager_on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;
        ConfigReport report;
        Config *c = NULL;
        LogFields f = LOG_FIELDS_INIT;
        size_t state = 0;
        void *v;
        int r;

        (void) s, (void) si;
        (void) sd_notifyf(false, "RELOADING=1\nSTATUS=Reloading %s\nMONOTONIC_USEC=%llu", m->options.config_path,
                          (unsigned long long) now_usec());

        f.event = triggers[TRIGGER_RELOAD].field;
        r = config_load(m->options.config_path, &c, &report);
        log_config_report(m->options.config_path, r, &report, f.event);
        if (r < 0) {
                log_event(LOG_ERR, LOG_KIND_CONFIG_REJECTED, &f, "%s rejected, keeping the running configuration",
                          m->options.config_path);
                config_report_done(&report);
                manager_status_changed(m);
                (void) sd_notify(false, "READY=1");
                return 0;
        }

        /* Swap: rule pointers move to the new Config before the old one is freed.
         * Back-offs and fight counts belong to the old rules: forgotten. */
        iface_forget(&m->all);
        iface_forget(&m->def);
        while (ifmap_iterate(m->ifaces, &state, &v)) {
                Iface *i = v;
                iface_forget(i);
                iface_set_rule(i, policy_lookup(c, i->name));
        }
        config_free(m->config);
        m->config = c;
        manager_apply_log_level(m);
        config_report_done(&report);
        log_event(LOG_NOTICE, LOG_KIND_CONFIG_LOADED, &f, "Configuration reloaded from %s: %zu rules, mode %s",
                  m->options.config_path, c->n_rules, mode_to_string(c->mode));

        (void) manager_arm_resync_timer(m);
        manager_check_globals(m, TRIGGER_RELOAD);
        manager_check_every_iface(m, TRIGGER_RELOAD);

        manager_status_changed(m);
        (void) sd_notify(false, "READY=1");
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
        m->config = config;
        m->conf_fd = -1;
        m->all = (Iface) { .manager = m, .ifindex = NETCONFA_IFINDEX_ALL, .name = SYSCTL_CONF_ALL };
        m->def = (Iface) { .manager = m, .ifindex = NETCONFA_IFINDEX_DEFAULT, .name = SYSCTL_CONF_DEFAULT };
        manager_apply_log_level(m);

        r = ifmap_new(&m->ifaces);
        if (r < 0)
                goto fail;
        r = sysctl_conf_open(SYSCTL_ROOT_DEFAULT);
        if (r < 0) {
                log_error_errno(r, "Cannot open %s/net/ipv4/conf: %m", SYSCTL_ROOT_DEFAULT);
                goto fail;
        }
        m->conf_fd = r;

        *ret = m;
        return 0;
fail:
        manager_free(m);
        return r;
}

Manager *manager_free(Manager *m) {
        size_t state = 0;
        void *v;

        if (!m)
                return NULL;
        if (m->ifaces) {
                while (ifmap_iterate(m->ifaces, &state, &v))
                        iface_free(v);
                ifmap_free(m->ifaces);
        }
        iface_forget(&m->all);
        iface_forget(&m->def);
        sd_event_source_disable_unref(m->netlink_source);
        sd_event_source_disable_unref(m->dump_source);
        sd_event_source_disable_unref(m->recheck_source);
        sd_event_source_disable_unref(m->resync_timer);
        sd_event_source_disable_unref(m->status_timer);
        sd_event_source_disable_unref(m->status_source);
        sd_event_unref(m->event);
        netlink_free(m->netlink);
        if (m->conf_fd >= 0)
                (void) close(m->conf_fd);
        config_free(m->config);
        free(m);
        return NULL;
}

int manager_start(Manager *m) {
        int r;

        /* Subscribe first, dump second: a link born between the two is seen either
         * way, never neither. */
        r = netlink_open(!m->options.once, m->options.netlink_rcvbuf, &m->netlink);
        if (r < 0)
                return log_error_errno(r, "Cannot open the rtnetlink socket: %m");

        m->in_startup = true;
        manager_check_globals(m, TRIGGER_STARTUP);
        for (;;) {
                m->generation++;
                m->dump_trigger = TRIGGER_STARTUP;
                r = netlink_dump_links_sync(m->netlink, manager_on_netlink_event, m);
                if (r == -ENOBUFS || (r >= 0 && m->resync_again)) {
                        log_warning("Events were lost during start-up, dumping again");
                        m->resync_again = false;
                        manager_check_globals(m, TRIGGER_STARTUP);
                        continue;
                }
                if (r < 0)
                        return log_error_errno(r, "Cannot dump links: %m");
                break;
        }
        m->in_startup = false;
        return 0;
}

int manager_run(Manager *m) {
        sigset_t mask;
        int r;

        /* A private loop, not sd_event_default(): the default one checks on every
         * iteration that it runs in its thread, which costs a gettid() system call per
         * wake-up (systemd 252); nothing else in the process shares this loop. */
        r = sd_event_new(&m->event);
        if (r < 0)
                return log_error_errno(r, "Cannot create the event loop: %m");

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(errno, "Cannot block signals: %m");

        r = sd_event_add_signal(m->event, NULL, SIGTERM, manager_on_sigterm, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, manager_on_sigterm, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGHUP, manager_on_sighup, m);
        if (r >= 0)
                r = sd_event_add_io(m->event, &m->netlink_source, netlink_fd(m->netlink), EPOLLIN,
                                    manager_on_netlink, m);
        if (r >= 0)
                r = sd_event_add_io(m->event, &m->dump_source, netlink_dump_fd(m->netlink), EPOLLIN,
                                    manager_on_netlink, m);
        if (r >= 0)
                r = sd_event_add_defer(m->event, &m->recheck_source, manager_on_recheck, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->recheck_source, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time(m->event, &m->status_timer, CLOCK_MONOTONIC, 0, USEC_PER_MSEC,
                                      manager_on_status_timer, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->status_timer, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_defer(m->event, &m->status_source, manager_on_status, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->status_source, SD_EVENT_OFF);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the event loop: %m");

        /* Fed by sd-event itself, from the loop, when $WATCHDOG_USEC asks for it. */
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                return log_error_errno(r, "Cannot enable the watchdog: %m");

        r = manager_arm_resync_timer(m);
        if (r < 0)
                return r;

        manager_status_changed(m);
        manager_notify_status(m);
        (void) sd_notify(false, "READY=1");
        log_info("Started: %s %u interfaces, %u %s", manager_writes(m) ? "enforcing" : "auditing", m->n_managed,
                 m->n_changes, manager_writes(m) ? "corrections" : "drifts seen");

        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        return r > 0 ? -EIO : 0;
}

void manager_get_counts(const Manager *m, unsigned *ret_interfaces, unsigned *ret_changes) {
        *ret_interfaces = m->n_checked;
        *ret_changes = m->n_changes;
}
