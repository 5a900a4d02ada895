/* SPDX-License-Identifier: MIT */
/* test-confdirs: systemd's rules for drop-ins (v252 conf_files_list_strv) on fixture
 * trees in a temporary directory: overrides, masks, order, what is skipped, errors. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tree.h"
#include "confdirs.h"
#include "util.h"

#define ETC "etc/rpfguard.conf.d/"
#define RUN "run/rpfguard.conf.d/"
#define LIB "usr/lib/rpfguard.conf.d/"

typedef enum FixtureType {
        FX_FILE,    /* a regular file with CONTENT ("" : an empty one) */
        FX_LINK,    /* a symlink to TARGET */
        FX_DIR,
        FX_FIFO,
} FixtureType;

typedef struct Fixture {
        const char *path;   /* relative to the tree's root */
        FixtureType type;
        const char *data;   /* FX_FILE: the content; FX_LINK: the target */
} Fixture;

typedef struct Expect {
        const char *path;   /* relative to the root */
        ConfDropinKind kind;
} Expect;

typedef struct Case {
        const char *what;
        Fixture files[10];
        Expect expect[8];   /* in order; path NULL ends it */
} Case;

#define F(p, c) { (p), FX_FILE, (c) }
#define L(p, t) { (p), FX_LINK, (t) }
#define D(p)    { (p), FX_DIR, NULL }
#define P(p)    { (p), FX_FIFO, NULL }

static const Case cases[] = {
        { "no drop-in directories at all",
          .files = { F("etc/rpfguard.conf", "[daemon]\n") },
          .expect = { { NULL } } },
        { "empty drop-in directories",
          .files = { D("etc/rpfguard.conf.d"), D("run/rpfguard.conf.d"), D("usr/lib/rpfguard.conf.d") },
          .expect = { { NULL } } },
        { "a name in /etc overrides /run, which overrides /usr/lib",
          .files = { F(LIB "50-x.conf", "lib\n"), F(RUN "50-x.conf", "run\n"), F(ETC "50-x.conf", "etc\n"),
                     F(LIB "40-y.conf", "lib\n"), F(RUN "40-y.conf", "run\n") },
          .expect = { { RUN "40-y.conf", CONF_DROPIN_FILE }, { ETC "50-x.conf", CONF_DROPIN_FILE } } },
        { "a symlink to /dev/null masks the same name in later directories",
          .files = { F(LIB "50-x.conf", "lib\n"), L(ETC "50-x.conf", "/dev/null"), F(RUN "60-y.conf", "run\n") },
          .expect = { { ETC "50-x.conf", CONF_DROPIN_MASKED_NULL }, { RUN "60-y.conf", CONF_DROPIN_FILE } } },
        { "a mask in /run hides /usr/lib but not /etc",
          .files = { F(LIB "50-x.conf", "lib\n"), L(RUN "50-x.conf", "/dev/null"), F(ETC "50-x.conf", "etc\n") },
          .expect = { { ETC "50-x.conf", CONF_DROPIN_FILE } } },
        { "an empty file masks too",
          .files = { F(LIB "50-x.conf", "lib\n"), F(RUN "50-x.conf", "") },
          .expect = { { RUN "50-x.conf", CONF_DROPIN_MASKED_EMPTY } } },
        { "lexical order of the names, across directories",
          .files = { F(LIB "10-a.conf", "x\n"), F(ETC "90-z.conf", "x\n"), F(RUN "50-m.conf", "x\n"),
                     F(LIB "60-n.conf", "x\n"), F(ETC "9-early.conf", "x\n"), F(RUN "A.conf", "x\n"),
                     F(LIB "a.conf", "x\n") },
          /* strcmp(): "9-early" after "60-n" and before "90-z"; upper case first. */
          .expect = { { LIB "10-a.conf", CONF_DROPIN_FILE }, { RUN "50-m.conf", CONF_DROPIN_FILE },
                      { LIB "60-n.conf", CONF_DROPIN_FILE }, { ETC "9-early.conf", CONF_DROPIN_FILE },
                      { ETC "90-z.conf", CONF_DROPIN_FILE }, { RUN "A.conf", CONF_DROPIN_FILE },
                      { LIB "a.conf", CONF_DROPIN_FILE } } },
        { "only *.conf, and no hidden file",
          .files = { F(ETC "50-x.conf.bak", "x\n"), F(ETC "50-x.conf~", "x\n"), F(ETC "README", "x\n"),
                     F(ETC "50-x.CONF", "x\n"), F(ETC ".hidden.conf", "x\n"), F(ETC ".conf", "x\n"),
                     F(ETC "conf", "x\n"), F(ETC "50-x.conf.dpkg-dist", "x\n"), F(ETC "x.conf", "x\n") },
          .expect = { { ETC "x.conf", CONF_DROPIN_FILE } } },
        { "a directory named x.conf is listed (systemd reads it, and fails) and hides /usr/lib's",
          .files = { D(ETC "50-x.conf"), F(LIB "50-x.conf", "lib\n") },
          .expect = { { ETC "50-x.conf", CONF_DROPIN_NOT_A_FILE } } },
        { "a FIFO is not a file",
          .files = { P(ETC "50-x.conf") },
          .expect = { { ETC "50-x.conf", CONF_DROPIN_NOT_A_FILE } } },
        { "a dangling symlink reads as nothing and still hides /usr/lib's",
          .files = { L(ETC "50-x.conf", "/nonexistent-rpfguard/50-x.conf"), F(LIB "50-x.conf", "lib\n") },
          .expect = { { ETC "50-x.conf", CONF_DROPIN_DANGLING } } },
        { "a symlink to a file is that file",
          .files = { F("srv/shared.conf", "x\n"), L(ETC "50-x.conf", "../../srv/shared.conf") },
          .expect = { { ETC "50-x.conf", CONF_DROPIN_FILE } } },
        { "a drop-in directory that is a symlink",
          .files = { F("srv/d/50-x.conf", "x\n"), L("run/rpfguard.conf.d", "../srv/d") },
          .expect = { { RUN "50-x.conf", CONF_DROPIN_FILE } } },
        { "a Kubernetes ConfigMap volume: ..data and the timestamped directory are hidden",
          .files = { F(ETC "..2026_12_01_09_00_00.1/50-calico.conf", "x\n"),
                     L(ETC "..data", "..2026_12_01_09_00_00.1"), L(ETC "50-calico.conf", "..data/50-calico.conf") },
          .expect = { { ETC "50-calico.conf", CONF_DROPIN_FILE } } },
};

static char base[] = "/tmp/rpfguard-test-confdirs-XXXXXX";


static void base_setup(void) {
        ck_assert_ptr_nonnull(mkdtemp(base));
}

static void base_teardown(void) {
        tree_remove(base);
}


static void build_tree(const Fixture *files, const char *root) {
        char path[PATH_MAX];

        tree_mkdir_p(root);
        for (const Fixture *f = files; f->path; f++) {
                char *slash;

                (void) snprintf(path, sizeof(path), "%s/%s", root, f->path);
                slash = strrchr(path, '/');
                *slash = '\0';
                tree_mkdir_p(path);
                *slash = '/';
                switch (f->type) {
                case FX_FILE: {
                        FILE *out = fopen(path, "we");

                        ck_assert_msg(out, "fopen %s: %m", path);
                        ck_assert_int_eq(fwrite(f->data, 1, strlen(f->data), out), strlen(f->data));
                        ck_assert_int_eq(fclose(out), 0);
                        break;
                }
                case FX_LINK:
                        ck_assert_msg(symlink(f->data, path) == 0, "symlink %s: %m", path);
                        break;
                case FX_DIR:
                        tree_mkdir_p(path);
                        break;
                case FX_FIFO:
                        ck_assert_msg(mkfifo(path, 0644) == 0, "mkfifo %s: %m", path);
                        break;
                }
        }
}

START_TEST(test_case) {
        const Case *c = &cases[_i];
        char root[PATH_MAX], want[2 * PATH_MAX];
        ConfDirs d = {};
        ConfDropinList l = {};
        char *failed = (char *) "untouched";
        size_t n = 0;

        (void) snprintf(root, sizeof(root), "%s/case-%d", base, _i);
        build_tree(c->files, root);
        ck_assert_int_eq(confdirs_default(root, &d), 0);
        ck_assert_int_eq(confdirs_list(&d, &l, &failed), 0);
        ck_assert_ptr_null(failed);

        while (c->expect[n].path)
                n++;
        if (l.n_items != n)
                for (size_t i = 0; i < l.n_items; i++)
                        fprintf(stderr, "%s: got %s (%d)\n", c->what, l.items[i].path, (int) l.items[i].kind);
        ck_assert_msg(l.n_items == n, "%s: %zu drop-ins, expected %zu", c->what, l.n_items, n);
        for (size_t i = 0; i < n; i++) {
                const ConfDropin *e = &l.items[i];

                (void) snprintf(want, sizeof(want), "%s/%s", root, c->expect[i].path);
                ck_assert_msg(strcmp(e->path, want) == 0, "%s: #%zu is %s, expected %s", c->what, i, e->path, want);
                ck_assert_str_eq(e->name, strrchr(want, '/') + 1);
                ck_assert_msg(e->kind == c->expect[i].kind, "%s: %s is kind %d, expected %d", c->what, e->path,
                              (int) e->kind, (int) c->expect[i].kind);
        }
        confdirs_list_done(&l);
        ck_assert_ptr_null(l.items);
        confdirs_done(&d);
}
END_TEST

/* ---- the layouts ---------------------------------------------------------------------- */

static const struct {
        const char *root;       /* confdirs_default(ROOT), or */
        const char *file;       /* confdirs_for_file(FILE) */
        const char *main;
        const char *dirs[4];
} layouts[] = {
        { NULL, NULL, "/etc/rpfguard.conf",
          { "/etc/rpfguard.conf.d", "/run/rpfguard.conf.d", "/usr/lib/rpfguard.conf.d" } },
        { "/", NULL, "/etc/rpfguard.conf",
          { "/etc/rpfguard.conf.d", "/run/rpfguard.conf.d", "/usr/lib/rpfguard.conf.d" } },
        { "", NULL, "/etc/rpfguard.conf",
          { "/etc/rpfguard.conf.d", "/run/rpfguard.conf.d", "/usr/lib/rpfguard.conf.d" } },
        { "/tmp/r//", NULL, "/tmp/r/etc/rpfguard.conf",
          { "/tmp/r/etc/rpfguard.conf.d", "/tmp/r/run/rpfguard.conf.d", "/tmp/r/usr/lib/rpfguard.conf.d" } },
        { NULL, "/srv/x.conf", "/srv/x.conf", { "/srv/x.conf.d" } },
        { NULL, "/usr/local/etc/rpfguard.conf", "/usr/local/etc/rpfguard.conf", { "/usr/local/etc/rpfguard.conf.d" } },
        { NULL, "rel.conf", "rel.conf", { "rel.conf.d" } },
};

START_TEST(test_layout) {
        ConfDirs d = {};
        size_t n = 0;

        if (layouts[_i].file)
                ck_assert_int_eq(confdirs_for_file(layouts[_i].file, &d), 0);
        else
                ck_assert_int_eq(confdirs_default(layouts[_i].root, &d), 0);
        ck_assert_str_eq(d.main, layouts[_i].main);
        while (layouts[_i].dirs[n])
                n++;
        ck_assert_uint_eq(d.n_dirs, n);
        for (size_t i = 0; i < n; i++)
                ck_assert_str_eq(d.dirs[i], layouts[_i].dirs[i]);
        ck_assert_ptr_null(d.dirs[n]); /* NULL-terminated, for a watcher */
        confdirs_done(&d);
        confdirs_done(&d); /* twice is fine */
}
END_TEST

START_TEST(test_for_file_invalid) {
        ConfDirs d = {};

        ck_assert_int_eq(confdirs_for_file("", &d), -EINVAL);
        ck_assert_int_eq(confdirs_for_file(NULL, &d), -EINVAL);
}
END_TEST

START_TEST(test_kind_strings) {
        ck_assert_ptr_null(conf_dropin_kind_to_string(CONF_DROPIN_FILE));
        ck_assert_ptr_nonnull(strstr(conf_dropin_kind_to_string(CONF_DROPIN_MASKED_NULL), "/dev/null"));
        ck_assert_ptr_nonnull(strstr(conf_dropin_kind_to_string(CONF_DROPIN_MASKED_EMPTY), "empty"));
        ck_assert_ptr_nonnull(strstr(conf_dropin_kind_to_string(CONF_DROPIN_DANGLING), "nothing"));
        ck_assert_ptr_nonnull(conf_dropin_kind_to_string(CONF_DROPIN_NOT_A_FILE));
        ck_assert_ptr_null(conf_dropin_kind_to_string(_CONF_DROPIN_KIND_MAX));
        ck_assert(conf_dropin_is_mask(CONF_DROPIN_MASKED_NULL));
        ck_assert(conf_dropin_is_mask(CONF_DROPIN_MASKED_EMPTY));
        ck_assert(conf_dropin_is_mask(CONF_DROPIN_DANGLING));
        ck_assert(!conf_dropin_is_mask(CONF_DROPIN_FILE));
        ck_assert(!conf_dropin_is_mask(CONF_DROPIN_NOT_A_FILE));
}
END_TEST

/* Permission checks apply to root too once its effective capabilities are gone (check
 * runs each test in a child of its own, so this does not leak). */
static void drop_capabilities(void) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct data[2] = {};

        ck_assert_int_eq(syscall(SYS_capset, &h, data), 0);
}

/* A drop-in directory that exists but cannot be listed fails the listing, naming it;
 * only a missing one is silent. */
static const struct {
        const char *what;
        Fixture files[4];
        const char *chmod0;     /* made unreadable */
        const char *failed;     /* the directory named */
        int error;
} dir_errors[] = {
        { "an unreadable directory",
          { F(LIB "50-x.conf", "x\n"), F(RUN "50-x.conf", "x\n") }, "run/rpfguard.conf.d", "run/rpfguard.conf.d", -EACCES },
        { "a file where the directory should be",
          { F(LIB "50-x.conf", "x\n"), F("etc/rpfguard.conf.d", "x\n") }, NULL, "etc/rpfguard.conf.d", -ENOTDIR },
        { "a symlink loop",
          { L("usr/lib/rpfguard.conf.d", "rpfguard.conf.d") }, NULL, "usr/lib/rpfguard.conf.d", -ELOOP },
};

START_TEST(test_dir_error) {
        char root[PATH_MAX], want[2 * PATH_MAX];
        ConfDirs d = {};
        ConfDropinList l = { .n_items = 42 };
        char *failed = NULL;

        (void) snprintf(root, sizeof(root), "%s/error-%d", base, _i);
        build_tree(dir_errors[_i].files, root);
        if (dir_errors[_i].chmod0) {
                (void) snprintf(want, sizeof(want), "%s/%s", root, dir_errors[_i].chmod0);
                ck_assert_int_eq(chmod(want, 0), 0);
        }
        drop_capabilities();

        ck_assert_int_eq(confdirs_default(root, &d), 0);
        ck_assert_int_eq(confdirs_list(&d, &l, &failed), dir_errors[_i].error);
        (void) snprintf(want, sizeof(want), "%s/%s", root, dir_errors[_i].failed);
        ck_assert_ptr_nonnull(failed);
        ck_assert_str_eq(failed, want);
        ck_assert_uint_eq(l.n_items, 42); /* untouched */
        free(failed);
        confdirs_done(&d);
}
END_TEST

static Suite *confdirs_suite(void) {
        Suite *s = suite_create("confdirs");
        TCase *tc;

        tc = tcase_create("list");
        tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
        tcase_add_loop_test(tc, test_case, 0, ELEMENTSOF(cases));
        tcase_add_loop_test(tc, test_dir_error, 0, ELEMENTSOF(dir_errors));
        suite_add_tcase(s, tc);

        tc = tcase_create("layout");
        tcase_add_loop_test(tc, test_layout, 0, ELEMENTSOF(layouts));
        tcase_add_test(tc, test_for_file_invalid);
        tcase_add_test(tc, test_kind_strings);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(confdirs_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
