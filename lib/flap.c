/* SPDX-License-Identifier: MIT */
/* flap: a sliding window of correction times per interface, allocated on the first
 * correction only, so the thousands of interfaces that never fight cost nothing. */
#include "flap.h"

#include <errno.h>
#include <stdlib.h>

void flap_reset(Flap *f) {
        free(f->ring);
        *f = (Flap) {};
}

static usec_t backoff_for(Flap *f, const FlapLimits *l, usec_t now) {
        usec_t cap = l->backoff > FLAP_BACKOFF_CAP_USEC ? l->backoff : FLAP_BACKOFF_CAP_USEC;
        usec_t d;

        /* The other party is still at it right after our last back-off: double. */
        if (f->backoff_end > 0 && f->backoff_next > 0 && now - f->backoff_end <= l->window)
                d = f->backoff_next;
        else
                d = l->backoff;
        f->backoff_next = d > cap / 2 ? cap : d * 2;
        return d;
}

int flap_account(Flap *f, const FlapLimits *l, usec_t now, usec_t *ret_backoff) {
        if (!f->ring || f->limit != l->limit) {
                usec_t *ring = calloc(l->limit, sizeof(usec_t));
                if (!ring)
                        return -ENOMEM;
                free(f->ring);
                f->ring = ring;
                f->limit = l->limit;
                f->head = f->n = 0;
        }

        /* Full ring and its oldest entry still inside the window: this would be
         * correction number LIMIT+1 within WINDOW. */
        if (f->n == f->limit && now - f->ring[f->head] < l->window) {
                *ret_backoff = backoff_for(f, l, now);
                f->head = f->n = 0;
                return 1;
        }

        f->ring[f->head] = now;
        f->head = (f->head + 1) % f->limit;
        if (f->n < f->limit)
                f->n++;
        return 0;
}

void flap_backoff_ended(Flap *f, usec_t now) {
        f->backoff_end = now;
}
