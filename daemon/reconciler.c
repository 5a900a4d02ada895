/* SPDX-License-Identifier: MIT */
/* reconciler: one decision path (reconciler_check) fed by every trigger — start-up,
 * link, address and netconf events, resyncs, reloads, deadlines. Must not parse
 * netlink, know the config file format, or own a clock or a loop. */
#define _GNU_SOURCE
#include "reconciler.h"

#include <errno.h>
#include <linux/netconf.h>
#include <stdlib.h>
#include <string.h>

#include "ifmap.h"
#include "log.h"
#include "policy.h"
#include "sysctl.h"

struct Reconciler {
        ReconcilerOptions options;
        ReconcilerHooks hooks;
        void *userdata;
        Config *config;
        Netlink *netlink;
        int conf_fd;                /* net/ipv4/conf */

        IfMap *ifaces;              /* ifindex -> Iface */
        Iface all, def;
        IfaceHoldList holds;
        unsigned n_managed;

        unsigned generation;        /* link dumps requested so far */
        bool starting;              /* the start-up dump is not complete yet */
        bool resync_again;          /* events were lost while a dump was running */
        bool recheck;               /* conf/default changed: re-check every interface */
        Trigger dump_trigger;
        usec_t batch_usec;          /* when the batch being handled arrived */

        unsigned n_checked, n_changes, n_failed_writes;
};

static const char *const resync_reasons[_RESYNC_REASON_MAX] = {
        [RESYNC_OVERFLOW] = "overflow",
        [RESYNC_PERIODIC] = "periodic",
        [RESYNC_DUMP_FAILED] = "dump-failed",
};

const char *resync_reason_to_string(ResyncReason r) {
        return r >= 0 && r < _RESYNC_REASON_MAX ? resync_reasons[r] : NULL;
}

static usec_t reconciler_now(const Reconciler *r) {
        return r->hooks.now(r->userdata);
}

static void reconciler_changed(Reconciler *r) {
        if (r->hooks.changed)
                r->hooks.changed(r->userdata);
}

static void reconciler_emit(Reconciler *r, const ReconcilerEvent *ev) {
        if (r->hooks.event)
                r->hooks.event(r->userdata, ev);
}

bool reconciler_writes(const Reconciler *r) {
        return r->config->mode == MODE_ENFORCE && !r->options.dry_run;
}

/* The RPFGUARD_* fields of an entry about I. */
static LogFields iface_log_fields(const Iface *i, int old_value, int new_value, Trigger trigger) {
        return (LogFields) {
                .ifname = i->name,
                .ifindex = i->ifindex > 0 ? i->ifindex : 0,
                .rule = iface_rule_name(i),
                .old_value = old_value,
                .new_value = new_value,
                .event = trigger_field(trigger),
        };
}

static void reconciler_set_rule(Reconciler *r, Iface *i, const Rule *rule) {
        bool was = iface_managed(i);

        i->rule = rule;
        if (was != iface_managed(i)) {
                r->n_managed += iface_managed(i) ? 1 : -1U;
                reconciler_changed(r);
        }
}

static void reconciler_forget(Reconciler *r, Iface *i) {
        IfaceHold hold = i->hold;

        iface_forget(i, &r->holds);
        if (hold != IFACE_HOLD_NONE)
                reconciler_changed(r);
}

static void reconciler_drop(Reconciler *r, Iface *i) {
        if (!i)
                return;
        reconciler_set_rule(r, i, NULL);
        reconciler_forget(r, i);
        free(i);
}

/* I's newest name is NAME (the kernel's answer, never an old message's word): take
 * the rule that goes with it. A new name is a new story: any fight was with the old. */
static void reconciler_rename(Reconciler *r, Iface *i, const char *name) {
        log_debug("%s: renamed to %s (ifindex %d)", i->name, name, i->ifindex);
        reconciler_forget(r, i);
        i->has_current = false;
        (void) snprintf(i->name, sizeof(i->name), "%s", name);
        reconciler_set_rule(r, i, policy_lookup(r->config, i->name));
}

/* A change by another writer: who it was, where the manager can tell, into F and
 * BUF (TEXT_MAX bytes); NULL when not known. */
#define WRITER_TEXT_MAX 320
static const char *reconciler_writer(Reconciler *r, const Iface *i, int value, Trigger trigger, LogWriter *w,
                                     LogFields *f, char *buf) {
        if (trigger != TRIGGER_NETCONF || !r->hooks.writer || !r->hooks.writer(r->userdata, i, value, w))
                return NULL;
        f->writer = w;
        return log_writer_text(w, buf, WRITER_TEXT_MAX);
}

/* Another writer keeps undoing us: say so once, then leave I alone for a while. F:
 * the fields of the correction it would have been; WHO: that writer, if known. */
static void reconciler_back_off(Reconciler *r, Iface *i, int theirs, int wanted, usec_t duration, Trigger trigger,
                                const LogFields *f, const char *who) {
        usec_t until = reconciler_now(r) + duration;

        log_event(LOG_WARNING, LOG_KIND_FIGHT, f,
                  "%s: %s keeps setting rp_filter to %d (wanted %d): more than %u corrections within %llus, "
                  "backing off for %llus",
                  i->name, who ?: "another writer", theirs, wanted, r->config->flap_limit,
                  (unsigned long long) (r->config->flap_window_usec / USEC_PER_SEC),
                  (unsigned long long) (duration / USEC_PER_SEC));
        i->theirs = theirs;
        iface_hold(i, &r->holds, IFACE_HOLD_BACKOFF, until);
        reconciler_emit(r, &(ReconcilerEvent) { .type = RECONCILER_FIGHT, .iface = i, .old_value = theirs,
                                                .new_value = wanted, .trigger = trigger, .until = until });
        reconciler_changed(r);
}

/* A write failed for a reason other than a vanished interface: an error, every time
 * the reason changes; in the daemon, another attempt after a wait that doubles. */
static int reconciler_write_failed(Reconciler *r, Iface *i, int error, int current, int wanted, Trigger trigger) {
        bool first = i->hold != IFACE_HOLD_RETRY || i->write_error != error;
        usec_t delay, until;

        r->n_failed_writes++;
        if (r->options.once) {
                log_error_errno(error, "%s: cannot write rp_filter %d: %m", i->name, wanted);
                return error;
        }

        delay = i->hold == IFACE_HOLD_RETRY && i->retry_delay > 0 ? i->retry_delay * 2 : IFACE_RETRY_FIRST_USEC;
        if (delay > IFACE_RETRY_MAX_USEC)
                delay = IFACE_RETRY_MAX_USEC;
        until = reconciler_now(r) + delay;
        log_internal(first ? LOG_ERR : LOG_DEBUG, error, "%s: cannot write rp_filter %d: %m, retrying in %llus",
                     i->name, wanted, (unsigned long long) (delay / USEC_PER_SEC));
        if (i->hold != IFACE_HOLD_RETRY)
                reconciler_changed(r);
        iface_hold(i, &r->holds, IFACE_HOLD_RETRY, until);
        i->write_error = error;
        i->write_failures++;
        i->retry_delay = delay;
        reconciler_emit(r, &(ReconcilerEvent) { .type = RECONCILER_WRITE_FAILED, .iface = i, .old_value = current,
                                                .new_value = wanted, .trigger = trigger, .error = error,
                                                .until = until });
        return error;
}

/* A retry is no longer needed: the value is right (written, or set by someone). */
static void reconciler_write_recovered(Reconciler *r, Iface *i) {
        if (i->hold != IFACE_HOLD_RETRY)
                return;
        log_notice("%s: rp_filter can be written again (after %u failed attempts)", i->name, i->write_failures);
        iface_release(i, &r->holds);
        reconciler_changed(r);
}

/* Is NAME still I's name? Decide by ifindex and the kernel's newest name: a queued
 * rename may not have been handled yet, and then NAME may already be another
 * interface's. 1: yes; 0: no, and I now carries the newest name; -ENODEV: gone. */
static int reconciler_verify_name(Reconciler *r, Iface *i) {
        char name[IFNAMSIZ];
        int k;

        if (i->ifindex <= 0)
                return 1; /* all / default */
        k = netlink_get_ifname(r->netlink, i->ifindex, name);
        if (k < 0)
                return k;
        if (strcmp(name, i->name) == 0)
                return 1;
        reconciler_rename(r, i, name);
        return 0;
}

/* reconciler_check_once(): the name turned out to be stale; I carries the newest. */
#define CHECK_RENAMED 2

/* The one decision path: read, compare, write only on difference, log. */
static int reconciler_check_once(Reconciler *r, Iface *i, Trigger trigger) {
        _cleanup_(closep) int fd = -1;
        char who_buf[WRITER_TEXT_MAX], why[WRITER_TEXT_MAX + 16];
        const char *who;
        LogWriter writer;
        LogFields f;
        int wanted, current = 0, k;
        bool writes = reconciler_writes(r);

        wanted = iface_wanted(i, r->config);
        if (wanted < 0)
                return 0;
        r->n_checked++;
        if (i->hold == IFACE_HOLD_BACKOFF || (i->hold == IFACE_HOLD_RETRY && trigger != TRIGGER_WRITE_RETRY)) {
                log_debug("%s: %s, not checked (%s)", i->name,
                          i->hold == IFACE_HOLD_BACKOFF ? "backing off" : "waiting to retry a write",
                          trigger_text(trigger));
                return 0;
        }

        /* One open for the read and the write that may follow: the path walk through
         * /proc/sys is most of what a check costs. Not writable (EROFS, EACCES…): read
         * by name, and the write, by name too, reports why it fails. */
        if (writes)
                fd = sysctl_rp_filter_open(r->conf_fd, i->name, true);
        if (fd >= 0)
                k = sysctl_rp_filter_read_fd(fd, &current);
        else if (fd == -ENOENT || fd == -ENODEV)
                k = fd;
        else
                k = sysctl_rp_filter_read(r->conf_fd, i->name, &current);
        if (k == -ENOENT || k == -ENODEV) {
                /* Gone already, or no IPv4 configuration (yet): normal. On a rename the
                 * kernel re-registers conf/NAME around the RTM_NEWLINK, and announces
                 * the new directory with a netconf message: that one is attributed to
                 * the rename, not to another writer. */
                log_debug("%s: no IPv4 configuration, nothing to do", i->name);
                i->pending = trigger;
                i->has_pending = true;
                i->has_current = false;
                return 0;
        }
        i->has_pending = false;
        if (k < 0)
                return log_warning_errno(k, "%s: cannot read rp_filter, ignoring: %m", i->name);
        i->current = current;
        i->has_current = true;
        if (current == wanted) {
                reconciler_write_recovered(r, i);
                return 0;
        }

        f = iface_log_fields(i, current, wanted, trigger);
        who = reconciler_writer(r, i, current, trigger, &writer, &f, who_buf);
        if (who)
                (void) snprintf(why, sizeof(why), "changed by %s", who);
        reconciler_emit(r, &(ReconcilerEvent) { .type = RECONCILER_DRIFT, .iface = i, .old_value = current,
                                                .new_value = wanted, .trigger = trigger });

        if (!writes) {
                r->n_changes++;
                reconciler_changed(r);
                log_event(LOG_NOTICE, LOG_KIND_DRIFT, &f, "%s: rp_filter is %d, wanted %d (rule %s, %s); not changed: %s",
                          i->name, current, wanted, f.rule, who ? why : trigger_text(trigger),
                          r->options.dry_run ? "dry run" : "audit mode");
                return 0;
        }

        /* The name read from may be stale; the name written to must not be. The fd
         * opened above is safe either way: a rename re-registers conf/NAME, and a
         * write to the old registration fails with ENOENT. */
        k = reconciler_verify_name(r, i);
        if (k == -ENODEV) {
                log_debug("%s: vanished before rp_filter could be written", i->name);
                return 0;
        }
        if (k == 0)
                return CHECK_RENAMED;

        /* Fight bookkeeping counts corrections: a retry of a write that failed is none. */
        if (!r->options.once && trigger != TRIGGER_WRITE_RETRY) {
                FlapLimits limits = {
                        .limit = r->config->flap_limit,
                        .window = r->config->flap_window_usec,
                        .backoff = r->config->flap_backoff_usec,
                };
                usec_t backoff;

                k = flap_account(&i->flap, &limits, reconciler_now(r), &backoff);
                if (k < 0)
                        return log_warning_errno(k, "%s: cannot account the correction, ignoring: %m", i->name);
                if (k > 0) {
                        reconciler_back_off(r, i, current, wanted, backoff, trigger, &f, who);
                        return 0;
                }
        }

        k = fd >= 0 ? sysctl_rp_filter_write_fd(fd, wanted) : sysctl_rp_filter_write(r->conf_fd, i->name, wanted);
        if (k == -ENOENT || k == -ENODEV) {
                log_debug("%s: vanished before rp_filter could be written", i->name);
                return 0;
        }
        if (k < 0)
                return reconciler_write_failed(r, i, k, current, wanted, trigger);

        i->current = wanted;
        reconciler_write_recovered(r, i);
        r->n_changes++;
        reconciler_changed(r);
        reconciler_emit(r, &(ReconcilerEvent) { .type = RECONCILER_CORRECTED, .iface = i, .old_value = current,
                                                .new_value = wanted, .trigger = trigger,
                                                .latency = r->batch_usec > 0 ? reconciler_now(r) - r->batch_usec : 0 });
        log_event(LOG_INFO, LOG_KIND_CORRECTION, &f, "%s: rp_filter %d -> %d (rule %s, %s)", i->name, current,
                  wanted, f.rule, who ? why : trigger_text(trigger));
        return 1;
}

static int reconciler_check(Reconciler *r, Iface *i, Trigger trigger) {
        /* Checked again under its newest name; renamed again meanwhile, and again: the
         * queued RTM_NEWLINKs will bring it back. */
        for (unsigned n = 0; n < 4; n++) {
                int k = reconciler_check_once(r, i, trigger);

                if (k != CHECK_RENAMED)
                        return k;
                trigger = TRIGGER_LINK_RENAME;
        }
        return 0;
}

static void reconciler_check_globals(Reconciler *r, Trigger trigger) {
        /* all first: it bounds what every interface can get. */
        (void) reconciler_check(r, &r->all, trigger);
        (void) reconciler_check(r, &r->def, trigger);
}

/* Every interface. A check may rename an interface (never add or remove one), so the
 * table does not change while it is walked. */
static void reconciler_check_every_iface(Reconciler *r, Trigger trigger) {
        size_t state = 0;
        void *v;

        while (ifmap_iterate(r->ifaces, &state, &v))
                (void) reconciler_check(r, v, trigger);
}

static int reconciler_dump(Reconciler *r, Trigger trigger) {
        int k;

        if (netlink_dump_pending(r->netlink)) {
                r->resync_again = true;
                return 0;
        }
        r->generation++;
        r->dump_trigger = trigger;
        k = netlink_request_link_dump(r->netlink);
        if (k < 0)
                return log_error_errno(k, "Cannot request a link dump: %m");
        return 0;
}

int reconciler_resync(Reconciler *r, ResyncReason reason) {
        reconciler_emit(r, &(ReconcilerEvent) { .type = RECONCILER_RESYNC, .reason = reason });
        reconciler_check_globals(r, TRIGGER_RESYNC);
        return reconciler_dump(r, TRIGGER_RESYNC);
}

/* Start tracking IFINDEX, whose current name (the kernel's answer) is NAME. */
static Iface *reconciler_add(Reconciler *r, int ifindex, const char *name) {
        Iface *i;
        int k;

        i = calloc(1, sizeof(Iface));
        if (!i) {
                log_error_errno(ENOMEM, "%s: cannot track interface, resyncing later: %m", name);
                r->resync_again = true;
                return NULL;
        }
        i->ifindex = ifindex;
        (void) snprintf(i->name, sizeof(i->name), "%s", name);
        k = ifmap_put(r->ifaces, ifindex, i);
        if (k < 0) {
                free(i);
                log_error_errno(k, "%s: cannot track interface, resyncing later: %m", name);
                r->resync_again = true;
                return NULL;
        }
        reconciler_set_rule(r, i, policy_lookup(r->config, i->name));
        return i;
}

static void reconciler_remove(Reconciler *r, int ifindex) {
        Iface *i = ifmap_remove(r->ifaces, ifindex);

        if (i)
                log_debug("%s: gone (ifindex %d)", i->name, i->ifindex);
        reconciler_drop(r, i);
}

/* A message says that IFINDEX exists, maybe under a new name: a link notification
 * (NAME is its word), a dump entry, or a netconf for an ifindex we do not know.
 * Messages can be older than what was handled already — a dump entry older than a
 * rename or a deletion seen meanwhile, a queued rename older than the next one — so
 * the name comes from the kernel (SIOCGIFNAME: one syscall), and a kernel that no
 * longer knows the ifindex means it is gone. Only a message that repeats the name we
 * know (carrier, flags, MTU: the common case) costs nothing. */
static void reconciler_on_link(Reconciler *r, int ifindex, const char *name, bool dump) {
        Iface *i = ifmap_get(r->ifaces, ifindex);
        char current[IFNAMSIZ];
        Trigger trigger = dump ? r->dump_trigger : TRIGGER_LINK_NEW;
        int k;

        if (i && name && strcmp(i->name, name) == 0) {
                if (!dump)
                        return; /* rp_filter is not affected */
                i->generation = r->generation;
                (void) reconciler_check(r, i, trigger);
                return;
        }

        k = netlink_get_ifname(r->netlink, ifindex, current);
        if (k < 0) {
                log_debug_errno(k, "ifindex %d: no name, gone already: %m", ifindex);
                if (i)
                        reconciler_remove(r, ifindex);
                return;
        }
        if (!i) {
                i = reconciler_add(r, ifindex, current);
                if (!i)
                        return;
        } else if (strcmp(i->name, current) != 0) {
                reconciler_rename(r, i, current);
                trigger = TRIGGER_LINK_RENAME;
        } else if (!dump)
                return; /* an old message: the name it carries has moved on already */
        i->generation = r->generation;
        (void) reconciler_check(r, i, trigger);
}

/* The end of a link dump. Every interface it listed was marked; the others went
 * away while events were lost — or were missed by a dump the kernel flagged
 * inconsistent, or are newer than it: the kernel is asked about each. */
static void reconciler_on_dump_done(Reconciler *r, const NetlinkEvent *ev) {
        size_t state = 0, n = 0;
        int *unlisted;
        void *v;

        if (ev->error < 0) {
                log_warning_errno(ev->error, "The link dump failed, trying again: %m");
                reconciler_emit(r, &(ReconcilerEvent) { .type = RECONCILER_RESYNC, .reason = RESYNC_DUMP_FAILED });
                r->resync_again = true;
        } else {
                if (ev->inconsistent)
                        log_debug("The link dump stayed inconsistent after %d retries, taking it as it is",
                                  NETLINK_DUMP_RETRIES);
                unlisted = calloc(ifmap_size(r->ifaces) + 1, sizeof(int));
                if (!unlisted)
                        r->resync_again = true;
                while (unlisted && ifmap_iterate(r->ifaces, &state, &v))
                        if (((Iface *) v)->generation != r->generation)
                                unlisted[n++] = ((Iface *) v)->ifindex;
                for (size_t k = 0; k < n; k++)
                        reconciler_on_link(r, unlisted[k], NULL, true);
                free(unlisted);
        }

        if (r->resync_again) {
                r->resync_again = false;
                if (r->starting)
                        log_warning("Events were lost during start-up, dumping again");
                reconciler_check_globals(r, r->starting ? TRIGGER_STARTUP : TRIGGER_RESYNC);
                (void) reconciler_dump(r, r->starting ? TRIGGER_STARTUP : TRIGGER_RESYNC);
                return;
        }
        if (r->starting) {
                r->starting = false;
                reconciler_changed(r);
        }
}

static void reconciler_on_netconf(Reconciler *r, const NetlinkEvent *ev) {
        Iface *i;
        int wanted;

        if (ev->ifindex == NETCONFA_IFINDEX_ALL)
                i = &r->all;
        else if (ev->ifindex == NETCONFA_IFINDEX_DEFAULT) {
                i = &r->def;
                /* The kernel copied the new default onto every interface whose rp_filter
                 * was never written, without telling anyone: re-check them all once the
                 * batch is handled. */
                r->recheck = true;
        } else {
                i = ifmap_get(r->ifaces, ev->ifindex);
                if (!i) {
                        /* A new interface (or one that just got IPv4 configuration): the
                         * kernel announces its conf/ directory before the RTM_NEWLINK that
                         * names it — for a pod's veth a third of a millisecond before —
                         * and netlink.c filters that RTM_NEWLINK out: asking the kernel
                         * for the name now is how a new interface is learnt. */
                        reconciler_on_link(r, ev->ifindex, NULL, false);
                        return;
                }
        }
        wanted = iface_wanted(i, r->config);
        if (wanted >= 0 && ev->rp_filter != wanted)
                (void) reconciler_check(r, i, i->has_pending ? i->pending : TRIGGER_NETCONF);
        else if (wanted >= 0 && i->has_current && i->current != ev->rp_filter) {
                /* Right again without us (audit mode, a back-off, our own write's echo
                 * after a failed one): what the metrics and the state show. */
                i->current = ev->rp_filter;
                reconciler_changed(r);
        }
}

static void reconciler_on_netlink_event(const NetlinkEvent *ev, void *userdata) {
        Reconciler *r = userdata;
        Iface *i;

        switch (ev->type) {
        case NETLINK_EVENT_LINK_NEW:
                reconciler_on_link(r, ev->ifindex, ev->ifname, ev->dump);
                break;
        case NETLINK_EVENT_LINK_DEL:
                reconciler_remove(r, ev->ifindex);
                break;
        case NETLINK_EVENT_ADDR_NEW:
                /* An interface whose MTU was too small for IPv4 gets its conf/ directory
                 * with its first address: look again. */
                i = ifmap_get(r->ifaces, ev->ifindex);
                if (i)
                        (void) reconciler_check(r, i, TRIGGER_ADDR);
                break;
        case NETLINK_EVENT_NETCONF:
                reconciler_on_netconf(r, ev);
                break;
        case NETLINK_EVENT_DUMP_RESTART:
                log_debug("The link dump was inconsistent, dumping again");
                break;
        case NETLINK_EVENT_DUMP_DONE:
                reconciler_on_dump_done(r, ev);
                break;
        default:
                break;
        }
}

int reconciler_on_netlink(Reconciler *r) {
        LogFields f = LOG_FIELDS_INIT;
        int k;

        r->batch_usec = reconciler_now(r);
        k = netlink_receive(r->netlink, reconciler_on_netlink_event, r);
        if (k == -ENOBUFS) {
                f.event = trigger_field(TRIGGER_RESYNC);
                log_event(LOG_WARNING, LOG_KIND_RESYNC, &f,
                          "Netlink receive buffer overflowed, events were lost: re-checking every interface");
                /* Until the queue has been emptied the kernel drops silently: empty it
                 * (what it holds is older than the dump that follows), then dump. */
                k = netlink_drain(r->netlink);
                if (k < 0)
                        return log_error_errno(k, "Cannot receive from netlink: %m");
                if (r->starting)
                        r->resync_again = true; /* the start-up dump repeats when done */
                else
                        k = reconciler_resync(r, RESYNC_OVERFLOW);
                if (k < 0)
                        return k;
        } else if (k < 0)
                return log_error_errno(k, "Cannot receive from netlink: %m");

        if (r->recheck) {
                r->recheck = false;
                reconciler_check_every_iface(r, TRIGGER_NETCONF);
        }
        r->batch_usec = 0;
        return 0;
}

usec_t reconciler_next_deadline(const Reconciler *r) {
        return iface_hold_list_next(&r->holds);
}

void reconciler_on_time(Reconciler *r) {
        usec_t now = reconciler_now(r);
        Iface *i;

        while ((i = iface_hold_list_expired(&r->holds, now))) {
                if (i->hold == IFACE_HOLD_BACKOFF) {
                        iface_release(i, &r->holds);
                        flap_backoff_ended(&i->flap, now);
                        log_info("%s: back-off over, enforcing again", i->name);
                        reconciler_changed(r);
                        (void) reconciler_check(r, i, TRIGGER_RETRY);
                        continue;
                }
                i->hold_until = USEC_INFINITY; /* a failure below re-arms it */
                (void) reconciler_check(r, i, TRIGGER_WRITE_RETRY);
                if (i->hold == IFACE_HOLD_RETRY && i->hold_until == USEC_INFINITY) {
                        iface_release(i, &r->holds); /* not retried: nothing to write any more */
                        reconciler_changed(r);
                }
        }
}

int reconciler_probe(const Reconciler *r) {
        int fd;

        if (!reconciler_writes(r))
                return 0;
        fd = sysctl_rp_filter_open(r->conf_fd, SYSCTL_CONF_ALL, true);
        if (fd < 0)
                return fd;
        (void) close(fd);
        return 0;
}

int reconciler_start(Reconciler *r) {
        r->starting = true;
        reconciler_check_globals(r, TRIGGER_STARTUP);
        return reconciler_dump(r, TRIGGER_STARTUP);
}

bool reconciler_starting(const Reconciler *r) {
        return r->starting;
}

void reconciler_reload(Reconciler *r, Config *config) {
        size_t state = 0;
        void *v;

        /* Rule pointers move to the new Config before the old one is freed. */
        reconciler_forget(r, &r->all);
        reconciler_forget(r, &r->def);
        while (ifmap_iterate(r->ifaces, &state, &v)) {
                reconciler_forget(r, v);
                reconciler_set_rule(r, v, policy_lookup(config, ((Iface *) v)->name));
        }
        config_free(r->config);
        r->config = config;

        reconciler_check_globals(r, TRIGGER_RELOAD);
        reconciler_check_every_iface(r, TRIGGER_RELOAD);
        reconciler_changed(r);
}

const Config *reconciler_config(const Reconciler *r) {
        return r->config;
}

void reconciler_get_stats(const Reconciler *r, ReconcilerStats *ret) {
        *ret = (ReconcilerStats) {
                .n_managed = r->n_managed,
                .n_checked = r->n_checked,
                .n_changes = r->n_changes,
                .n_backoff = r->holds.n[IFACE_HOLD_BACKOFF],
                .n_write_errors = r->holds.n[IFACE_HOLD_RETRY],
                .n_failed_writes = r->n_failed_writes,
                .n_tracked = (unsigned) ifmap_size(r->ifaces),
        };
}

bool reconciler_iterate(const Reconciler *r, size_t *state, const Iface **ret) {
        void *v;

        if (!ifmap_iterate(r->ifaces, state, &v))
                return false;
        *ret = v;
        return true;
}

const Iface *reconciler_all(const Reconciler *r) {
        return &r->all;
}

const Iface *reconciler_default(const Reconciler *r) {
        return &r->def;
}

int reconciler_new(Config *config, const ReconcilerOptions *options, Netlink *netlink, int conf_fd,
                   const ReconcilerHooks *hooks, void *userdata, Reconciler **ret) {
        Reconciler *r;
        int k;

        r = calloc(1, sizeof(Reconciler));
        if (!r) {
                config_free(config);
                return -ENOMEM;
        }
        *r = (Reconciler) {
                .options = *options,
                .hooks = *hooks,
                .userdata = userdata,
                .config = config,
                .netlink = netlink,
                .conf_fd = conf_fd,
                .all = { .ifindex = NETCONFA_IFINDEX_ALL, .name = SYSCTL_CONF_ALL },
                .def = { .ifindex = NETCONFA_IFINDEX_DEFAULT, .name = SYSCTL_CONF_DEFAULT },
        };
        k = ifmap_new(&r->ifaces);
        if (k < 0) {
                reconciler_free(r);
                return k;
        }
        *ret = r;
        return 0;
}

Reconciler *reconciler_free(Reconciler *r) {
        size_t state = 0;
        void *v;

        if (!r)
                return NULL;
        if (r->ifaces) {
                while (ifmap_iterate(r->ifaces, &state, &v)) {
                        iface_forget(v, &r->holds);
                        free(v);
                }
                ifmap_free(r->ifaces);
        }
        iface_forget(&r->all, &r->holds);
        iface_forget(&r->def, &r->holds);
        config_free(r->config);
        free(r);
        return NULL;
}
