/* SPDX-License-Identifier: MIT */
/* test-flap: fight detection over timestamps the test chooses. The limit within the
 * window, the window sliding, the back-off doubling, resetting and its cap. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "flap.h"
#include "util.h"

#define SEC  USEC_PER_SEC
#define MSEC USEC_PER_MSEC
/* Monotonic time starts well above 0 (0 means "never" for backoff_end). */
#define T0 (1000 * SEC)

static const FlapLimits limits_3_10_60 = { .limit = 3, .window = 10 * SEC, .backoff = 60 * SEC };

/* One correction at NOW; returns flap_account()'s result and checks its back-off. */
static int account(Flap *f, const FlapLimits *l, usec_t now, usec_t *ret_backoff) {
        usec_t backoff = 0xdeadbeef;
        int r = flap_account(f, l, now, &backoff);

        ck_assert_int_ge(r, 0);
        if (r == 0)
                ck_assert_uint_eq(backoff, 0xdeadbeef); /* untouched when no back-off */
        if (ret_backoff)
                *ret_backoff = backoff;
        return r;
}

/* ---- the limit within the window ---------------------------------------------------- */

static const FlapLimits limit_cases[] = {
        { .limit = 1, .window = 10 * SEC, .backoff = 60 * SEC },
        { .limit = 2, .window = 10 * SEC, .backoff = 30 * SEC },
        { .limit = 3, .window = 10 * SEC, .backoff = 60 * SEC },
        { .limit = 5, .window = 10 * SEC, .backoff = 60 * SEC },  /* the defaults */
        { .limit = 10, .window = 1 * SEC, .backoff = 1 * SEC },
        { .limit = 1000, .window = 3600 * SEC, .backoff = 86400 * SEC },
};

START_TEST(test_limit) {
        const FlapLimits *l = &limit_cases[_i];
        usec_t step = l->window / (l->limit + 1), backoff;
        Flap f = {};

        ck_assert_ptr_null(f.ring); /* nothing allocated before the first correction */
        for (unsigned k = 0; k < l->limit; k++)
                ck_assert_msg(account(&f, l, T0 + k * step, NULL) == 0, "correction %u refused", k + 1);
        ck_assert_ptr_nonnull(f.ring);
        ck_assert_int_eq(account(&f, l, T0 + l->limit * step, &backoff), 1);
        ck_assert_uint_eq(backoff, l->backoff);
        flap_reset(&f);
}
END_TEST

/* Corrections at once: the same instant counts like any other. */
START_TEST(test_limit_same_instant) {
        usec_t backoff;
        Flap f = {};

        for (int k = 0; k < 3; k++)
                ck_assert_int_eq(account(&f, &limits_3_10_60, T0, NULL), 0);
        ck_assert_int_eq(account(&f, &limits_3_10_60, T0, &backoff), 1);
        ck_assert_uint_eq(backoff, 60 * SEC);
        flap_reset(&f);
}
END_TEST

/* ---- the window slides -------------------------------------------------------------- */

typedef struct Step {
        usec_t at;      /* relative to T0 */
        int result;
} Step;

static const struct {
        const char *name;
        Step steps[12];
        size_t n;
} windows[] = {
        { "a correction exactly one window old has expired",
          { { 0, 0 }, { 1 * SEC, 0 }, { 2 * SEC, 0 }, { 10 * SEC, 0 } }, 4 },
        { "one microsecond younger, it still counts",
          { { 0, 0 }, { 1 * SEC, 0 }, { 2 * SEC, 0 }, { 10 * SEC - 1, 1 } }, 4 },
        { "expired corrections make room, younger ones do not",
          { { 0, 0 }, { 1 * SEC, 0 }, { 2 * SEC, 0 }, { 10 * SEC, 0 }, { 11 * SEC, 0 }, { 11500 * MSEC, 1 } }, 6 },
        { "a steady trickle below the limit never backs off",
          { { 0, 0 }, { 3400 * MSEC, 0 }, { 6800 * MSEC, 0 }, { 10200 * MSEC, 0 }, { 13600 * MSEC, 0 },
            { 17000 * MSEC, 0 }, { 20400 * MSEC, 0 }, { 23800 * MSEC, 0 }, { 27200 * MSEC, 0 },
            { 30600 * MSEC, 0 } },
          10 },
        { "a steady trickle just above the limit does",
          { { 0, 0 }, { 3333 * MSEC, 0 }, { 6666 * MSEC, 0 }, { 9999 * MSEC, 1 } }, 4 },
        { "a burst after a long quiet time",
          { { 0, 0 }, { 100 * SEC, 0 }, { 200 * SEC, 0 }, { 300 * SEC, 0 }, { 300 * SEC + 1, 0 },
            { 300 * SEC + 2, 0 }, { 300 * SEC + 3, 1 } },
          7 },
        { "after a back-off the count starts afresh",
          { { 0, 0 }, { 1 * SEC, 0 }, { 2 * SEC, 0 }, { 3 * SEC, 1 }, { 63 * SEC, 0 }, { 64 * SEC, 0 },
            { 65 * SEC, 0 }, { 66 * SEC, 1 } },
          8 },
};

START_TEST(test_window) {
        Flap f = {};

        for (size_t k = 0; k < windows[_i].n; k++) {
                const Step *s = &windows[_i].steps[k];
                usec_t backoff;
                int r = account(&f, &limits_3_10_60, T0 + s->at, &backoff);

                ck_assert_msg(r == s->result, "%s: step %zu (t=%llu us) returned %d", windows[_i].name, k,
                              (unsigned long long) s->at, r);
                if (r == 1)
                        flap_backoff_ended(&f, T0 + s->at + backoff);
        }
        flap_reset(&f);
}
END_TEST

/* ---- back-off: doubling, reset, cap ------------------------------------------------- */

/* Fight until flap_account() asks for a back-off, starting at *NOW; return the back-off
 * and leave *NOW at the moment it was asked for. */
static usec_t fight(Flap *f, const FlapLimits *l, usec_t *now) {
        usec_t backoff;

        for (unsigned k = 0; k < l->limit; k++, *now += 1 * SEC)
                ck_assert_int_eq(account(f, l, *now, NULL), 0);
        ck_assert_int_eq(account(f, l, *now, &backoff), 1);
        return backoff;
}

static const struct {
        usec_t base;
        usec_t expect[10]; /* seconds */
        size_t n;
} doublings[] = {
        { 60 * SEC, { 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600 }, 9 },
        { 1 * SEC, { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512 }, 10 },
        { 1000 * SEC, { 1000, 2000, 3600, 3600 }, 4 },
        { 1800 * SEC, { 1800, 3600, 3600 }, 3 },
        { 3600 * SEC, { 3600, 3600, 3600 }, 3 },
        { 7200 * SEC, { 7200, 7200, 7200 }, 3 },      /* flap_backoff above the cap is the cap */
        { 86400 * SEC, { 86400, 86400 }, 2 },
};

/* The other party resumes right after each back-off: the back-off doubles, capped. */
START_TEST(test_doubling) {
        FlapLimits l = { .limit = 2, .window = 10 * SEC, .backoff = doublings[_i].base };
        usec_t now = T0;
        Flap f = {};

        for (size_t k = 0; k < doublings[_i].n; k++) {
                usec_t backoff = fight(&f, &l, &now);

                ck_assert_msg(backoff == doublings[_i].expect[k] * SEC, "back-off %zu: %llu s, expected %llu s", k,
                              (unsigned long long) (backoff / SEC), (unsigned long long) doublings[_i].expect[k]);
                ck_assert_uint_le(backoff, l.backoff > FLAP_BACKOFF_CAP_USEC ? l.backoff : FLAP_BACKOFF_CAP_USEC);
                now += backoff;
                flap_backoff_ended(&f, now);
                now += 1 * SEC; /* resumes one second after the back-off ended */
        }
        flap_reset(&f);
}
END_TEST

/* When the fight does not resume within the window, the next back-off is the base
 * again; and doubling starts over from there. */
START_TEST(test_reset_to_base) {
        const FlapLimits *l = &limits_3_10_60;
        usec_t now = T0;
        Flap f = {};

        ck_assert_uint_eq(fight(&f, l, &now), 60 * SEC);
        now += 60 * SEC;
        flap_backoff_ended(&f, now);
        now += 1 * SEC;
        ck_assert_uint_eq(fight(&f, l, &now), 120 * SEC);
        now += 120 * SEC;
        flap_backoff_ended(&f, now);
        now += 1 * SEC;
        ck_assert_uint_eq(fight(&f, l, &now), 240 * SEC);
        now += 240 * SEC;
        flap_backoff_ended(&f, now);

        /* Quiet for a while: far more than the window. */
        now += 5 * 60 * SEC;
        ck_assert_uint_eq(fight(&f, l, &now), 60 * SEC);
        now += 60 * SEC;
        flap_backoff_ended(&f, now);
        now += 1 * SEC;
        ck_assert_uint_eq(fight(&f, l, &now), 120 * SEC);
        now += 120 * SEC;
        flap_backoff_ended(&f, now);

        /* The fight (limit corrections, 1 s apart, then one more) asks for the next
         * back-off just inside the window after the last one ended: it doubles. */
        now += l->window - 1 * SEC - l->limit * SEC;
        ck_assert_uint_eq(fight(&f, l, &now), 240 * SEC);
        now += 240 * SEC;
        flap_backoff_ended(&f, now);

        /* ... and just outside: the base again. */
        now += l->window + 1 - l->limit * SEC;
        ck_assert_uint_eq(fight(&f, l, &now), 60 * SEC);
        flap_reset(&f);
}
END_TEST

/* After the cap, a quiet time still brings it back to the base. */
START_TEST(test_cap_then_reset) {
        FlapLimits l = { .limit = 1, .window = 10 * SEC, .backoff = 60 * SEC };
        usec_t now = T0, backoff = 0;
        Flap f = {};

        for (int k = 0; k < 12; k++) {
                backoff = fight(&f, &l, &now);
                ck_assert_uint_le(backoff, FLAP_BACKOFF_CAP_USEC);
                now += backoff;
                flap_backoff_ended(&f, now);
        }
        ck_assert_uint_eq(backoff, FLAP_BACKOFF_CAP_USEC);
        now += 3600 * SEC;
        ck_assert_uint_eq(fight(&f, &l, &now), 60 * SEC);
        flap_reset(&f);
}
END_TEST

/* ---- reset, limit changes ----------------------------------------------------------- */

START_TEST(test_flap_reset) {
        const FlapLimits *l = &limits_3_10_60;
        usec_t now = T0;
        Flap f = {};

        flap_reset(&f); /* a Flap that never corrected anything */
        ck_assert_ptr_null(f.ring);
        flap_reset(&f); /* twice is fine */

        ck_assert_uint_eq(fight(&f, l, &now), 60 * SEC);
        now += 60 * SEC;
        flap_backoff_ended(&f, now);
        now += 1 * SEC;
        ck_assert_uint_eq(fight(&f, l, &now), 120 * SEC);
        now += 120 * SEC;
        flap_backoff_ended(&f, now);

        flap_reset(&f);
        ck_assert_ptr_null(f.ring);
        ck_assert_uint_eq(f.n, 0);
        ck_assert_uint_eq(f.head, 0);
        ck_assert_uint_eq(f.limit, 0);
        ck_assert_uint_eq(f.backoff_next, 0);
        ck_assert_uint_eq(f.backoff_end, 0);

        /* Right after the back-off ended, but everything was forgotten: the base again. */
        now += 1 * SEC;
        ck_assert_uint_eq(fight(&f, l, &now), 60 * SEC);

        /* Reset in the middle of counting: the limit applies afresh. */
        flap_reset(&f);
        ck_assert_int_eq(account(&f, l, now, NULL), 0);
        ck_assert_int_eq(account(&f, l, now + 1, NULL), 0);
        flap_reset(&f);
        ck_assert_int_eq(account(&f, l, now + 2, NULL), 0);
        ck_assert_int_eq(account(&f, l, now + 3, NULL), 0);
        ck_assert_int_eq(account(&f, l, now + 4, NULL), 0);
        ck_assert_int_eq(account(&f, l, now + 5, NULL), 1);
        flap_reset(&f);
}
END_TEST

static const struct {
        unsigned from, to;
} limit_changes[] = {
        { 3, 5 }, { 5, 2 }, { 1, 1000 }, { 1000, 1 }, { 2, 3 }, { 4, 1 },
};

/* A new limit (after a reload) reallocates the ring and counts afresh. With ASan, a
 * ring kept at the old size would be caught writing past its end. */
START_TEST(test_limit_change) {
        FlapLimits before = { .limit = limit_changes[_i].from, .window = 10 * SEC, .backoff = 60 * SEC };
        FlapLimits after = before;
        usec_t now = T0, backoff;
        Flap f = {};

        after.limit = limit_changes[_i].to;

        /* Fill the old ring up to its limit (without tripping it). */
        for (unsigned k = 0; k < before.limit; k++)
                ck_assert_int_eq(account(&f, &before, now++, NULL), 0);
        ck_assert_uint_eq(f.limit, before.limit);

        /* The new limit applies in full, from now on. */
        for (unsigned k = 0; k < after.limit; k++)
                ck_assert_msg(account(&f, &after, now++, NULL) == 0, "correction %u refused under the new limit",
                              k + 1);
        ck_assert_uint_eq(f.limit, after.limit);
        ck_assert_int_eq(account(&f, &after, now++, &backoff), 1);
        ck_assert_uint_eq(backoff, 60 * SEC);

        /* And back again. */
        for (unsigned k = 0; k < before.limit; k++)
                ck_assert_int_eq(account(&f, &before, now++, NULL), 0);
        ck_assert_int_eq(account(&f, &before, now++, &backoff), 1);
        flap_reset(&f);
}
END_TEST

static Suite *flap_suite(void) {
        Suite *s = suite_create("flap");
        TCase *tc;

        tc = tcase_create("limit");
        tcase_add_loop_test(tc, test_limit, 0, ELEMENTSOF(limit_cases));
        tcase_add_test(tc, test_limit_same_instant);
        tcase_add_loop_test(tc, test_window, 0, ELEMENTSOF(windows));
        suite_add_tcase(s, tc);

        tc = tcase_create("backoff");
        tcase_add_loop_test(tc, test_doubling, 0, ELEMENTSOF(doublings));
        tcase_add_test(tc, test_reset_to_base);
        tcase_add_test(tc, test_cap_then_reset);
        suite_add_tcase(s, tc);

        tc = tcase_create("state");
        tcase_add_test(tc, test_flap_reset);
        tcase_add_loop_test(tc, test_limit_change, 0, ELEMENTSOF(limit_changes));
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(flap_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
