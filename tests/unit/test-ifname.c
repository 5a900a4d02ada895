/* SPDX-License-Identifier: MIT */
/* test-ifname: what the kernel's dev_valid_name() accepts, and what it does not (these
 * names become path components under /proc/sys), and which names are well-formed UTF-8. */
#define _GNU_SOURCE
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

/* ---- UTF-8 --------------------------------------------------------------------------- */

static const struct {
        const char *s;
        bool valid;       /* ifname_utf8_valid() of the whole string */
        size_t first;     /* ifname_utf8_len() of its first sequence */
} utf8_cases[] = {
        { "", true, 0 },
        { "eth0", true, 1 },
        { "\x01\x7f", true, 1 },                   /* controls are well-formed, just unprintable */
        { "cali\xc3\xbc", true, 1 },                /* cali + u-umlaut, U+00FC */
        { "\xc3\xbc", true, 2 },
        { "\xc2\x80", true, 2 },                    /* U+0080, the smallest 2-byte form */
        { "\xdf\xbf", true, 2 },                    /* U+07FF */
        { "\xe0\xa0\x80", true, 3 },                /* U+0800, the smallest 3-byte form */
        { "\xe2\x82\xac", true, 3 },                /* the euro sign */
        { "\xed\x9f\xbf", true, 3 },                /* U+D7FF, just below the surrogates */
        { "\xee\x80\x80", true, 3 },                /* U+E000, just above them */
        { "\xef\xbf\xbd", true, 3 },                /* U+FFFD */
        { "\xf0\x90\x80\x80", true, 4 },            /* U+10000, the smallest 4-byte form */
        { "\xf0\x9f\x98\x80", true, 4 },            /* an emoji */
        { "\xf4\x8f\xbf\xbf", true, 4 },            /* U+10FFFF, the last code point */
        { "a\xc3\xa9" "b\xe2\x82\xac\xf0\x9f\x98\x80", true, 1 },

        { "\xc0\xaf", false, 0 },                   /* overlong '/' */
        { "\xc0\x80", false, 0 },                   /* overlong NUL */
        { "\xc1\xbf", false, 0 },                   /* overlong U+007F */
        { "\xe0\x80\xaf", false, 0 },               /* overlong '/', 3 bytes */
        { "\xe0\x9f\xbf", false, 0 },               /* overlong U+07FF */
        { "\xf0\x80\x80\xaf", false, 0 },           /* overlong '/', 4 bytes */
        { "\xf0\x8f\xbf\xbf", false, 0 },           /* overlong U+FFFF */
        { "\xed\xa0\x80", false, 0 },               /* U+D800, a surrogate */
        { "\xed\xbf\xbf", false, 0 },               /* U+DFFF */
        { "\xed\xa0\xbd\xed\xb2\xa9", false, 0 },   /* a surrogate pair (CESU-8) */
        { "\xf4\x90\x80\x80", false, 0 },           /* U+110000 */
        { "\xf5\x80\x80\x80", false, 0 },
        { "\xf8\x88\x80\x80\x80", false, 0 },       /* the old 5-byte form */
        { "\xfe", false, 0 },
        { "\xff", false, 0 },
        { "cali\xff", false, 1 },
        { "\x80", false, 0 },                       /* a stray continuation byte */
        { "\xbf\xbf", false, 0 },
        { "\xc3", false, 0 },                       /* truncated at the end */
        { "\xe2\x82", false, 0 },
        { "\xf0\x9f\x98", false, 0 },
        { "eth0\xc3", false, 1 },
        { "\xc3x", false, 0 },                      /* truncated by another character */
        { "\xe2\x82x", false, 0 },
        { "\xf0\x9f\x98\xc3\xbc", false, 0 },
        { "\xc3\xbc\xbc", false, 2 },               /* a continuation byte too many */
};

START_TEST(test_utf8) {
        /* An exact copy on the heap: AddressSanitizer catches a read past its NUL. */
        char *s = strdup(utf8_cases[_i].s);

        ck_assert_ptr_nonnull(s);
        ck_assert_msg(ifname_utf8_valid(s) == utf8_cases[_i].valid, "case %d: valid is %d, expected %d", _i,
                      ifname_utf8_valid(s), utf8_cases[_i].valid);
        ck_assert_msg(ifname_utf8_len(s) == utf8_cases[_i].first, "case %d: first sequence %zu bytes, expected %zu",
                      _i, ifname_utf8_len(s), utf8_cases[_i].first);
        free(s);
}
END_TEST

/* Every single byte on its own: ASCII but NUL is a sequence, nothing else is. And every
 * two-byte string: well-formed exactly when it is two ASCII characters or one 2-byte
 * sequence from U+0080 to U+07FF (lead 0xC2..0xDF, then a continuation byte). */
START_TEST(test_utf8_exhaustive) {
        char s[3] = {};

        ck_assert(!ifname_utf8_valid(NULL));
        for (unsigned a = 1; a < 256; a++) {
                s[0] = (char) a;
                s[1] = '\0';
                ck_assert_msg(ifname_utf8_len(s) == (size_t) (a < 0x80), "byte 0x%02x", a);
                ck_assert_msg(ifname_utf8_valid(s) == (a < 0x80), "byte 0x%02x", a);
                for (unsigned b = 1; b < 256; b++) {
                        bool want = (a < 0x80 && b < 0x80) || (a >= 0xC2 && a <= 0xDF && b >= 0x80 && b <= 0xBF);

                        s[1] = (char) b;
                        ck_assert_msg(ifname_utf8_valid(s) == want, "bytes 0x%02x 0x%02x", a, b);
                }
        }
        s[0] = '\0';
        ck_assert_uint_eq(ifname_utf8_len(s), 0);
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

        tc = tcase_create("utf8");
        tcase_add_loop_test(tc, test_utf8, 0, ELEMENTSOF(utf8_cases));
        tcase_add_test(tc, test_utf8_exhaustive);
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
