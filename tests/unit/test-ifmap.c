/* SPDX-License-Identifier: MIT */
/* test-ifmap: the ifindex table. Besides the API contract, random insert/remove runs
 * are cross-checked against a plain array, with keys chosen to collide, so that a
 * wrong backward shift (a key that becomes unreachable) cannot go unnoticed. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ifmap.h"
#include "util.h"

/* ck_assert*() records every passing assertion through the runner (a write(2) each):
 * in the loops that run millions of times, only a failure may reach check. */
#define CHECK(expr, ...)                            \
        do {                                        \
                if (!(expr))                        \
                        ck_abort_msg(__VA_ARGS__);  \
        } while (0)

static IfMap *new_map(void) {
        IfMap *m = NULL;

        ck_assert_int_eq(ifmap_new(&m), 0);
        ck_assert_ptr_nonnull(m);
        ck_assert_uint_eq(ifmap_size(m), 0);
        return m;
}

/* A reproducible generator: xorshift64*. */
static uint64_t rng_next(uint64_t *s) {
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        return *s * UINT64_C(2685821657736338717);
}

static size_t rng_below(uint64_t *s, size_t n) {
        return (size_t) (rng_next(s) % n);
}

START_TEST(test_basic) {
        IfMap *m = new_map();
        int a = 1, b = 2;
        void *v = NULL;
        size_t state = 0;

        ck_assert_ptr_null(ifmap_get(m, 1));
        ck_assert_ptr_null(ifmap_remove(m, 1));
        ck_assert(!ifmap_iterate(m, &state, &v));

        ck_assert_int_eq(ifmap_put(m, 1, &a), 0);
        ck_assert_uint_eq(ifmap_size(m), 1);
        ck_assert_ptr_eq(ifmap_get(m, 1), &a);
        ck_assert_ptr_null(ifmap_get(m, 2));

        ck_assert_int_eq(ifmap_put(m, 1, &b), -EEXIST);
        ck_assert_int_eq(ifmap_put(m, 1, &a), -EEXIST);
        ck_assert_ptr_eq(ifmap_get(m, 1), &a); /* unchanged */
        ck_assert_uint_eq(ifmap_size(m), 1);

        ck_assert_int_eq(ifmap_put(m, 2, &b), 0);
        ck_assert_int_eq(ifmap_put(m, INT_MAX, &b), 0); /* values need not be distinct */
        ck_assert_uint_eq(ifmap_size(m), 3);
        ck_assert_ptr_eq(ifmap_get(m, INT_MAX), &b);

        ck_assert_ptr_eq(ifmap_remove(m, 1), &a);
        ck_assert_ptr_null(ifmap_get(m, 1));
        ck_assert_ptr_null(ifmap_remove(m, 1));
        ck_assert_ptr_eq(ifmap_get(m, 2), &b);
        ck_assert_uint_eq(ifmap_size(m), 2);

        ck_assert_int_eq(ifmap_put(m, 1, &b), 0); /* a removed key can come back */
        ck_assert_ptr_eq(ifmap_get(m, 1), &b);
        ck_assert_uint_eq(ifmap_size(m), 3);

        ck_assert_ptr_null(ifmap_free(m));
        ck_assert_ptr_null(ifmap_free(NULL));
}
END_TEST

static const int bad_keys[] = { 0, -1, -2, -1000, INT_MIN };

START_TEST(test_invalid_key) {
        IfMap *m = new_map();
        int a = 1;

        ck_assert_int_eq(ifmap_put(m, 7, &a), 0);
        ck_assert_int_eq(ifmap_put(m, bad_keys[_i], &a), -EINVAL);
        ck_assert_ptr_null(ifmap_get(m, bad_keys[_i]));
        ck_assert_ptr_null(ifmap_remove(m, bad_keys[_i]));
        ck_assert_uint_eq(ifmap_size(m), 1);
        ck_assert_ptr_eq(ifmap_get(m, 7), &a);
        ifmap_free(m);
}
END_TEST

START_TEST(test_null_value) {
        IfMap *m = new_map();

        ck_assert_int_eq(ifmap_put(m, 5, NULL), -EINVAL);
        ck_assert_uint_eq(ifmap_size(m), 0);
        ck_assert_ptr_null(ifmap_get(m, 5));
        ifmap_free(m);
}
END_TEST

/* Iterate M; every value must be one of VALUES[0..N) (keyed by its index), present
 * per PRESENT[], and visited exactly once. */
static void check_iteration(const IfMap *m, int *values, const bool *present, size_t n) {
        unsigned char *seen = calloc(n, 1);
        size_t state = 0, count = 0;
        void *v;

        ck_assert_ptr_nonnull(seen);
        while (ifmap_iterate(m, &state, &v)) {
                size_t i;

                CHECK(v && (int *) v >= values && (int *) v < values + n, "iteration returned a stranger %p", v);
                i = (size_t) ((int *) v - values);
                CHECK(present[i], "iteration returned removed value %zu", i);
                CHECK(!seen[i], "iteration returned value %zu twice", i);
                seen[i] = 1;
                count++;
        }
        CHECK(count == ifmap_size(m), "iteration visited %zu values, size is %zu", count, ifmap_size(m));
        for (size_t i = 0; i < n; i++)
                CHECK(seen[i] == present[i], "value %zu %s", i, present[i] ? "never visited" : "visited");
        /* At the end it stays at the end. */
        CHECK(!ifmap_iterate(m, &state, &v), "iteration restarted");
        free(seen);
}

/* Every key of KEYS[0..N) is where PRESENT[] says, with its own value. */
static void check_all(const IfMap *m, const int *keys, int *values, const bool *present, size_t n) {
        size_t expect = 0;

        for (size_t i = 0; i < n; i++) {
                void *v = ifmap_get(m, keys[i]);

                if (present[i]) {
                        CHECK(v == &values[i], "key %d unreachable", keys[i]);
                        expect++;
                } else
                        CHECK(!v, "removed key %d still found", keys[i]);
        }
        CHECK(ifmap_size(m) == expect, "size %zu, expected %zu", ifmap_size(m), expect);
}

/* Grow to many thousands of dense ifindexes, then shrink back to nothing. */
START_TEST(test_grow_shrink) {
        enum { N = 20000, CHECK_EVERY = 2000 };
        int *keys = calloc(N, sizeof(int)), *values = calloc(N, sizeof(int));
        bool *present = calloc(N, sizeof(bool));
        IfMap *m = new_map();

        ck_assert(keys && values && present);
        for (size_t i = 0; i < N; i++) {
                int r;

                keys[i] = (int) i + 1;
                r = ifmap_put(m, keys[i], &values[i]);
                CHECK(r == 0, "put %d: %d", keys[i], r);
                present[i] = true;
                CHECK(ifmap_size(m) == i + 1, "size %zu after %zu puts", ifmap_size(m), i + 1);
        }
        check_all(m, keys, values, present, N);
        check_iteration(m, values, present, N);

        /* Remove the odd ones, then the even ones, checking as the table shrinks. */
        for (size_t pass = 0; pass < 2; pass++)
                for (size_t i = pass == 0 ? 1 : 0, done = 0; i < N; i += 2) {
                        void *v = ifmap_remove(m, keys[i]);

                        CHECK(v == &values[i], "remove %d: %p", keys[i], v);
                        present[i] = false;
                        if (++done % CHECK_EVERY == 0 || ifmap_size(m) < 64) {
                                check_all(m, keys, values, present, N);
                                check_iteration(m, values, present, N);
                        }
                }
        ck_assert_uint_eq(ifmap_size(m), 0);
        check_all(m, keys, values, present, N);

        /* The shrunk table still works. */
        ck_assert_int_eq(ifmap_put(m, 42, &values[41]), 0);
        ck_assert_ptr_eq(ifmap_get(m, 42), &values[41]);
        ifmap_free(m);
        free(keys);
        free(values);
        free(present);
}
END_TEST

/* Keys that are multiples of 65536 all hash to the same slot in every table up to
 * 65536 slots: one long probe chain, the worst case for backward-shift deletion. */
START_TEST(test_one_chain) {
        enum { N = 200 };
        int keys[N], values[N];
        bool present[N];
        uint64_t rng = 0x9e3779b97f4a7c15 + (uint64_t) _i;
        IfMap *m = new_map();
        size_t order[N];

        for (size_t i = 0; i < N; i++) {
                keys[i] = (int) (i + 1) * 65536;
                ck_assert_int_eq(ifmap_put(m, keys[i], &values[i]), 0);
                present[i] = true;
                order[i] = i;
        }
        check_all(m, keys, values, present, N);

        /* Remove in a shuffled order, checking every key after each removal. */
        for (size_t i = N - 1; i > 0; i--) {
                size_t j = rng_below(&rng, i + 1), t = order[i];

                order[i] = order[j];
                order[j] = t;
        }
        for (size_t k = 0; k < N; k++) {
                size_t i = order[k];

                ck_assert_ptr_eq(ifmap_remove(m, keys[i]), &values[i]);
                present[i] = false;
                check_all(m, keys, values, present, N);
        }
        check_iteration(m, values, present, N);
        ifmap_free(m);
}
END_TEST

/* A chain that wraps around the end of the smallest table: in 16 slots, the keys
 * 15, 31, 47, ... all start at slot 15 and spill into slots 0, 1, ... Remove each one
 * in turn (and then the rest in every rotation) and check the others are reachable. */
START_TEST(test_wrap_around) {
        enum { N = 8 }; /* at most half of the 16 initial slots: no resize */
        int keys[N], values[N];
        bool present[N];
        IfMap *m = new_map();

        for (size_t i = 0; i < N; i++) {
                keys[i] = 15 + 16 * (int) i;
                ck_assert_int_eq(ifmap_put(m, keys[i], &values[i]), 0);
                present[i] = true;
        }
        check_all(m, keys, values, present, N);

        for (size_t k = 0; k < N; k++) {
                size_t i = ((size_t) _i + k) % N;

                ck_assert_ptr_eq(ifmap_remove(m, keys[i]), &values[i]);
                present[i] = false;
                check_all(m, keys, values, present, N);
                check_iteration(m, values, present, N);
        }
        ifmap_free(m);
}
END_TEST

/* Mixed: a chain that wraps, plus keys whose home is inside the wrapped part. */
START_TEST(test_wrap_mixed) {
        /* homes (16 slots): 15, 15, 15, 0, 1, 15, 0 */
        static const int keys[] = { 15, 31, 47, 16, 1, 63, 32 };
        enum { N = ELEMENTSOF(keys) };
        int values[N];
        bool present[N];
        IfMap *m = new_map();

        for (size_t i = 0; i < N; i++) {
                ck_assert_int_eq(ifmap_put(m, keys[i], &values[i]), 0);
                present[i] = true;
        }
        check_all(m, keys, values, present, N);
        /* Remove in an order driven by the loop index: every first victim is tried. */
        for (size_t k = 0; k < N; k++) {
                size_t i = ((size_t) _i * 3 + k * 5) % N;

                if (!present[i])
                        for (i = 0; !present[i]; i++)
                                ;
                ck_assert_ptr_eq(ifmap_remove(m, keys[i]), &values[i]);
                present[i] = false;
                check_all(m, keys, values, present, N);
        }
        ifmap_free(m);
}
END_TEST

/* Random puts, removes and gets, cross-checked against a plain array. Key sets:
 * dense small ifindexes, colliding multiples of 2^k, and arbitrary large ints. */
static const struct {
        uint64_t seed;
        int kind;       /* 0: 1..N, 1: multiples of 1024, 2: random positive ints */
        size_t n_keys;
        size_t n_ops;
} random_runs[] = {
        { 1, 0, 64, 20000 },    { 2, 0, 512, 40000 },   { 3, 0, 4096, 60000 },
        { 4, 1, 64, 10000 },    { 5, 1, 256, 20000 },   { 6, 1, 512, 20000 },
        { 7, 2, 64, 20000 },    { 8, 2, 1024, 40000 },  { 9, 2, 4096, 60000 },
        { 10, 0, 16, 5000 },    { 11, 1, 24, 5000 },    { 12, 2, 9, 5000 },
};

START_TEST(test_random) {
        const size_t n = random_runs[_i].n_keys, n_ops = random_runs[_i].n_ops;
        uint64_t rng = random_runs[_i].seed * UINT64_C(0x9e3779b97f4a7c15) + 1;
        int *keys = calloc(n, sizeof(int)), *values = calloc(n, sizeof(int));
        bool *present = calloc(n, sizeof(bool));
        size_t count = 0;
        IfMap *m = new_map();

        ck_assert(keys && values && present);
        for (size_t i = 0; i < n; i++) {
                switch (random_runs[_i].kind) {
                case 0:
                        keys[i] = (int) i + 1;
                        break;
                case 1:
                        keys[i] = (int) (i + 1) * 1024;
                        break;
                default:
                        do { /* distinct, positive */
                                keys[i] = (int) (rng_next(&rng) & INT_MAX);
                                for (size_t j = 0; j < i && keys[i] > 0; j++)
                                        if (keys[j] == keys[i])
                                                keys[i] = 0;
                        } while (keys[i] <= 0);
                }
        }

        for (size_t op = 0; op < n_ops; op++) {
                /* Phases that favour puts, then removes, then balance: grow and shrink. */
                size_t phase = op * 4 / n_ops, i = rng_below(&rng, n), dice = rng_below(&rng, 100);
                size_t put_pct = phase == 0 ? 75 : phase == 1 ? 50 : phase == 2 ? 20 : 50;

                if (dice < put_pct) {
                        int r = ifmap_put(m, keys[i], &values[i]);

                        CHECK(r == (present[i] ? -EEXIST : 0), "op %zu: put %d: %d", op, keys[i], r);
                        if (!present[i])
                                count++;
                        present[i] = true;
                } else if (dice < 90) {
                        void *v = ifmap_remove(m, keys[i]);

                        CHECK(v == (present[i] ? &values[i] : NULL), "op %zu: remove %d: %p", op, keys[i], v);
                        if (present[i])
                                count--;
                        present[i] = false;
                } else {
                        void *v = ifmap_get(m, keys[i]);

                        CHECK(v == (present[i] ? &values[i] : NULL), "op %zu: get %d: %p", op, keys[i], v);
                }

                CHECK(ifmap_size(m) == count, "op %zu: size %zu, expected %zu", op, ifmap_size(m), count);
                if (op % 997 == 0 || n <= 32) {
                        check_all(m, keys, values, present, n);
                        if (op % 997 == 0)
                                check_iteration(m, values, present, n);
                }
        }
        check_all(m, keys, values, present, n);
        check_iteration(m, values, present, n);

        /* Drain: everything left comes out, and the table ends empty. */
        for (size_t i = 0; i < n; i++)
                if (present[i]) {
                        void *v = ifmap_remove(m, keys[i]);

                        CHECK(v == &values[i], "drain: remove %d: %p", keys[i], v);
                        present[i] = false;
                }
        ck_assert_uint_eq(ifmap_size(m), 0);
        check_all(m, keys, values, present, n);
        ifmap_free(m);
        free(keys);
        free(values);
        free(present);
}
END_TEST

START_TEST(test_iterate) {
        enum { N = 1000 };
        int values[N];
        bool present[N];
        IfMap *m = new_map();

        for (size_t i = 0; i < N; i++) {
                ck_assert_int_eq(ifmap_put(m, (int) (i * 7 + 3), &values[i]), 0);
                present[i] = true;
        }
        check_iteration(m, values, present, N);
        for (size_t i = 0; i < N; i += 3) {
                ck_assert_ptr_eq(ifmap_remove(m, (int) (i * 7 + 3)), &values[i]);
                present[i] = false;
        }
        check_iteration(m, values, present, N);
        ifmap_free(m);
}
END_TEST

static Suite *ifmap_suite(void) {
        Suite *s = suite_create("ifmap");
        TCase *tc;

        tc = tcase_create("api");
        tcase_add_test(tc, test_basic);
        tcase_add_loop_test(tc, test_invalid_key, 0, ELEMENTSOF(bad_keys));
        tcase_add_test(tc, test_null_value);
        tcase_add_test(tc, test_iterate);
        suite_add_tcase(s, tc);

        tc = tcase_create("deletion");
        tcase_add_loop_test(tc, test_wrap_around, 0, 8);
        tcase_add_loop_test(tc, test_wrap_mixed, 0, 7);
        tcase_add_loop_test(tc, test_one_chain, 0, 3);
        suite_add_tcase(s, tc);

        tc = tcase_create("scale");
        tcase_set_timeout(tc, 30); /* milliseconds normally; slack for sanitizers on a busy host */
        tcase_add_test(tc, test_grow_shrink);
        tcase_add_loop_test(tc, test_random, 0, ELEMENTSOF(random_runs));
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(ifmap_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
