/* SPDX-License-Identifier: MIT */
/* Unit tests of lib/writer: the interface of a reported sysctl path, the value of a
 * write as the kernel parses it, the unit of a cgroup path. Table-driven. */
#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "writer.h"

/* ---- writer_ifname_from_sysctl ------------------------------------------------- */

static const struct {
        const char *name;
        const char *ifname;  /* NULL: not an rp_filter of an interface */
} sysctl_cases[] = {
        { "net/ipv4/conf/eth0/rp_filter", "eth0" },
        { "net/ipv4/conf/all/rp_filter", "all" },
        { "net/ipv4/conf/default/rp_filter", "default" },
        { "net/ipv4/conf/vxlan.calico/rp_filter", "vxlan.calico" }, /* a dot stays in the path */
        { "net/ipv4/conf/cali1234567890a/rp_filter", "cali1234567890a" },
        { "net/ipv4/conf/123456789012345/rp_filter", "123456789012345" }, /* 15 bytes */
        { "net/ipv4/conf/1234567890123456/rp_filter", NULL },            /* 16: no interface */
        { "net/ipv4/conf/eth0/accept_redirects", NULL },
        { "net/ipv4/conf/eth0/arp_filter", NULL },
        { "net/ipv6/conf/eth0/rp_filter", NULL },
        { "net/ipv4/conf//rp_filter", NULL },
        { "net/ipv4/conf/a/b/rp_filter", NULL },
        { "net/ipv4/conf/rp_filter", NULL },
        { "net/ipv4/rp_filter", NULL },
        { "", NULL },
};

START_TEST(test_ifname_from_sysctl) {
        const char *name = sysctl_cases[_i].name, *want = sysctl_cases[_i].ifname;
        char got[IFNAME_MAX_LEN + 1] = "unchanged";
        bool r;

        r = writer_ifname_from_sysctl(name, strlen(name), got);
        ck_assert_msg(r == (want != NULL), "%s: %d", name, r);
        if (want)
                ck_assert_str_eq(got, want);
        else
                ck_assert_str_eq(got, "unchanged");
}
END_TEST

/* A name is only what LEN says (bpf_sysctl_get_name() counts without a NUL). */
START_TEST(test_ifname_from_sysctl_len) {
        static const char s[] = "net/ipv4/conf/eth0/rp_filterXYZ";
        char got[IFNAME_MAX_LEN + 1];

        ck_assert(writer_ifname_from_sysctl(s, strlen(s) - 3, got));
        ck_assert_str_eq(got, "eth0");
        ck_assert(!writer_ifname_from_sysctl(s, strlen(s), got));
        ck_assert(!writer_ifname_from_sysctl("net/ipv4/conf/e\0h0/rp_filter", 28, got));
}
END_TEST

/* ---- writer_value_from_write ------------------------------------------------------ */

static const struct {
        const char *bytes;
        int value;
} value_cases[] = {
        { "2\n", 2 },
        { "1", 1 },
        { "0\n", 0 },
        { "  2\n", 2 },
        { "\t1", 1 },
        { "+2", 2 },
        { "-1\n", -1 },
        { "2 3", 2 },          /* the first number: proc_dointvec() takes one per int */
        { "12", 12 },          /* out of 0..2: the kernel refuses it, but it is a number */
        { "2147483647", INT_MAX },
        { "2147483648", INT_MIN },
        { "", INT_MIN },
        { "\n", INT_MIN },
        { "loose", INT_MIN },
        { "-", INT_MIN },
};

START_TEST(test_value_from_write) {
        const char *b = value_cases[_i].bytes;

        ck_assert_int_eq(writer_value_from_write(b, strlen(b)), value_cases[_i].value);
}
END_TEST

START_TEST(test_value_from_write_len) {
        ck_assert_int_eq(writer_value_from_write("21", 1), 2); /* not NUL-terminated: LEN counts */
        ck_assert_int_eq(writer_value_from_write("2", 0), INT_MIN);
}
END_TEST

/* ---- writer_unit_from_cgroup ------------------------------------------------------ */

static const struct {
        const char *path;
        const char *unit;
} unit_cases[] = {
        { "/system.slice/systemd-udevd.service", "systemd-udevd.service" },
        { "/system.slice/systemd-udevd.service/udev", "systemd-udevd.service" }, /* a sub-cgroup */
        { "/system.slice/containerd.service", "containerd.service" },
        { "/user.slice/user-1000.slice/session-3.scope", "session-3.scope" },
        { "/user.slice/user-1000.slice/user@1000.service/app.slice/app-foo.scope", "app-foo.scope" },
        { "/user.slice/user-1000.slice/user@1000.service", "user@1000.service" },
        { "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/"
          "cri-containerd-0123456789abcdef.scope", "cri-containerd-0123456789abcdef.scope" },
        { "system.slice/x.service", "x.service" },                                 /* no leading '/' */
        { "/system.slice", NULL },
        { "/", NULL },
        { "", NULL },
        { "/rpfguard-test.slice/plain", NULL },
        { "/.service", NULL },      /* a bare suffix is no name */
        { "/a.services", NULL },
        { "/a.scope/", "a.scope" }, /* a trailing slash */
};

START_TEST(test_unit_from_cgroup) {
        const char *want = unit_cases[_i].unit, *got;
        size_t len = 12345;

        got = writer_unit_from_cgroup(unit_cases[_i].path, &len);
        if (!want) {
                ck_assert_msg(!got, "%s: got %.*s", unit_cases[_i].path, (int) len, got);
                ck_assert_uint_eq(len, 12345);
                return;
        }
        ck_assert_msg(got != NULL, "%s: no unit", unit_cases[_i].path);
        ck_assert_uint_eq(len, strlen(want));
        ck_assert_msg(strncmp(got, want, len) == 0, "%s: %.*s", unit_cases[_i].path, (int) len, got);
}
END_TEST

static Suite *writer_suite(void) {
        Suite *s = suite_create("writer");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_ifname_from_sysctl, 0, sizeof(sysctl_cases) / sizeof(sysctl_cases[0]));
        tcase_add_test(tc, test_ifname_from_sysctl_len);
        tcase_add_loop_test(tc, test_value_from_write, 0, sizeof(value_cases) / sizeof(value_cases[0]));
        tcase_add_test(tc, test_value_from_write_len);
        tcase_add_loop_test(tc, test_unit_from_cgroup, 0, sizeof(unit_cases) / sizeof(unit_cases[0]));
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(writer_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
