/* SPDX-License-Identifier: MIT */
/* iface: the per-interface bookkeeping the reconciler keeps — wanted value, holds and
 * their deadlines. Pure: no I/O, no clock of its own, no logging. */
#include "iface.h"

#include <linux/netconf.h>
#include <stddef.h>

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
        [TRIGGER_WRITE_RETRY] = { "retry",       "retried after a failed write" },
};

const char *trigger_field(Trigger t) {
        return t >= 0 && t < _TRIGGER_MAX ? triggers[t].field : NULL;
}

const char *trigger_text(Trigger t) {
        return t >= 0 && t < _TRIGGER_MAX ? triggers[t].text : NULL;
}

int iface_wanted(const Iface *i, const Config *c) {
        RpFilter v;

        if (i->ifindex == NETCONFA_IFINDEX_ALL)
                v = c->all;
        else if (i->ifindex == NETCONFA_IFINDEX_DEFAULT)
                v = c->def;
        else
                v = i->rule ? i->rule->value : RP_FILTER_UNSET;
        return v < _RP_FILTER_MAX ? (int) v : -1;
}

const char *iface_rule_name(const Iface *i) {
        if (i->ifindex < 0)
                return i->name; /* all / default: the [global] key */
        return i->rule ? i->rule->pattern : NULL;
}

bool iface_managed(const Iface *i) {
        return i->rule && i->rule->value != RP_FILTER_IGNORE;
}

/* Take I, which is held, off the list. */
static void hold_unlink(Iface *i, IfaceHoldList *l) {
        if (i->hold_prev)
                i->hold_prev->hold_next = i->hold_next;
        else
                l->head = i->hold_next;
        if (i->hold_next)
                i->hold_next->hold_prev = i->hold_prev;
        l->n[i->hold]--;
        i->hold_prev = i->hold_next = NULL;
}

void iface_release(Iface *i, IfaceHoldList *l) {
        if (i->hold == IFACE_HOLD_NONE)
                return;
        hold_unlink(i, l);
        if (i->hold == IFACE_HOLD_RETRY) {
                i->write_error = 0;
                i->write_failures = 0;
                i->retry_delay = 0;
        }
        i->hold = IFACE_HOLD_NONE;
        i->hold_until = 0;
}

void iface_hold(Iface *i, IfaceHoldList *l, IfaceHold hold, usec_t until) {
        /* Moved from one hold to another: the retry state stays for a retry. */
        if (i->hold != IFACE_HOLD_NONE)
                hold_unlink(i, l);
        i->hold = hold;
        i->hold_until = until;
        i->hold_prev = NULL;
        i->hold_next = l->head;
        if (l->head)
                l->head->hold_prev = i;
        l->head = i;
        l->n[hold]++;
}

/* A handful of interfaces are ever held at once (fights and failing writes are
 * exceptions): a list scanned for the earliest deadline is all it takes. */
usec_t iface_hold_list_next(const IfaceHoldList *l) {
        usec_t next = USEC_INFINITY;

        for (const Iface *i = l->head; i; i = i->hold_next)
                if (i->hold_until < next)
                        next = i->hold_until;
        return next;
}

Iface *iface_hold_list_expired(const IfaceHoldList *l, usec_t now) {
        Iface *first = NULL;

        /* The earliest one: holds end in the order of their deadlines. */
        for (Iface *i = l->head; i; i = i->hold_next)
                if (i->hold_until <= now && (!first || i->hold_until < first->hold_until))
                        first = i;
        return first;
}

void iface_forget(Iface *i, IfaceHoldList *l) {
        iface_release(i, l);
        flap_reset(&i->flap);
}
