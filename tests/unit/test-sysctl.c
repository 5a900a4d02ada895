/* SPDX-License-Identifier: MIT */
/* test-sysctl: read and write rp_filter under a throwaway root that mimics /proc/sys,
 * with awkward but valid names, and traps that catch any path escaping conf/NAME. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysctl.h"
#include "util.h"

/* The tree is built once per test case, in the parent (an unchecked fixture): a failing
 * test exits its forked child without any teardown, so only the parent can promise to
 * leave nothing behind. Tests that change files use names no other test reads. */
/* snprintf() into an array, asserting nothing was cut off. */
#define PATHF(buf, ...) ck_assert_int_lt(snprintf((buf), sizeof(buf), __VA_ARGS__), (int) sizeof(buf))

static char root[PATH_MAX];
static int conf_fd = -1;

/* ROOT/net/ipv4/conf/NAME/rp_filter holding CONTENT (NULL: the directory only). */
static void make_iface(const char *name, const char *content) {
        char path[PATH_MAX];
        int fd;

        PATHF(path, "%s/net/ipv4/conf/%s", root, name);
        ck_assert_msg(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s: %m", path);
        if (!content)
                return;
        strncat(path, "/rp_filter", sizeof(path) - strlen(path) - 1);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ck_assert_msg(fd >= 0, "open %s: %m", path);
        ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t) strlen(content));
        close(fd);
}

/* Create a file relative to ROOT, for the traps. */
static void make_file(const char *rel, const char *content) {
        char path[PATH_MAX];
        int fd;

        PATHF(path, "%s/%s", root, rel);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ck_assert_msg(fd >= 0, "open %s: %m", path);
        ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t) strlen(content));
        close(fd);
}

/* The raw content of NAME's rp_filter. */
static const char *content_of(const char *rel) {
        static char buf[64];
        char path[PATH_MAX];
        ssize_t n;
        int fd;

        PATHF(path, "%s/%s", root, rel);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        ck_assert_msg(fd >= 0, "open %s: %m", path);
        n = read(fd, buf, sizeof(buf) - 1);
        ck_assert_int_ge(n, 0);
        buf[n] = '\0';
        close(fd);
        return buf;
}

static const struct {
        const char *name;
        int value;
} ifaces[] = {
        { SYSCTL_CONF_ALL, 1 },
        { SYSCTL_CONF_DEFAULT, 2 },
        { "lo", 0 },
        { "eth0", 2 },
        { "vxlan.calico", 1 },
        { "flannel.1", 0 },
        { "cali*", 2 },
        { "a*b", 1 },
        { "veth-1a2b", 2 },
        { "eth0@if3", 0 },
        { "br[0]", 1 },
        { "[", 2 },
        { "...", 0 },
        { "abcdefghijklmno", 1 }, /* 15 bytes */
        { "eth\xc3\xa9", 2 },
};

/* Names that must be refused before any file is touched. Each gets a trap: a file the
 * unchecked path would reach, holding a value no test expects. */
static const struct {
        const char *name;
        const char *trap_dir;  /* relative to ROOT, created */
        const char *trap_file; /* relative to ROOT, holding "7\n" */
} bad_names[] = {
        { "", NULL, NULL },
        { ".", NULL, "net/ipv4/conf/rp_filter" },
        { "..", NULL, "net/ipv4/rp_filter" },
        { "a/b", "net/ipv4/conf/a/b", "net/ipv4/conf/a/b/rp_filter" },
        { "../all", NULL, NULL },
        { "eth0:1", "net/ipv4/conf/eth0:1", "net/ipv4/conf/eth0:1/rp_filter" },
        { "eth 0", "net/ipv4/conf/eth 0", "net/ipv4/conf/eth 0/rp_filter" },
        { "eth\t0", "net/ipv4/conf/eth\t0", "net/ipv4/conf/eth\t0/rp_filter" },
        { "eth0\n", "net/ipv4/conf/eth0\n", "net/ipv4/conf/eth0\n/rp_filter" },
        { "abcdefghijklmnop", "net/ipv4/conf/abcdefghijklmnop", "net/ipv4/conf/abcdefghijklmnop/rp_filter" },
        { "abcdefghijklmnopqrstuvwxyz", "net/ipv4/conf/abcdefghijklmnopqrstuvwxyz",
          "net/ipv4/conf/abcdefghijklmnopqrstuvwxyz/rp_filter" },
        { NULL, NULL, NULL },
};

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        (void) st;
        (void) type;
        (void) ftw;
        return remove(path);
}

static void remove_tree(const char *path) {
        struct stat st;

        ck_assert_msg(nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0, "removing %s: %m", path);
        ck_assert_int_eq(stat(path, &st), -1);
        ck_assert_int_eq(errno, ENOENT);
}

static void setup(void) {
        char path[PATH_MAX];

        PATHF(root, "%s/rpfguard-test-sysctl-XXXXXX", getenv("TMPDIR") ?: "/tmp");
        ck_assert_ptr_nonnull(mkdtemp(root));
        PATHF(path, "%s/net", root);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        PATHF(path, "%s/net/ipv4", root);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        PATHF(path, "%s/net/ipv4/conf", root);
        ck_assert_int_eq(mkdir(path, 0755), 0);

        for (size_t i = 0; i < ELEMENTSOF(ifaces); i++) {
                char content[8];

                snprintf(content, sizeof(content), "%d\n", ifaces[i].value);
                make_iface(ifaces[i].name, content);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad_names); i++) {
                if (bad_names[i].trap_dir) {
                        char dir[PATH_MAX];

                        PATHF(dir, "%s/%s", root, bad_names[i].trap_dir);
                        if (strcmp(bad_names[i].trap_dir, "net/ipv4/conf/a/b") == 0) {
                                char parent[PATH_MAX];

                                PATHF(parent, "%s/net/ipv4/conf/a", root);
                                ck_assert_int_eq(mkdir(parent, 0755), 0);
                        }
                        ck_assert_msg(mkdir(dir, 0755) == 0, "mkdir %s: %m", dir);
                }
                if (bad_names[i].trap_file)
                        make_file(bad_names[i].trap_file, "7\n");
        }

        conf_fd = sysctl_conf_open(root);
        ck_assert_int_ge(conf_fd, 0);
}

static void teardown(void) {
        if (conf_fd >= 0)
                close(conf_fd);
        conf_fd = -1;
        remove_tree(root);
}

/* The value, or -errno: enough for the tests below, whose values are never negative. */
static int rd(int fd, const char *name) {
        int v = INT_MIN, r;

        r = sysctl_rp_filter_read(fd, name, &v);
        if (r < 0) {
                ck_assert_int_eq(v, INT_MIN); /* untouched on error */
                return r;
        }
        return v;
}

START_TEST(test_read) {
        ck_assert_int_eq(rd(conf_fd, ifaces[_i].name), ifaces[_i].value);
}
END_TEST

START_TEST(test_write_read_back) {
        const char *name = ifaces[_i].name;
        char rel[PATH_MAX];

        PATHF(rel, "net/ipv4/conf/%s/rp_filter", name);
        for (int v = 0; v <= 2; v++) {
                char want[4];

                ck_assert_int_eq(sysctl_rp_filter_write(conf_fd, name, v), 0);
                ck_assert_int_eq(rd(conf_fd, name), v);
                snprintf(want, sizeof(want), "%d\n", v);
                ck_assert_str_eq(content_of(rel), want);
        }
        /* Writing the same value again is harmless. */
        ck_assert_int_eq(sysctl_rp_filter_write(conf_fd, name, 2), 0);
        ck_assert_int_eq(rd(conf_fd, name), 2);
}
END_TEST

START_TEST(test_bad_name) {
        const char *name = bad_names[_i].name;

        ck_assert_int_eq(rd(conf_fd, name), -EINVAL);
        ck_assert_int_eq(sysctl_rp_filter_write(conf_fd, name, 1), -EINVAL);
        ck_assert_int_eq(sysctl_rp_filter_write(conf_fd, name, 0), -EINVAL);
        if (bad_names[_i].trap_file)
                ck_assert_str_eq(content_of(bad_names[_i].trap_file), "7\n"); /* untouched */
}
END_TEST

START_TEST(test_missing) {
        char path[PATH_MAX];
        struct stat st;

        /* No such interface. */
        ck_assert_int_eq(rd(conf_fd, "eth9"), -ENOENT);
        ck_assert_int_eq(sysctl_rp_filter_write(conf_fd, "eth9", 1), -ENOENT);
        PATHF(path, "%s/net/ipv4/conf/eth9", root);
        ck_assert_int_eq(stat(path, &st), -1); /* and nothing was created */

        /* An interface directory without rp_filter. */
        make_iface("noipv4", NULL);
        ck_assert_int_eq(rd(conf_fd, "noipv4"), -ENOENT);
        ck_assert_int_eq(sysctl_rp_filter_write(conf_fd, "noipv4", 1), -ENOENT);
        PATHF(path, "%s/net/ipv4/conf/noipv4/rp_filter", root);
        ck_assert_int_eq(stat(path, &st), -1);

        /* An interface that vanishes between two accesses. */
        make_iface("veth0", "1\n");
        ck_assert_int_eq(rd(conf_fd, "veth0"), 1);
        PATHF(path, "%s/net/ipv4/conf/veth0/rp_filter", root);
        ck_assert_int_eq(unlink(path), 0);
        PATHF(path, "%s/net/ipv4/conf/veth0", root);
        ck_assert_int_eq(rmdir(path), 0);
        ck_assert_int_eq(rd(conf_fd, "veth0"), -ENOENT);
        ck_assert_int_eq(sysctl_rp_filter_write(conf_fd, "veth0", 1), -ENOENT);
}
END_TEST

static const char *const junk[] = {
        "",
        "\n",
        "abc\n",
        "x1\n",
        "1x\n",
        "1 \n",
        " 1\n",
        "--1\n",
        "- 1\n",
        "-\n",
        "+1\n",
        "1.0\n",
        "0x1\n",
        "99999999999999999999\n",
        "2147483648\n",
        "-2147483649\n",
        "strict\n",
};

START_TEST(test_junk) {
        char name[16];

        PATHF(name, "junk%d", _i);
        make_iface(name, junk[_i]);
        ck_assert_int_eq(rd(conf_fd, name), -EBADMSG);
}
END_TEST

static const struct {
        const char *content;
        int value;
} numbers[] = {
        { "0\n", 0 }, { "1\n", 1 }, { "2\n", 2 }, { "0", 0 }, { "1", 1 }, { "2", 2 },
        /* Another writer may leave any int: all of them must be seen as they are. */
        { "-1\n", -1 }, { "3\n", 3 }, { "100\n", 100 }, { "-100\n", -100 },
        { "2147483647\n", INT_MAX }, { "-2147483648\n", INT_MIN }, { "-0\n", 0 },
};

START_TEST(test_numbers) {
        char name[16];
        int v = 7;

        PATHF(name, "num%d", _i);
        make_iface(name, numbers[_i].content);
        ck_assert_int_eq(sysctl_rp_filter_read(conf_fd, name, &v), 0);
        ck_assert_int_eq(v, numbers[_i].value);
}
END_TEST

static const int bad_values[] = { 3, -1, 4, 10, 48, INT_MAX, INT_MIN };

START_TEST(test_bad_value) {
        ck_assert_int_eq(sysctl_rp_filter_write(conf_fd, "eth0", bad_values[_i]), -EINVAL);
        ck_assert_str_eq(content_of("net/ipv4/conf/eth0/rp_filter"), "2\n"); /* untouched */
        ck_assert_int_eq(rd(conf_fd, "eth0"), 2);
        /* The value is checked even when the interface does not exist. */
        ck_assert_int_eq(sysctl_rp_filter_write(conf_fd, "eth9", bad_values[_i]), -EINVAL);
}
END_TEST

/* rp_filter is opened with O_NOFOLLOW: a symlink planted there is not followed. */
START_TEST(test_symlink) {
        char path[PATH_MAX], target[PATH_MAX];

        make_file("outside", "1\n");
        make_iface("link0", NULL);
        PATHF(path, "%s/net/ipv4/conf/link0/rp_filter", root);
        PATHF(target, "%s/outside", root);
        ck_assert_int_eq(symlink(target, path), 0);
        ck_assert_int_eq(rd(conf_fd, "link0"), -ELOOP);
        ck_assert_int_eq(sysctl_rp_filter_write(conf_fd, "link0", 2), -ELOOP);
        ck_assert_str_eq(content_of("outside"), "1\n");
}
END_TEST

START_TEST(test_conf_open) {
        char path[PATH_MAX];
        int fd;

        PATHF(path, "%s/does-not-exist", root);
        ck_assert_int_eq(sysctl_conf_open(path), -ENOENT);

        /* A root without net/ipv4/conf. */
        PATHF(path, "%s/net", root);
        ck_assert_int_eq(sysctl_conf_open(path), -ENOENT);

        /* A root that is a file. */
        make_file("plain", "x");
        PATHF(path, "%s/plain", root);
        ck_assert_int_eq(sysctl_conf_open(path), -ENOTDIR);

        /* A second fd works like the first, and is close-on-exec. */
        fd = sysctl_conf_open(root);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
        ck_assert_int_eq(rd(fd, "vxlan.calico"), 1);
        close(fd);

        ck_assert_int_eq(rd(-1, "eth0"), -EBADF);
}
END_TEST

static Suite *sysctl_suite(void) {
        Suite *s = suite_create("sysctl");
        TCase *tc = tcase_create("read");

        tcase_add_unchecked_fixture(tc, setup, teardown);
        tcase_add_loop_test(tc, test_read, 0, ELEMENTSOF(ifaces));
        tcase_add_loop_test(tc, test_bad_name, 0, ELEMENTSOF(bad_names));
        tcase_add_loop_test(tc, test_junk, 0, ELEMENTSOF(junk));
        tcase_add_loop_test(tc, test_numbers, 0, ELEMENTSOF(numbers));
        tcase_add_loop_test(tc, test_bad_value, 0, ELEMENTSOF(bad_values));
        tcase_add_test(tc, test_missing);
        tcase_add_test(tc, test_symlink);
        tcase_add_test(tc, test_conf_open);
        suite_add_tcase(s, tc);

        /* Writes get a tree of their own: test_read above must see the initial values. */
        tc = tcase_create("write");
        tcase_add_unchecked_fixture(tc, setup, teardown);
        tcase_add_loop_test(tc, test_write_read_back, 0, ELEMENTSOF(ifaces));
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(sysctl_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
