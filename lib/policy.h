/* SPDX-License-Identifier: MIT */
/* policy: given a Config and an interface name, what rp_filter is wanted, and how
 * the kernel combines it with conf/all. Pure: no I/O, no state. */
#pragma once

#include "config.h"

/* What rpfguard thinks of one interface, as --status shows it. */
typedef enum IfState {
        IF_STATE_OK,          /* current value is the wanted one and takes effect */
        IF_STATE_DRIFT,       /* current value differs from the wanted one */
        IF_STATE_IGNORED,     /* matched by an "ignore" rule */
        IF_STATE_UNMANAGED,   /* matched by no rule */
        IF_STATE_INEFFECTIVE, /* current == wanted, but all is higher: max(all, iface) wins */
        _IF_STATE_MAX,
        _IF_STATE_INVALID = -EINVAL,
} IfState;

/* The first rule whose pattern matches IFNAME (fnmatch(3), no flags), or NULL when
 * the interface is unmanaged. An "ignore" rule is returned like any other. */
const Rule *policy_lookup(const Config *c, const char *ifname);

/* The value the kernel applies on an interface: max(conf/all, conf/IFNAME), as ints
 * (the kernel accepts any: -1 is not 0, it filters like any value other than 0 and 1). */
int policy_effective(int all, int iface);

/* The state of an interface matched by RULE (NULL: unmanaged) whose rp_filter is
 * CURRENT (any int: every value but the wanted one is drift), when conf/all is ALL
 * (callers pass 0 when it is unknown). */
IfState policy_state(const Rule *rule, int all, int current);

/* The state of conf/all or conf/default: WANTED may be RP_FILTER_UNSET. */
IfState policy_global_state(RpFilter wanted, int current);

const char *if_state_to_string(IfState s);
