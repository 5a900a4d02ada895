/* SPDX-License-Identifier: MIT */
/* test-policy: rule lookup (globs, first match wins, ignore, unmanaged), the kernel's
 * max(all, iface), and every IfState. Pure: Configs are built in memory. */
#include <check.h>
#include <limits.h>
#include <stdlib.h>

#include "config.h"
#include "policy.h"
#include "util.h"

#define RULE(p, v) { .pattern = (char *) (p), .value = (v), .line = __LINE__ }

static Rule rules[] = {
        RULE("lo", RP_FILTER_IGNORE),          /* 0 */
        RULE("cali*", RP_FILTER_STRICT),       /* 1 */
        RULE("eth0", RP_FILTER_LOOSE),         /* 2 */
        RULE("eth*", RP_FILTER_OFF),           /* 3 */
        RULE("*.calico", RP_FILTER_STRICT),    /* 4 */
        RULE("br[0-9]", RP_FILTER_LOOSE),      /* 5 */
        RULE("veth??", RP_FILTER_STRICT),      /* 6 */
        RULE("cali0", RP_FILTER_OFF),          /* 7: shadowed by cali*, never returned */
        RULE("tunl0", RP_FILTER_STRICT),       /* 8 */
        RULE("lxc[!_]*", RP_FILTER_IGNORE),    /* 9 */
        RULE("a[1", RP_FILTER_LOOSE),          /* 10: an unclosed '[' matches itself */
};

static const Config config = {
        .mode = MODE_ENFORCE,
        .all = RP_FILTER_STRICT,
        .def = RP_FILTER_STRICT,
        .rules = rules,
        .n_rules = ELEMENTSOF(rules),
};

static const struct {
        const char *ifname;
        int rule; /* index into rules[], -1: unmanaged */
} lookups[] = {
        { "lo", 0 },           { "cali1a2b3c4d5e6", 1 }, { "cali", 1 },     { "cali0", 1 },
        { "xcali0", -1 },      { "eth0", 2 },           { "eth1", 3 },       { "eth0.100", 3 },
        { "eth", 3 },          { "vxlan.calico", 4 },   { ".calico", 4 },    { "vxlan.calico0", -1 },
        { "br0", 5 },          { "br9", 5 },            { "br10", -1 },      { "bra", -1 },
        { "veth12", 6 },       { "veth1", -1 },         { "veth123", -1 },   { "tunl0", 8 },
        { "tunl1", -1 },       { "lxcabc", 9 },         { "lxc_health", -1 }, { "a[1", 10 },
        { "LO", -1 },          { "lo0", -1 },           { "Eth0", -1 },      { "flannel.1", -1 },
        { "", -1 },
};

START_TEST(test_lookup) {
        const Rule *r = policy_lookup(&config, lookups[_i].ifname);

        if (lookups[_i].rule < 0)
                ck_assert_msg(!r, "'%s' matched '%s', expected unmanaged", lookups[_i].ifname, r->pattern);
        else {
                ck_assert_msg(r, "'%s' matched nothing, expected '%s'", lookups[_i].ifname,
                              rules[lookups[_i].rule].pattern);
                ck_assert_ptr_eq(r, &rules[lookups[_i].rule]);
        }
}
END_TEST

START_TEST(test_lookup_edge_configs) {
        Rule star[] = { RULE("*", RP_FILTER_STRICT), RULE("eth0", RP_FILTER_LOOSE) };
        Config empty = { .all = RP_FILTER_UNSET, .def = RP_FILTER_UNSET };
        Config catch_all = { .all = RP_FILTER_UNSET, .def = RP_FILTER_UNSET, .rules = star, .n_rules = 2 };

        ck_assert_ptr_null(policy_lookup(&empty, "eth0"));
        ck_assert_ptr_null(policy_lookup(&empty, "lo"));
        ck_assert_ptr_eq(policy_lookup(&catch_all, "eth0"), &star[0]); /* first match wins */
        ck_assert_ptr_eq(policy_lookup(&catch_all, "vxlan.calico"), &star[0]);
        ck_assert_ptr_eq(policy_lookup(&catch_all, ".hidden"), &star[0]);   /* no FNM_PERIOD */
        ck_assert_ptr_eq(policy_lookup(&catch_all, "a*b"), &star[0]);
}
END_TEST

static const struct {
        int all, iface, effective;
} effectives[] = {
        { 0, 0, 0 },   { 0, 1, 1 },   { 0, 2, 2 },     { 1, 0, 1 },      { 1, 1, 1 },
        { 1, 2, 2 },   { 2, 0, 2 },   { 2, 1, 2 },     { 2, 2, 2 },      { -1, 0, 0 },
        { -1, 1, 1 },  { -1, 2, 2 },  { 0, -1, 0 },    { 1, -1, 1 },     { 2, -22, 2 },
        /* Values another writer left: the kernel takes the max of the ints as they are. */
        { -1, -1, -1 }, { -22, -2, -2 }, { INT_MIN, -1, -1 }, { -5, INT_MIN, -5 }, { 1, 3, 3 }, { 100, 1, 100 },
};

START_TEST(test_effective) {
        ck_assert_int_eq(policy_effective(effectives[_i].all, effectives[_i].iface), effectives[_i].effective);
}
END_TEST

#define NO_RULE (-100)

static const struct {
        int wanted; /* a RpFilter, or NO_RULE */
        int all, current;
        IfState state;
} states[] = {
        /* unmanaged: no rule, whatever the values */
        { NO_RULE, 1, 1, IF_STATE_UNMANAGED },
        { NO_RULE, 0, 2, IF_STATE_UNMANAGED },
        { NO_RULE, -1, -1, IF_STATE_UNMANAGED },
        /* ignored: an ignore rule, whatever the values */
        { RP_FILTER_IGNORE, 2, 0, IF_STATE_IGNORED },
        { RP_FILTER_IGNORE, 0, 1, IF_STATE_IGNORED },
        { RP_FILTER_IGNORE, -1, -1, IF_STATE_IGNORED },
        /* ok: current == wanted and it takes effect */
        { RP_FILTER_OFF, 0, 0, IF_STATE_OK },
        { RP_FILTER_STRICT, 0, 1, IF_STATE_OK },
        { RP_FILTER_STRICT, 1, 1, IF_STATE_OK },
        { RP_FILTER_LOOSE, 0, 2, IF_STATE_OK },
        { RP_FILTER_LOOSE, 1, 2, IF_STATE_OK },
        { RP_FILTER_LOOSE, 2, 2, IF_STATE_OK },
        { RP_FILTER_OFF, -1, 0, IF_STATE_OK },       /* all -1: max(-1, 0) is 0 */
        { RP_FILTER_STRICT, -1, 1, IF_STATE_OK },
        /* drift: current differs from wanted */
        { RP_FILTER_STRICT, 0, 2, IF_STATE_DRIFT },
        { RP_FILTER_STRICT, 0, 0, IF_STATE_DRIFT },
        { RP_FILTER_OFF, 0, 1, IF_STATE_DRIFT },
        { RP_FILTER_LOOSE, 1, 1, IF_STATE_DRIFT },
        { RP_FILTER_STRICT, 2, 2, IF_STATE_DRIFT },  /* effective is the same, the value is not */
        { RP_FILTER_OFF, 2, 1, IF_STATE_DRIFT },     /* drift wins over ineffective */
        { RP_FILTER_STRICT, 0, -5, IF_STATE_DRIFT }, /* any other int is drift */
        { RP_FILTER_STRICT, 0, -1, IF_STATE_DRIFT },
        { RP_FILTER_STRICT, 0, 3, IF_STATE_DRIFT },
        { RP_FILTER_LOOSE, 0, 100, IF_STATE_DRIFT },
        { RP_FILTER_OFF, 0, INT_MIN, IF_STATE_DRIFT },
        /* ineffective: current == wanted, but all is higher */
        { RP_FILTER_OFF, 1, 0, IF_STATE_INEFFECTIVE },
        { RP_FILTER_OFF, 2, 0, IF_STATE_INEFFECTIVE },
        { RP_FILTER_STRICT, 2, 1, IF_STATE_INEFFECTIVE },
};

START_TEST(test_state) {
        Rule rule = { .pattern = (char *) "eth0", .value = (RpFilter) states[_i].wanted, .line = 1, .literal = true };
        const Rule *r = states[_i].wanted == NO_RULE ? NULL : &rule;
        IfState s = policy_state(r, states[_i].all, states[_i].current);

        ck_assert_msg(s == states[_i].state, "wanted %d, all %d, current %d: %s, expected %s", states[_i].wanted,
                      states[_i].all, states[_i].current, if_state_to_string(s),
                      if_state_to_string(states[_i].state));
}
END_TEST

static const struct {
        RpFilter wanted;
        int current;
        IfState state;
} global_states[] = {
        { RP_FILTER_UNSET, 0, IF_STATE_UNMANAGED },   { RP_FILTER_UNSET, 2, IF_STATE_UNMANAGED },
        { RP_FILTER_UNSET, -1, IF_STATE_UNMANAGED },  { RP_FILTER_OFF, 0, IF_STATE_OK },
        { RP_FILTER_STRICT, 1, IF_STATE_OK },         { RP_FILTER_LOOSE, 2, IF_STATE_OK },
        { RP_FILTER_STRICT, 2, IF_STATE_DRIFT },      { RP_FILTER_STRICT, 0, IF_STATE_DRIFT },
        { RP_FILTER_OFF, 1, IF_STATE_DRIFT },         { RP_FILTER_LOOSE, 0, IF_STATE_DRIFT },
        { RP_FILTER_STRICT, -5, IF_STATE_DRIFT },
};

START_TEST(test_global_state) {
        ck_assert_int_eq(policy_global_state(global_states[_i].wanted, global_states[_i].current),
                         global_states[_i].state);
}
END_TEST

static const struct {
        IfState state;
        const char *name;
} state_names[] = {
        { IF_STATE_OK, "ok" },
        { IF_STATE_DRIFT, "drift" },
        { IF_STATE_IGNORED, "ignored" },
        { IF_STATE_UNMANAGED, "unmanaged" },
        { IF_STATE_INEFFECTIVE, "ineffective" },
        { _IF_STATE_MAX, NULL },
        { (IfState) (_IF_STATE_MAX + 1), NULL },
        { (IfState) -1, NULL },
        { _IF_STATE_INVALID, NULL },
};

START_TEST(test_state_to_string) {
        const char *s = if_state_to_string(state_names[_i].state);

        if (state_names[_i].name)
                ck_assert_str_eq(s, state_names[_i].name);
        else
                ck_assert_ptr_null(s);
}
END_TEST

/* The whole path the daemon takes: lookup, then state, with the config's own all. */
START_TEST(test_lookup_then_state) {
        ck_assert_int_eq(policy_state(policy_lookup(&config, "cali123"), config.all, 1), IF_STATE_OK);
        ck_assert_int_eq(policy_state(policy_lookup(&config, "cali123"), config.all, 2), IF_STATE_DRIFT);
        ck_assert_int_eq(policy_state(policy_lookup(&config, "eth1"), config.all, 0), IF_STATE_INEFFECTIVE);
        ck_assert_int_eq(policy_state(policy_lookup(&config, "lo"), config.all, 0), IF_STATE_IGNORED);
        ck_assert_int_eq(policy_state(policy_lookup(&config, "docker0"), config.all, 2), IF_STATE_UNMANAGED);
}
END_TEST

static Suite *policy_suite(void) {
        Suite *s = suite_create("policy");
        TCase *tc;

        tc = tcase_create("lookup");
        tcase_add_loop_test(tc, test_lookup, 0, ELEMENTSOF(lookups));
        tcase_add_test(tc, test_lookup_edge_configs);
        suite_add_tcase(s, tc);

        tc = tcase_create("effective");
        tcase_add_loop_test(tc, test_effective, 0, ELEMENTSOF(effectives));
        suite_add_tcase(s, tc);

        tc = tcase_create("state");
        tcase_add_loop_test(tc, test_state, 0, ELEMENTSOF(states));
        tcase_add_loop_test(tc, test_global_state, 0, ELEMENTSOF(global_states));
        tcase_add_loop_test(tc, test_state_to_string, 0, ELEMENTSOF(state_names));
        tcase_add_test(tc, test_lookup_then_state);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(policy_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
