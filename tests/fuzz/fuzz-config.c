/* SPDX-License-Identifier: MIT */
/* fuzz-config: libFuzzer target for the configuration parser. The input bytes are a
 * configuration file; whatever they hold, loading must not crash, leak or misbehave. */
#define _GNU_SOURCE
#undef NDEBUG /* the asserts are the oracle */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ifname.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Names a node really has, and a few edge cases of what the kernel accepts. */
static const char *const names[] = {
        "lo", "eth0", "cali1a2b3c4d5e6", "tunl0", "vxlan.calico", "lxc_health",
        "flannel.1", "a", "x*[y", "123456789012345",
};

static void check_report(const ConfigReport *report) {
        size_t n_errors = 0;

        for (size_t i = 0; i < report->n_messages; i++) {
                const ConfigMessage *m = &report->messages[i];

                assert(memchr(m->text, '\0', sizeof(m->text)));
                assert(m->severity == CONFIG_ERROR || m->severity == CONFIG_WARNING);
                assert(m->file && strcmp(m->file, "fuzz.conf") == 0); /* each message names its file */
                if (m->severity == CONFIG_ERROR)
                        n_errors++;
                /* Sorted by line. */
                if (i > 0)
                        assert(report->messages[i - 1].line <= m->line);
        }
        assert(n_errors == report->n_errors);
}

static void check_config(const Config *c) {
        assert(c->mode == MODE_ENFORCE || c->mode == MODE_AUDIT);
        assert(log_level_to_string(c->log_level));
        assert(c->flap_limit >= 1 && c->flap_limit <= CONFIG_FLAP_LIMIT_MAX);
        assert(c->all == RP_FILTER_UNSET || (c->all >= 0 && c->all < _RP_FILTER_MAX));
        assert(c->def == RP_FILTER_UNSET || (c->def >= 0 && c->def < _RP_FILTER_MAX));
        for (size_t i = 0; i < c->n_rules; i++) {
                const Rule *r = &c->rules[i];

                assert(r->pattern && r->pattern[0]);
                assert(r->value >= 0 && r->value <= RP_FILTER_IGNORE);
                assert(r->literal == !pattern_is_glob(r->pattern));
                assert(r->file == c->files[0].path && r->line > 0);
                for (size_t j = 0; j < i; j++)
                        assert(strcmp(c->rules[j].pattern, r->pattern) != 0);
        }

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                const Rule *r = policy_lookup(c, names[i]);

                if (r)
                        assert(r >= c->rules && r < c->rules + c->n_rules);
                (void) policy_state(r, 1, 2);
        }
        /* Every literal rule's own name, when it can be one, finds a rule. */
        for (size_t i = 0; i < c->n_rules; i++)
                if (c->rules[i].literal && ifname_valid(c->rules[i].pattern))
                        assert(policy_lookup(c, c->rules[i].pattern));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ConfigReport report;
        Config *c = NULL;
        FILE *f;
        int r;

        if (size == 0)
                return 0; /* fmemopen() refuses an empty buffer */
        f = fmemopen((void *) data, size, "r");
        if (!f)
                return 0;

        r = config_load_stream(f, "fuzz.conf", &c, &report);
        check_report(&report);
        if (r == 0) {
                assert(c);
                assert(report.n_errors == 0);
                check_config(c);
        } else {
                assert(r == -EINVAL || r == -ENOMEM || r == -EIO);
                assert(r != -EINVAL || report.n_errors > 0);
        }

        config_free(c);
        config_report_done(&report);
        fclose(f);
        return 0;
}
