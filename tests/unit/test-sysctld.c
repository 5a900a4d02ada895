/* SPDX-License-Identifier: MIT */
/* test-sysctld: the model of systemd-sysctl 252 on fixture trees built in a temporary
 * directory: overrides, masks, order, later-wins, globs, dotted names, '-' keys, values. */
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

#include "tree.h"
#include "sysctld.h"
#include "util.h"

#define NONE INT_MIN /* "nothing sets it" */

typedef struct Fixture {
        const char *path;    /* relative to the tree's root */
        const char *content; /* a regular file */
        const char *link;    /* or a symlink to this; both NULL: a directory */
} Fixture;

typedef struct Query {
        bool boot;           /* the run without --prefix, else udev's run for NAME */
        const char *name;
        int value;           /* NONE: nothing sets it */
        const char *file;    /* the winning line's file and line */
        unsigned line;
} Query;

typedef struct Case {
        const char *what;
        bool split_usr;      /* /lib a directory of its own, not a symlink to usr/lib */
        Fixture files[8];
        Query queries[8];
} Case;

#define UDEV(n, v, f, l) { .name = (n), .value = (v), .file = (f), .line = (l) }
#define BOOT(n, v, f, l) { .boot = true, .name = (n), .value = (v), .file = (f), .line = (l) }
#define UNSET(n) { .name = (n), .value = NONE }
#define BOOT_UNSET(n) { .boot = true, .name = (n), .value = NONE }

static const Case cases[] = {
        { "a name in /etc hides the same name in /usr/lib",
          .files = { { "usr/lib/sysctl.d/50-x.conf", "net.ipv4.conf.eth0.rp_filter = 2\n" },
                     { "etc/sysctl.d/50-x.conf", "net.ipv4.conf.eth0.rp_filter = 1\n" } },
          .queries = { UDEV("eth0", 1, "/etc/sysctl.d/50-x.conf", 1) } },
        { "/run hides /usr/local/lib, which hides /usr/lib",
          .files = { { "usr/lib/sysctl.d/50-x.conf", "net.ipv4.conf.eth0.rp_filter = 2\n" },
                     { "usr/local/lib/sysctl.d/50-x.conf", "\n\nnet.ipv4.conf.eth0.rp_filter = 0\n" },
                     { "run/sysctl.d/60-x.conf", "net.ipv4.conf.eth1.rp_filter = 1\n" } },
          .queries = { UDEV("eth0", 0, "/usr/local/lib/sysctl.d/50-x.conf", 3),
                       UDEV("eth1", 1, "/run/sysctl.d/60-x.conf", 1) } },
        { "a symlink to /dev/null masks",
          .files = { { "usr/lib/sysctl.d/50-default.conf", "net.ipv4.conf.*.rp_filter = 2\n" },
                     { "etc/sysctl.d/50-default.conf", .link = "/dev/null" } },
          .queries = { UNSET("cali0"), UNSET("eth0"), BOOT_UNSET("all") } },
        { "an empty file masks",
          .files = { { "usr/lib/sysctl.d/50-default.conf", "net.ipv4.conf.*.rp_filter = 2\n" },
                     { "run/sysctl.d/50-default.conf", "" } },
          .queries = { UNSET("cali0") } },
        { "a dangling symlink and a directory mask too (nothing readable in them)",
          .files = { { "usr/lib/sysctl.d/50-a.conf", "net.ipv4.conf.*.rp_filter = 2\n" },
                     { "usr/lib/sysctl.d/50-b.conf", "net.ipv4.conf.eth0.rp_filter = 2\n" },
                     { "etc/sysctl.d/50-a.conf", .link = "gone.conf" },
                     { "etc/sysctl.d/50-b.conf" } },
          .queries = { UNSET("eth0") } },
        { "files in lexical order of their names, whatever their directory",
          .files = { { "etc/sysctl.d/10-a.conf", "net.ipv4.conf.eth0.rp_filter = 0\n" },
                     { "usr/lib/sysctl.d/90-z.conf", "net.ipv4.conf.eth0.rp_filter = 2\n" },
                     { "run/sysctl.d/50-m.conf", "net.ipv4.conf.eth0.rp_filter = 1\n" },
                     { "run/sysctl.d/A.conf", "net.ipv4.conf.eth1.rp_filter = 1\n" },
                     { "run/sysctl.d/a.conf", "net.ipv4.conf.eth1.rp_filter = 2\n" } },
          .queries = { UDEV("eth0", 2, "/usr/lib/sysctl.d/90-z.conf", 1),
                       UDEV("eth1", 2, "/run/sysctl.d/a.conf", 1) } },
        { "within a file the later line wins; comments and junk still count as lines",
          .files = { { "etc/sysctl.d/x.conf", "# c\n; c\nnot an assignment\nnet.ipv4.conf.eth0.rp_filter = 1\r\n"
                                              "\n net.ipv4.conf.eth0.rp_filter=2 \n" } },
          .queries = { UDEV("eth0", 2, "/etc/sysctl.d/x.conf", 6) } },
        { "CR, CRLF, LFCR and NUL end lines as read_line() counts them",
          .files = { { "etc/sysctl.d/x.conf", "a = 1\rb = 1\r\nc = 1\n\rnet.ipv4.conf.eth0.rp_filter = 1\n\n"
                                              "net.ipv4.conf.eth1.rp_filter = 2" } },
          .queries = { UDEV("eth0", 1, "/etc/sysctl.d/x.conf", 4), UDEV("eth1", 2, "/etc/sysctl.d/x.conf", 6) } },
        { "a name beats every glob, earlier or later",
          .files = { { "etc/sysctl.d/10-a.conf", "net.ipv4.conf.eth0.rp_filter = 1\n" },
                     { "etc/sysctl.d/90-z.conf", "net.ipv4.conf.*.rp_filter = 2\n" } },
          .queries = { UDEV("eth0", 1, "/etc/sysctl.d/10-a.conf", 1),
                       UDEV("cali0", 2, "/etc/sysctl.d/90-z.conf", 1),
                       UDEV("vxlan.calico", 2, "/etc/sysctl.d/90-z.conf", 1) } },
        { "the last glob wins; the same value again keeps its first place",
          .files = { { "etc/sysctl.d/a.conf", "net.ipv4.conf.cali*.rp_filter = 1\n"
                                              "net.ipv4.conf.*.rp_filter = 2\n"
                                              "net/ipv4/conf/cali*/rp_filter = 1\n"
                                              "net.ipv4.conf.eth*.rp_filter = 0\n" } },
          .queries = { UDEV("cali0", 2, "/etc/sysctl.d/a.conf", 2), UDEV("eth0", 0, "/etc/sysctl.d/a.conf", 4) } },
        { "a new value moves a glob to the end",
          .files = { { "etc/sysctl.d/a.conf", "net.ipv4.conf.cali*.rp_filter = 1\n"
                                              "net.ipv4.conf.*.rp_filter = 2\n"
                                              "net.ipv4.conf.cali*.rp_filter = 0\n" } },
          .queries = { UDEV("cali0", 0, "/etc/sysctl.d/a.conf", 3), UDEV("eth0", 2, "/etc/sysctl.d/a.conf", 2) } },
        { "dotted names: dots and slashes swap when the first separator is a dot",
          .files = { { "etc/sysctl.d/a.conf", "net.ipv4.conf.vxlan/calico.rp_filter = 1\n"
                                              "net.ipv4.conf.flannel.1.rp_filter = 1\n"
                                              "net/ipv4/conf/a.b/rp_filter = 0\n"
                                              "/net/ipv4/conf/c.d/rp_filter = 2\n"
                                              "net.ipv4.conf.*/calico.rp_filter = 2\n" } },
          .queries = { UDEV("vxlan.calico", 1, "/etc/sysctl.d/a.conf", 1), UNSET("flannel.1"),
                       UDEV("a.b", 0, "/etc/sysctl.d/a.conf", 3), UDEV("c.d", 2, "/etc/sysctl.d/a.conf", 4),
                       UDEV("tunl.calico", 2, "/etc/sysctl.d/a.conf", 5) } },
        { "'-KEY = V' only ignores failures; '-KEY' keeps globs off KEY",
          .files = { { "etc/sysctl.d/a.conf", "net.ipv4.conf.*.rp_filter = 2\n"
                                              "-net.ipv4.conf.eth0.rp_filter = 1\n"
                                              "-net.ipv4.conf.lo.rp_filter\n"
                                              "-net.ipv4.conf.cali*.rp_filter\n"
                                              "net.ipv4.conf.eth1.rp_filter = 1\n" },
                     { "etc/sysctl.d/b.conf", "-net.ipv4.conf.eth1.rp_filter\n" } },
          .queries = { UDEV("eth0", 1, "/etc/sysctl.d/a.conf", 2), UNSET("lo"),
                       UDEV("cali0", 2, "/etc/sysctl.d/a.conf", 1), UNSET("eth1") } },
        { "/etc/sysctl.conf only through 99-sysctl.conf, in that name's place",
          .files = { { "etc/sysctl.conf", "net.ipv4.conf.eth0.rp_filter = 1\nnet.ipv4.conf.eth1.rp_filter = 1\n" },
                     { "etc/sysctl.d/99-sysctl.conf", .link = "../sysctl.conf" },
                     { "run/sysctl.d/99-zzz.conf", "net.ipv4.conf.eth1.rp_filter = 2\n" } },
          .queries = { UDEV("eth0", 1, "/etc/sysctl.d/99-sysctl.conf", 1),
                       UDEV("eth1", 2, "/run/sysctl.d/99-zzz.conf", 1) } },
        { "without the symlink /etc/sysctl.conf is not read",
          .files = { { "etc/sysctl.conf", "net.ipv4.conf.eth0.rp_filter = 1\n" } },
          .queries = { UNSET("eth0"), BOOT_UNSET("eth0") } },
        { "hidden files and other suffixes are skipped; an absolute symlink stays in the root",
          .files = { { "etc/sysctl.d/.a.conf", "net.ipv4.conf.eth0.rp_filter = 1\n" },
                     { "etc/sysctl.d/b.conf.bak", "net.ipv4.conf.eth0.rp_filter = 1\n" },
                     { "etc/sysctl.d/c", "net.ipv4.conf.eth0.rp_filter = 1\n" },
                     { "etc/other", "net.ipv4.conf.eth1.rp_filter = 0\n" },
                     { "etc/sysctl.d/d.conf", .link = "/etc/other" } },
          .queries = { UNSET("eth0"), UDEV("eth1", 0, "/etc/sysctl.d/d.conf", 1) } },
        { "values as the kernel takes them; a refused value leaves the earlier glob's",
          .files = { { "etc/sysctl.d/a.conf", "net.ipv4.conf.*.rp_filter = 1\n"
                                              "net.ipv4.conf.e*.rp_filter = abc\n"
                                              "net.ipv4.conf.eth0.rp_filter = 08\n"
                                              "net.ipv4.conf.a.rp_filter = 0x2\n"
                                              "net.ipv4.conf.b.rp_filter = 010\n"
                                              "net.ipv4.conf.c.rp_filter = 1 2\n"
                                              "net.ipv4.conf.d.rp_filter = -1\n"
                                              "net.ipv4.conf.f.rp_filter =\n" } },
          .queries = { UDEV("eth1", 1, "/etc/sysctl.d/a.conf", 1), UNSET("eth0"),
                       UDEV("a", 2, "/etc/sysctl.d/a.conf", 4), UDEV("b", 8, "/etc/sysctl.d/a.conf", 5),
                       UDEV("c", 1, "/etc/sysctl.d/a.conf", 6), UDEV("d", -1, "/etc/sysctl.d/a.conf", 7),
                       UNSET("f") } },
        { "--prefix is a path prefix: eth0's key is not eth00's",
          .files = { { "etc/sysctl.d/a.conf", "net.ipv4.conf.eth0.rp_filter = 1\n"
                                              "net/ipv4//conf/./eth00/rp_filter = 2\n"
                                              "net.ipv4.conf.eth1.rp_*=0\n"
                                              "net.ipv4.conf.eth2.*=2\n" } },
          .queries = { UDEV("eth0", 1, "/etc/sysctl.d/a.conf", 1), UDEV("eth00", 2, "/etc/sysctl.d/a.conf", 2),
                       UDEV("eth1", 0, "/etc/sysctl.d/a.conf", 3), UDEV("eth2", 2, "/etc/sysctl.d/a.conf", 4),
                       UNSET("eth") } },
        { "a name with glob characters: a glob equal to its path is its own explicit setting",
          .files = { { "etc/sysctl.d/a.conf", "net.ipv4.conf.*.rp_filter = 2\nnet/ipv4/conf/x*y/rp_filter = 1\n" } },
          .queries = { UNSET("x*y"), UDEV("xay", 1, "/etc/sysctl.d/a.conf", 2),
                       UDEV("x?y", 1, "/etc/sysctl.d/a.conf", 2) } },
        { "the boot run: all and default, explicit lines and globs",
          .files = { { "usr/lib/sysctl.d/50-default.conf", "net.ipv4.conf.default.rp_filter = 2\n"
                                                           "net.ipv4.conf.*.rp_filter = 2\n"
                                                           "-net.ipv4.conf.all.rp_filter\n" },
                     { "etc/sysctl.d/60-x.conf", "net.ipv4.conf.d*.rp_filter = 1\n" } },
          .queries = { BOOT_UNSET("all"), BOOT("default", 2, "/usr/lib/sysctl.d/50-default.conf", 1),
                       BOOT("eth0", 2, "/usr/lib/sysctl.d/50-default.conf", 2),
                       UDEV("d0", 1, "/etc/sysctl.d/60-x.conf", 1), UNSET("all") } },
        { "the boot run's glob(3) does not match a leading dot; udev's prefix run does",
          .files = { { "etc/sysctl.d/a.conf", "net.ipv4.conf.*.rp_filter = 2\n" } },
          .queries = { BOOT_UNSET(".x"), UDEV(".x", 2, "/etc/sysctl.d/a.conf", 1) } },
        { "merged /usr: /lib/sysctl.d is /usr/lib/sysctl.d, read once under that name",
          .files = { { "usr/lib/sysctl.d/50-a.conf", "net.ipv4.conf.eth0.rp_filter = 1\n" } },
          .queries = { UDEV("eth0", 1, "/usr/lib/sysctl.d/50-a.conf", 1) } },
        { "split /usr: /lib/sysctl.d comes last",
          .split_usr = true,
          .files = { { "lib/sysctl.d/50-a.conf", "net.ipv4.conf.eth0.rp_filter = 1\n" },
                     { "lib/sysctl.d/60-b.conf", "net.ipv4.conf.eth1.rp_filter = 1\n" },
                     { "usr/lib/sysctl.d/60-b.conf", "net.ipv4.conf.eth1.rp_filter = 2\n" } },
          .queries = { UDEV("eth0", 1, "/lib/sysctl.d/50-a.conf", 1),
                       UDEV("eth1", 2, "/usr/lib/sysctl.d/60-b.conf", 1) } },
        { "nothing at all",
          .files = { { "etc/sysctl.d" } },
          .queries = { UNSET("eth0"), BOOT_UNSET("all"), BOOT_UNSET("default") } },
};

static char base[PATH_MAX];


static void base_setup(void) {
        (void) snprintf(base, sizeof(base), "/tmp/test-sysctld.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(base));
}

static void base_teardown(void) {
        tree_remove(base);
}


/* The tree of case I under BASE/TAG-I. */
static void build_tree(int i, const char *tag, char *root, size_t size) {
        char path[PATH_MAX];

        ck_assert_int_lt(snprintf(root, size, "%s/%s-%d", base, tag, i), (int) size);
        tree_mkdir_p(root);
        (void) snprintf(path, sizeof(path), "%s/usr/lib", root);
        tree_mkdir_p(path);
        (void) snprintf(path, sizeof(path), "%s/lib", root);
        if (cases[i].split_usr)
                tree_mkdir_p(path);
        else
                ck_assert_int_eq(symlink("usr/lib", path), 0);
        for (const Fixture *f = cases[i].files; f->path; f++) {
                char *slash;

                (void) snprintf(path, sizeof(path), "%s/%s", root, f->path);
                slash = strrchr(path, '/');
                *slash = '\0';
                tree_mkdir_p(path);
                *slash = '/';
                if (f->link)
                        ck_assert_msg(symlink(f->link, path) == 0, "symlink %s: %m", path);
                else if (f->content) {
                        FILE *out = fopen(path, "we");

                        ck_assert_msg(out, "fopen %s: %m", path);
                        ck_assert_int_eq(fwrite(f->content, 1, strlen(f->content), out), strlen(f->content));
                        ck_assert_int_eq(fclose(out), 0);
                } else
                        tree_mkdir_p(path);
        }
}

START_TEST(test_case) {
        const Case *c = &cases[_i];
        char root[PATH_MAX];
        Sysctld *s = NULL;

        build_tree(_i, "case", root, sizeof(root));
        ck_assert_int_eq(sysctld_load(root, &s), 0);
        for (const Query *q = c->queries; q->name; q++) {
                const SysctldLine *l = NULL;
                int v = NONE, r;

                r = q->boot ? sysctld_boot_rp_filter(s, q->name, &l, &v)
                            : sysctld_udev_rp_filter(s, q->name, &l, &v);
                ck_assert_int_ge(r, 0);
                if (q->value == NONE) {
                        ck_assert_msg(r == 0, "%s: %s %s: expected nothing, got %d from %s:%u", c->what,
                                      q->boot ? "boot" : "udev", q->name, v, l ? l->file : "?", l ? l->line : 0);
                        continue;
                }
                ck_assert_msg(r == 1, "%s: %s %s: nothing sets it, expected %d", c->what, q->boot ? "boot" : "udev",
                              q->name, q->value);
                ck_assert_msg(v == q->value && strcmp(l->file, q->file) == 0 && l->line == q->line,
                              "%s: %s %s: got %d from %s:%u, expected %d from %s:%u", c->what,
                              q->boot ? "boot" : "udev", q->name, v, l->file, l->line, q->value, q->file, q->line);
        }
        sysctld_free(s);
}
END_TEST

START_TEST(test_files_listed) {
        /* The file list itself: order, one per name, resolved directory names. */
        static const char *const expected[] = {
                "/etc/sysctl.d/10-a.conf", "/run/sysctl.d/50-m.conf", "/usr/lib/sysctl.d/90-z.conf",
                "/run/sysctl.d/A.conf", "/run/sysctl.d/a.conf",
        };
        char root[PATH_MAX];
        Sysctld *s = NULL;
        int i = 5; /* the lexical-order case */

        build_tree(i, "list", root, sizeof(root));
        ck_assert_int_eq(sysctld_load(root, &s), 0);
        ck_assert_uint_eq(s->n_files, ELEMENTSOF(expected));
        for (size_t k = 0; k < s->n_files; k++)
                ck_assert_str_eq(s->files[k], expected[k]);
        sysctld_free(s);
        ck_assert_int_eq(sysctld_load("/nonexistent-root-for-test", &s), -ENOENT);
}
END_TEST

static const struct {
        const char *in, *out;
} normalized[] = {
        { "net.ipv4.conf.all.rp_filter", "net/ipv4/conf/all/rp_filter" },
        { "net/ipv4/conf/all/rp_filter", "net/ipv4/conf/all/rp_filter" },
        { "net.ipv4.conf.vxlan/calico.rp_filter", "net/ipv4/conf/vxlan.calico/rp_filter" },
        { "net/ipv4/conf/vxlan.calico/rp_filter", "net/ipv4/conf/vxlan.calico/rp_filter" },
        { "net.ipv4.conf.vxlan.calico.rp_filter", "net/ipv4/conf/vxlan/calico/rp_filter" },
        { "/net/ipv4/conf/eth0/rp_filter", "net/ipv4/conf/eth0/rp_filter" },
        { "net//ipv4/./conf/eth0/rp_filter/", "net/ipv4/conf/eth0/rp_filter" },
        { "net.ipv4.conf.eth0.rp_filter/", "net/ipv4/conf/eth0/rp_filter." },
        { ".net.ipv4", "net/ipv4" },
        { "kernel", "kernel" },
        { "/", "/" },
        { "", "" },
        { "./.", "/" },          /* the dot first: "/./" */
        { "a/./.", "a" },
        { "net/../x", "net/../x" },
};

START_TEST(test_normalize) {
        char buf[128];

        (void) snprintf(buf, sizeof(buf), "%s", normalized[_i].in);
        ck_assert_str_eq(sysctld_normalize(buf), normalized[_i].out);
}
END_TEST

/* What proc_dointvec() did with each of these, written by systemd-sysctl 252 on this
 * kernel (see the differential test). */
static const struct {
        const char *in;
        int r, value;
} values[] = {
        { "0", 0, 0 },          { "1", 0, 1 },            { "2", 0, 2 },        { "3", 0, 3 },
        { "-1", 0, -1 },        { "0x2", 0, 2 },          { "0X1f", 0, 31 },    { "010", 0, 8 },
        { "1 2", 0, 1 },        { "1\t", 0, 1 },          { "2147483647", 0, INT_MAX },
        { "-2147483648", 0, INT_MIN }, { "2147483648", -EINVAL, 0 }, { "-2147483649", -EINVAL, 0 },
        { "abc", -EINVAL, 0 },  { "", -EINVAL, 0 },       { "08", -EINVAL, 0 }, { "0x", -EINVAL, 0 },
        { "3,4", -EINVAL, 0 },  { "+1", -EINVAL, 0 },     { "- 1", -EINVAL, 0 }, { "1x", -EINVAL, 0 },
        { "99999999999999999999999", -EINVAL, 0 }, { "000000000000000000001", -EINVAL, 0 },
};

START_TEST(test_value) {
        int v = 12345;

        ck_assert_int_eq(sysctld_parse_value(values[_i].in, &v), values[_i].r);
        if (values[_i].r == 0)
                ck_assert_int_eq(v, values[_i].value);
}
END_TEST

static Suite *sysctld_suite(void) {
        Suite *s = suite_create("sysctld");
        TCase *tc = tcase_create("trees");

        tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
        tcase_add_loop_test(tc, test_case, 0, ELEMENTSOF(cases));
        tcase_add_test(tc, test_files_listed);
        suite_add_tcase(s, tc);

        tc = tcase_create("pure");
        tcase_add_loop_test(tc, test_normalize, 0, ELEMENTSOF(normalized));
        tcase_add_loop_test(tc, test_value, 0, ELEMENTSOF(values));
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(sysctld_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
