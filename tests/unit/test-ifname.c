/* SPDX-License-Identifier: MIT */
/* test-ifname: what the kernel's dev_valid_name() accepts, and what it does not.
 * These names become path components under /proc/sys: every rejection matters. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ifname.h"
#include "util.h"

static const char *const valid[] = {
        "eth0",
        "lo",
        "a",
        "1",
        "tunl0",
        "vxlan.calico",        /* a dot: a real Calico name */
        "flannel.1",
        "eth0.100",
        "cali1a2b3c4d5e6",     /* 15 bytes */
        "abcdefghijklmno",     /* 15 bytes */
        "veth-1a2b",
        "lxc_health",
        "eth0@if3",
        "a*b",
        "*",
        "br[0]",
        "[",
        "a?b",
        "...",                 /* only "." and ".." are special */
        ".a",
        "..a",
        "a.",
        "-",
        "@",
        "eth\xc3\xa9",         /* non-ASCII bytes */
        "\xff\xfe",
        "a\x01" "b",           /* a control character that is not white space */
        "a\\b",
        "a;b",
        "a=b",
        "a#b",
};

static const char *const invalid[] = {
        "",
        ".",
        "..",
        "/",
        "a/b",
        "eth0/",
        "../all",
        "../../../../etc",
        ":",
        "eth0:1",
        " ",
        "eth 0",
        " eth0",
        "eth0 ",
        "eth\t0",
        "eth\n0",
        "eth0\n",
        "eth\r0",
        "eth\v0",
        "eth\f0",
        "eth\xa0" "0",        /* the kernel's isspace() is Latin-1: 0xA0 is a space */
        "\xc3\xa0",            /* so UTF-8 a-grave is not a name either */
        "abcdefghijklmnop",                    /* 16 bytes */
        "cali1a2b3c4d5e6f",                    /* 16 bytes */
        "abcdefghijklmnopqrstuvwxyz",
        "vxlan.calico.very.long.name.indeed.0123456789012345678901234567890123456789",
};

START_TEST(test_valid) {
        ck_assert_msg(ifname_valid(valid[_i]), "'%s' rejected", valid[_i]);
}
END_TEST

START_TEST(test_invalid) {
        ck_assert_msg(!ifname_valid(invalid[_i]), "'%s' accepted", invalid[_i]);
}
END_TEST

START_TEST(test_null) {
        ck_assert(!ifname_valid(NULL));
}
END_TEST

/* Every length from 1 to IFNAME_MAX_LEN is fine, one more is not; no terminator is read
 * beyond IFNAME_MAX_LEN + 1 bytes. */
START_TEST(test_lengths) {
        char name[64];

        for (size_t n = 1; n < sizeof(name); n++) {
                memset(name, 'x', n);
                name[n] = '\0';
                ck_assert_msg(ifname_valid(name) == (n <= IFNAME_MAX_LEN), "length %zu", n);
        }
        ck_assert_int_eq(IFNAME_MAX_LEN, 15);
}
END_TEST

static Suite *ifname_suite(void) {
        Suite *s = suite_create("ifname");
        TCase *tc = tcase_create("names");

        tcase_add_loop_test(tc, test_valid, 0, ELEMENTSOF(valid));
        tcase_add_loop_test(tc, test_invalid, 0, ELEMENTSOF(invalid));
        tcase_add_test(tc, test_null);
        tcase_add_test(tc, test_lengths);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(ifname_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
