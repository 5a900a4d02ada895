/* SPDX-License-Identifier: MIT */
/* metrics-sample: fills a Metrics with fixed, representative values (every family, the
 * labels that need escaping) and writes it with metrics_write_file(). Test use only. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

/* The values test-metrics-format.sh expects back from node_exporter. */
static const MetricsRule rules[] = {
        { "veth*", 38 },
        { "eth0", 1 },
        { "br-\"q\"\\x", 2 }, /* a double quote and a backslash to escape */
};

static const MetricsRpFilter rp[] = {
        { "all", 0, 0, 0 },
        { "default", 1, 1, 1 },
        { "veth7", 2, 1, 2 },             /* drifting */
        { "eth\xff", 0, 1, 0 },           /* failing; not UTF-8: rendered as eth\xff text */
        { "tunl0", 2, -1, 2 },            /* backing off; nothing wanted: no sample */
};

int main(int argc, char **argv) {
        static const usec_t latencies[] = { 10, 11, 40, 900, 2000, 3000000 };
        static const unsigned counts[_METRICS_IF_STATE_MAX] = { 42, 1, 3, 5, 1, 1, 1 };
        MetricsView v = {
                .version = "0.1.0-sample",
                .rules = rules,
                .n_rules = ELEMENTSOF(rules),
                .rp_filter = rp,
                .n_rp_filter = ELEMENTSOF(rp),
        };
        Metrics m;
        int r;

        if (argc != 2) {
                fprintf(stderr, "usage: %s FILE\n", argv[0]);
                return 2;
        }

        metrics_init(&m, 1700000000 * USEC_PER_SEC + 250000);
        metrics_set_reload(&m, true, 1700000100 * USEC_PER_SEC + 500000);
        for (MetricsIfState s = 0; s < _METRICS_IF_STATE_MAX; s++)
                metrics_set_interfaces(&m, s, counts[s]);
        for (int k = 0; k < 7; k++)
                metrics_count_correction(&m);
        metrics_count_drift(&m, METRICS_TRIGGER_STARTUP);
        metrics_count_drift(&m, METRICS_TRIGGER_STARTUP);
        metrics_count_drift(&m, METRICS_TRIGGER_LINK_NEW);
        metrics_count_drift(&m, METRICS_TRIGGER_LINK_NEW);
        metrics_count_drift(&m, METRICS_TRIGGER_LINK_NEW);
        metrics_count_drift(&m, METRICS_TRIGGER_NETCONF);
        metrics_count_drift(&m, METRICS_TRIGGER_NETCONF);
        metrics_count_fight(&m);
        metrics_count_resync(&m, METRICS_RESYNC_OVERFLOW);
        metrics_count_write_error(&m, -EROFS);
        metrics_count_write_error(&m, -EROFS);
        metrics_count_write_error(&m, -ENOSPC);
        for (size_t k = 0; k < ELEMENTSOF(latencies); k++)
                metrics_observe_latency(&m, latencies[k]);

        r = metrics_write_file(&m, &v, argv[1]);
        if (r < 0) {
                fprintf(stderr, "metrics_write_file(%s): %s\n", argv[1], strerror(-r));
                return 1;
        }
        return 0;
}
