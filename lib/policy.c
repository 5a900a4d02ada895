/* SPDX-License-Identifier: MIT */
/* policy: the decisions, as pure functions of a Config and kernel values, so that
 * the daemon and the CLI decide identically and unit tests cover every branch. */
#include "policy.h"

#include <fnmatch.h>
#include <stddef.h>

const Rule *policy_lookup(const Config *c, const char *ifname) {
        for (size_t i = 0; i < c->n_rules; i++)
                if (fnmatch(c->rules[i].pattern, ifname, 0) == 0)
                        return &c->rules[i];
        return NULL;
}

int policy_effective(int all, int iface) {
        /* IN_DEV_RPFILTER(): max of the two ints, whatever they are. */
        return all > iface ? all : iface;
}

IfState policy_state(const Rule *rule, int all, int current) {
        if (!rule)
                return IF_STATE_UNMANAGED;
        if (rule->value == RP_FILTER_IGNORE)
                return IF_STATE_IGNORED;
        if (current != (int) rule->value)
                return IF_STATE_DRIFT;
        if (policy_effective(all, current) != current)
                return IF_STATE_INEFFECTIVE;
        return IF_STATE_OK;
}

IfState policy_global_state(RpFilter wanted, int current) {
        if (wanted == RP_FILTER_UNSET)
                return IF_STATE_UNMANAGED;
        return current == (int) wanted ? IF_STATE_OK : IF_STATE_DRIFT;
}

const char *if_state_to_string(IfState s) {
        static const char *const table[_IF_STATE_MAX] = {
                [IF_STATE_OK] = "ok",
                [IF_STATE_DRIFT] = "drift",
                [IF_STATE_IGNORED] = "ignored",
                [IF_STATE_UNMANAGED] = "unmanaged",
                [IF_STATE_INEFFECTIVE] = "ineffective",
        };
        return s >= 0 && s < _IF_STATE_MAX ? table[s] : NULL;
}
