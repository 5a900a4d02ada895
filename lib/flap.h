/* SPDX-License-Identifier: MIT */
/* flap: fight detection for one interface. Pure bookkeeping over timestamps the
 * caller passes; no clock, no timers, no logging. */
#pragma once

#include <stdbool.h>

#include "util.h"

/* The longest back-off, however long a fight goes on: one hour, or flap_backoff
 * itself when that is configured longer. */
#define FLAP_BACKOFF_CAP_USEC (3600 * USEC_PER_SEC)

typedef struct Flap {
        usec_t *ring;          /* the last LIMIT corrections, oldest at head once full */
        unsigned limit, head, n;
        usec_t backoff_next;   /* 0: flap_backoff of the configuration */
        usec_t backoff_end;    /* when the last back-off ended; 0: never */
} Flap;

typedef struct FlapLimits {
        unsigned limit;        /* corrections allowed within window */
        usec_t window;
        usec_t backoff;        /* first back-off */
} FlapLimits;

/* A correction is due at NOW. Returns 0 when it may be made (and records it), 1 when
 * it would be more than LIMIT corrections within WINDOW: the caller must back off
 * for *ret_backoff instead. The back-off doubles when a fight resumes within WINDOW
 * of the previous back-off's end, up to the cap. -ENOMEM on allocation failure. */
int flap_account(Flap *f, const FlapLimits *l, usec_t now, usec_t *ret_backoff);

/* The back-off that flap_account() asked for ended at NOW. */
void flap_backoff_ended(Flap *f, usec_t now);

/* Forget everything (on reload: the limits may have changed). */
void flap_reset(Flap *f);
