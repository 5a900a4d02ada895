/* SPDX-License-Identifier: MIT */
/* rpfbench-analyze: turns a rpfbench-listen recording into figures. Reads only the
 * recording; knows nothing about who corrected what.
 *   rpfbench-analyze new   EVENTS FROM TO WANT   interfaces registered in [FROM, TO]:
 *        time from the first netconf of the ifindex to the first one showing WANT;
 *        split at the first RTM_NEWLINK of the ifindex (the kernel's part before it)
 *   rpfbench-analyze drift EVENTS FROM TO WANT   changes away from WANT in [FROM, TO]:
 *        time from that netconf to the next one of the ifindex showing WANT
 * Prints one line: "n N fixed F p50_us P p99_us Q max_us M last_fix_ns L
 * link_p50_us P link_p99_us Q after_link_p50_us P after_link_p99_us Q after_link_n K"
 * (-1: none); the link_ and after_link_ figures cover only the K interfaces fixed after
 * their first RTM_NEWLINK. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct State {
        bool seen;
        bool waiting;   /* "new": registered in the window, not yet showing WANT */
        bool drifting;  /* "drift": moved away from WANT in the window, not yet back */
        int last_rp;
        int64_t since;
        int64_t link;   /* "new": when its first RTM_NEWLINK came, 0: not yet */
} State;

static State *states;
static size_t n_states;

static State *state(int ifindex) {
        if ((size_t) ifindex >= n_states) {
                size_t n = (size_t) ifindex * 2 + 64;

                states = realloc(states, n * sizeof(State));
                if (!states) {
                        perror("realloc");
                        exit(1);
                }
                memset(states + n_states, 0, (n - n_states) * sizeof(State));
                n_states = n;
        }
        return &states[ifindex];
}

typedef struct Series {
        int64_t *v;
        size_t n, alloc;
} Series;

static void series_add(Series *s, int64_t v) {
        if (s->n == s->alloc) {
                s->alloc = s->alloc ? 2 * s->alloc : 4096;
                s->v = realloc(s->v, s->alloc * sizeof(int64_t));
                if (!s->v) {
                        perror("realloc");
                        exit(1);
                }
        }
        s->v[s->n++] = v;
}

static int cmp_i64(const void *a, const void *b) {
        int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
        return (x > y) - (x < y);
}

/* Nearest-rank percentile, in µs; -1 for an empty series. Sorts S. */
static int64_t percentile_us(Series *s, unsigned pct) {
        size_t rank;

        if (s->n == 0)
                return -1;
        qsort(s->v, s->n, sizeof(int64_t), cmp_i64);
        rank = (s->n * pct + 99) / 100;
        return s->v[rank ? rank - 1 : 0] / 1000;
}

int main(int argc, char *argv[]) {
        Series lat = { 0 }, kernel = { 0 }, after_link = { 0 };
        int64_t from, to, t, last_fix = 0;
        size_t n = 0;
        int ifindex, rp, want;
        char type, line[256];
        bool drift;
        FILE *f;

        if (argc != 6 || (strcmp(argv[1], "new") != 0 && strcmp(argv[1], "drift") != 0)) {
                fprintf(stderr, "usage: rpfbench-analyze new|drift EVENTS FROM_NS TO_NS WANT\n");
                return 2;
        }
        drift = strcmp(argv[1], "drift") == 0;
        from = strtoll(argv[3], NULL, 10);
        to = strtoll(argv[4], NULL, 10);
        want = atoi(argv[5]);
        f = fopen(argv[2], "re");
        if (!f) {
                perror(argv[2]);
                return 1;
        }

        while (fgets(line, sizeof(line), f)) {
                State *s;
                bool in;

                if (line[0] == '#' || sscanf(line, "%" SCNd64 " %c %d %d", &t, &type, &ifindex, &rp) != 4)
                        continue;
                if (ifindex <= 0)
                        continue; /* all/default */
                in = t >= from && t <= to;
                s = state(ifindex);
                if (type == 'L') {
                        if (s->waiting && s->link == 0)
                                s->link = t;
                        continue;
                }
                if (!s->seen) {
                        /* The kernel's registration of the interface: its first netconf. */
                        s->seen = true;
                        s->last_rp = rp;
                        if (drift || !in)
                                continue;
                        n++;
                        if (rp == want) {
                                series_add(&lat, 0);
                                last_fix = t > last_fix ? t : last_fix;
                        } else {
                                s->waiting = true;
                                s->since = t;
                        }
                        continue;
                }
                if (!drift && s->waiting && rp == want) {
                        s->waiting = false;
                        series_add(&lat, t - s->since);
                        if (s->link) {
                                series_add(&kernel, s->link - s->since);
                                series_add(&after_link, t - s->link);
                        }
                        last_fix = t > last_fix ? t : last_fix;
                }
                if (drift) {
                        if (rp != want && s->last_rp == want && in && !s->drifting) {
                                n++;
                                s->drifting = true;
                                s->since = t;
                        } else if (rp == want && s->drifting) {
                                s->drifting = false;
                                series_add(&lat, t - s->since);
                                last_fix = t > last_fix ? t : last_fix;
                        }
                }
                s->last_rp = rp;
        }
        fclose(f);

        printf("n %zu fixed %zu", n, lat.n);
        printf(" p50_us %" PRId64, percentile_us(&lat, 50));
        printf(" p99_us %" PRId64, percentile_us(&lat, 99));
        printf(" max_us %" PRId64, percentile_us(&lat, 100));
        printf(" last_fix_ns %" PRId64, last_fix);
        printf(" link_p50_us %" PRId64, percentile_us(&kernel, 50));
        printf(" link_p99_us %" PRId64, percentile_us(&kernel, 99));
        printf(" after_link_p50_us %" PRId64, percentile_us(&after_link, 50));
        printf(" after_link_p99_us %" PRId64, percentile_us(&after_link, 99));
        printf(" after_link_n %zu\n", after_link.n);
        free(lat.v);
        free(kernel.v);
        free(after_link.v);
        free(states);
        return 0;
}
