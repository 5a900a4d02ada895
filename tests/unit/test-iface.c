/* SPDX-License-Identifier: MIT */
/* Unit tests of lib/iface: the wanted value per kind of interface and rule, the
 * list of held interfaces and its deadlines, triggers' words. Table-driven. */
#include <check.h>
#include <linux/netconf.h>
#include <stdlib.h>
#include <string.h>

#include "iface.h"
#include "util.h"

/* ---- iface_wanted / iface_managed / iface_rule_name ------------------------------ */

static Rule rules[] = {
        { .pattern = (char *) "cali*", .value = RP_FILTER_STRICT },
        { .pattern = (char *) "eth0", .value = RP_FILTER_LOOSE },
        { .pattern = (char *) "lxc*", .value = RP_FILTER_OFF },
        { .pattern = (char *) "lo", .value = RP_FILTER_IGNORE },
};

static const struct {
        int ifindex;
        int rule;            /* index into rules[], -1: none */
        RpFilter all, def;
        int wanted;
        bool managed;
        const char *rule_name;
} wanted_cases[] = {
        { 5, 0, RP_FILTER_UNSET, RP_FILTER_UNSET, 1, true, "cali*" },
        { 5, 1, RP_FILTER_UNSET, RP_FILTER_UNSET, 2, true, "eth0" },
        { 5, 2, RP_FILTER_LOOSE, RP_FILTER_LOOSE, 0, true, "lxc*" },  /* all does not change what is wanted */
        { 5, 3, RP_FILTER_STRICT, RP_FILTER_UNSET, -1, false, "lo" }, /* ignore */
        { 5, -1, RP_FILTER_STRICT, RP_FILTER_STRICT, -1, false, NULL }, /* unmanaged */
        { NETCONFA_IFINDEX_ALL, -1, RP_FILTER_STRICT, RP_FILTER_LOOSE, 1, false, "all" },
        { NETCONFA_IFINDEX_ALL, -1, RP_FILTER_UNSET, RP_FILTER_LOOSE, -1, false, "all" },
        { NETCONFA_IFINDEX_DEFAULT, -1, RP_FILTER_STRICT, RP_FILTER_LOOSE, 2, false, "default" },
        { NETCONFA_IFINDEX_DEFAULT, -1, RP_FILTER_STRICT, RP_FILTER_UNSET, -1, false, "default" },
        { NETCONFA_IFINDEX_DEFAULT, -1, RP_FILTER_UNSET, RP_FILTER_OFF, 0, false, "default" },
};

START_TEST(test_wanted) {
        Config c = { .all = wanted_cases[_i].all, .def = wanted_cases[_i].def };
        Iface i = { .ifindex = wanted_cases[_i].ifindex };

        if (i.ifindex == NETCONFA_IFINDEX_ALL)
                strcpy(i.name, "all");
        else if (i.ifindex == NETCONFA_IFINDEX_DEFAULT)
                strcpy(i.name, "default");
        else
                strcpy(i.name, "x");
        i.rule = wanted_cases[_i].rule >= 0 ? &rules[wanted_cases[_i].rule] : NULL;
        ck_assert_int_eq(iface_wanted(&i, &c), wanted_cases[_i].wanted);
        ck_assert_int_eq(iface_managed(&i), wanted_cases[_i].managed);
        if (wanted_cases[_i].rule_name)
                ck_assert_str_eq(iface_rule_name(&i), wanted_cases[_i].rule_name);
        else
                ck_assert_ptr_null(iface_rule_name(&i));
}
END_TEST

/* ---- the hold list: a script of operations and what the list must say after each -- */

typedef enum Op {
        OP_HOLD,       /* iface a: hold kind until t */
        OP_RELEASE,    /* iface a */
        OP_FORGET,     /* iface a */
} Op;

typedef struct Step {
        Op op;
        int a;
        IfaceHold kind;
        usec_t until;
        /* after it: */
        usec_t next;          /* iface_hold_list_next() */
        unsigned n_backoff, n_retry;
        usec_t now;           /* iface_hold_list_expired(now) ... */
        int expired;          /* ... gives this iface, -1: none */
} Step;

#define INF USEC_INFINITY

static const struct {
        const char *name;
        Step steps[8];
        unsigned n;
} scripts[] = {
        { "one hold, released", {
                { OP_HOLD, 0, IFACE_HOLD_BACKOFF, 50, 50, 1, 0, 49, -1 },
                { OP_HOLD, 0, IFACE_HOLD_BACKOFF, 50, 50, 1, 0, 50, 0 },
                { OP_RELEASE, 0, 0, 0, INF, 0, 0, 1000, -1 },
                { OP_RELEASE, 0, 0, 0, INF, 0, 0, 1000, -1 },   /* twice: harmless */
        }, 4 },
        { "earliest of several, any order", {
                { OP_HOLD, 0, IFACE_HOLD_BACKOFF, 300, 300, 1, 0, 10, -1 },
                { OP_HOLD, 1, IFACE_HOLD_RETRY, 100, 100, 1, 1, 100, 1 },
                { OP_HOLD, 2, IFACE_HOLD_RETRY, 200, 100, 1, 2, 250, 1 },
                { OP_RELEASE, 1, 0, 0, 200, 1, 1, 250, 2 },
                { OP_RELEASE, 0, 0, 0, 200, 0, 1, 300, 2 },
                { OP_RELEASE, 2, 0, 0, INF, 0, 0, 300, -1 },
        }, 6 },
        { "moved from retry to back-off and back", {
                { OP_HOLD, 0, IFACE_HOLD_RETRY, 10, 10, 0, 1, 9, -1 },
                { OP_HOLD, 0, IFACE_HOLD_BACKOFF, 60, 60, 1, 0, 10, -1 },
                { OP_HOLD, 0, IFACE_HOLD_RETRY, 20, 20, 0, 1, 20, 0 },
                { OP_FORGET, 0, 0, 0, INF, 0, 0, 100, -1 },
        }, 4 },
        { "middle of the list removed", {
                { OP_HOLD, 0, IFACE_HOLD_RETRY, 30, 30, 0, 1, 0, -1 },
                { OP_HOLD, 1, IFACE_HOLD_RETRY, 20, 20, 0, 2, 0, -1 },
                { OP_HOLD, 2, IFACE_HOLD_RETRY, 10, 10, 0, 3, 0, -1 },
                { OP_RELEASE, 1, 0, 0, 10, 0, 2, 25, 2 },
                { OP_RELEASE, 2, 0, 0, 30, 0, 1, 25, -1 },
                { OP_FORGET, 0, 0, 0, INF, 0, 0, 25, -1 },
        }, 6 },
};

START_TEST(test_hold_list) {
        Iface ifaces[3] = {};
        IfaceHoldList l = {};

        for (unsigned k = 0; k < scripts[_i].n; k++) {
                const Step *s = &scripts[_i].steps[k];
                Iface *i = &ifaces[s->a];
                Iface *e;

                switch (s->op) {
                case OP_HOLD:
                        if (s->kind == IFACE_HOLD_RETRY) {
                                i->write_error = -30;
                                i->write_failures++;
                        }
                        iface_hold(i, &l, s->kind, s->until);
                        ck_assert_int_eq(i->hold, s->kind);
                        break;
                case OP_RELEASE:
                        iface_release(i, &l);
                        ck_assert_int_eq(i->hold, IFACE_HOLD_NONE);
                        ck_assert_int_eq(i->write_failures, 0); /* a retry's count goes with it */
                        break;
                case OP_FORGET:
                        iface_forget(i, &l);
                        ck_assert_int_eq(i->hold, IFACE_HOLD_NONE);
                        break;
                }
                ck_assert_msg(iface_hold_list_next(&l) == s->next, "%s, step %u: next %llu, expected %llu",
                              scripts[_i].name, k, (unsigned long long) iface_hold_list_next(&l),
                              (unsigned long long) s->next);
                ck_assert_uint_eq(l.n[IFACE_HOLD_BACKOFF], s->n_backoff);
                ck_assert_uint_eq(l.n[IFACE_HOLD_RETRY], s->n_retry);
                e = iface_hold_list_expired(&l, s->now);
                if (s->expired < 0)
                        ck_assert_ptr_null(e);
                else
                        ck_assert_ptr_eq(e, &ifaces[s->expired]);
        }
        ck_assert_ptr_null(l.head);
}
END_TEST

/* ---- triggers ----------------------------------------------------------------------- */

static const struct {
        Trigger t;
        const char *field, *text;
} trigger_cases[] = {
        { TRIGGER_STARTUP, "startup", "start-up" },
        { TRIGGER_LINK_NEW, "link-new", "new link" },
        { TRIGGER_LINK_RENAME, "link-rename", "renamed" },
        { TRIGGER_ADDR, "addr", "new address" },
        { TRIGGER_NETCONF, "netconf", "changed by another writer" },
        { TRIGGER_RESYNC, "resync", "resync" },
        { TRIGGER_RELOAD, "reload", "reload" },
        { TRIGGER_RETRY, "retry", "after back-off" },
        { TRIGGER_WRITE_RETRY, "retry", "retried after a failed write" },
        { _TRIGGER_MAX, NULL, NULL },
        { (Trigger) -1, NULL, NULL },
};

START_TEST(test_triggers) {
        const char *f = trigger_field(trigger_cases[_i].t), *t = trigger_text(trigger_cases[_i].t);

        if (trigger_cases[_i].field) {
                ck_assert_str_eq(f, trigger_cases[_i].field);
                ck_assert_str_eq(t, trigger_cases[_i].text);
        } else {
                ck_assert_ptr_null(f);
                ck_assert_ptr_null(t);
        }
}
END_TEST

static Suite *iface_suite(void) {
        Suite *s = suite_create("iface");
        TCase *tc = tcase_create("iface");

        tcase_add_loop_test(tc, test_wanted, 0, ELEMENTSOF(wanted_cases));
        tcase_add_loop_test(tc, test_hold_list, 0, ELEMENTSOF(scripts));
        tcase_add_loop_test(tc, test_triggers, 0, ELEMENTSOF(trigger_cases));
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(iface_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
