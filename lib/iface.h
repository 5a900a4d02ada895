/* SPDX-License-Identifier: MIT */
/* iface: one interface as the daemon tracks it — its newest name, its rule, and what
 * holds it back (a fight's back-off, a failed write's retry). Bookkeeping only: no
 * I/O, no clock, no logging; reconciler.c decides and writes. */
#pragma once

#include <net/if.h>
#include <stdbool.h>

#include "config.h"
#include "flap.h"
#include "util.h"

#define USEC_INFINITY UINT64_MAX

/* Why an interface is being looked at: RPFGUARD_EVENT and the end of MESSAGE. */
typedef enum Trigger {
        TRIGGER_STARTUP,
        TRIGGER_LINK_NEW,
        TRIGGER_LINK_RENAME,
        TRIGGER_ADDR,
        TRIGGER_NETCONF,
        TRIGGER_RESYNC,
        TRIGGER_RELOAD,
        TRIGGER_RETRY,        /* a fight's back-off is over */
        TRIGGER_WRITE_RETRY,  /* a failed write is tried again */
        _TRIGGER_MAX,
} Trigger;

/* "startup", "link-new", …: the RPFGUARD_EVENT field. */
const char *trigger_field(Trigger t);
/* "start-up", "new link", …: the words at the end of a correction's MESSAGE. */
const char *trigger_text(Trigger t);

typedef enum IfaceHold {
        IFACE_HOLD_NONE,
        IFACE_HOLD_BACKOFF,   /* another writer keeps undoing us: left alone until hold_until */
        IFACE_HOLD_RETRY,     /* the last write failed: tried again at hold_until */
        _IFACE_HOLD_MAX,
} IfaceHold;

/* An interface, or one of the pseudo-interfaces all/default. */
typedef struct Iface Iface;
struct Iface {
        int ifindex;                /* > 0, or NETCONFA_IFINDEX_ALL/_DEFAULT */
        char name[IFNAMSIZ];        /* the newest name known for ifindex */
        const Rule *rule;           /* into the running Config; NULL: unmanaged */
        unsigned generation;        /* the last link dump that listed it */
        Trigger pending;            /* why it was last checked without a conf/ directory */
        bool has_pending;
        int current;                /* the value last read */
        bool has_current;

        Flap flap;
        IfaceHold hold;
        usec_t hold_until;          /* with a hold: when it ends */
        int theirs;                 /* BACKOFF: the value the other writer keeps setting */
        int write_error;            /* RETRY: the failed write's -errno */
        unsigned write_failures;    /* RETRY: failed attempts in a row */
        usec_t retry_delay;         /* RETRY: the wait before the next attempt */

        Iface *hold_prev, *hold_next; /* in the list of held interfaces */
};

/* Waits after a failed write: 1 s, doubling, at most a minute. */
#define IFACE_RETRY_FIRST_USEC USEC_PER_SEC
#define IFACE_RETRY_MAX_USEC   (60 * USEC_PER_SEC)

/* The value wanted for I under C (0..2), or -1 when I is to be left alone
 * (unmanaged, ignored, or a [global] key that is not set). */
int iface_wanted(const Iface *i, const Config *c);
/* The rule's pattern, the [global] key for all/default, or NULL. */
const char *iface_rule_name(const Iface *i);
/* Matched by a rule that is not "ignore". */
bool iface_managed(const Iface *i);

/* The list of held interfaces, for their deadlines. */
typedef struct IfaceHoldList {
        Iface *head;
        unsigned n[_IFACE_HOLD_MAX];
} IfaceHoldList;

/* Put I on hold until UNTIL (replacing any hold it had). */
void iface_hold(Iface *i, IfaceHoldList *l, IfaceHold hold, usec_t until);
/* Release I's hold, if any; a retry's failure count goes with it. */
void iface_release(Iface *i, IfaceHoldList *l);
/* The earliest hold_until on the list, or USEC_INFINITY. */
usec_t iface_hold_list_next(const IfaceHoldList *l);
/* The interface whose hold ended first, at NOW or before, or NULL. */
Iface *iface_hold_list_expired(const IfaceHoldList *l, usec_t now);

/* Forget the fight and any hold: a new name, a deletion, a new configuration. */
void iface_forget(Iface *i, IfaceHoldList *l);
