/* SPDX-License-Identifier: MIT */
/* Unit tests of lib/fileio: atomic replacement — content, mode whatever the umask,
 * no temporary file left behind, errors leave the old file alone. Table-driven. */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "tree.h"
#include "util.h"

static char base[] = "/tmp/rpfguard-test-fileio-XXXXXX";

static void setup(void) {
        ck_assert_ptr_nonnull(mkdtemp(base));
}

static void teardown(void) {
        tree_remove(base);
        strcpy(base, "/tmp/rpfguard-test-fileio-XXXXXX");
}

static unsigned entries(const char *dir) {
        DIR *d = opendir(dir);
        unsigned n = 0;

        ck_assert_ptr_nonnull(d);
        for (struct dirent *de; (de = readdir(d));)
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        n++;
        closedir(d);
        return n;
}

static const struct {
        const char *old;      /* NULL: no file before */
        const char *text;
        WriteFileFlags flags;
        mode_t umask;
} cases[] = {
        { NULL, "rpfguard_corrections_total 1\n", 0, 077 },
        { "old\n", "new\n", 0, 022 },
        { "a much longer old content than the new one\n", "x", WRITE_FILE_SYNC, 077 },
        { "old", "", 0, 0 },
        { NULL, "", WRITE_FILE_SYNC, 0777 },
};

START_TEST(test_replace) {
        char path[PATH_MAX], got[256] = "";
        struct stat st;
        mode_t old_umask;
        FILE *f;
        int r;

        (void) snprintf(path, sizeof(path), "%s/metrics.prom", base);
        if (cases[_i].old) {
                f = fopen(path, "w");
                ck_assert_ptr_nonnull(f);
                fputs(cases[_i].old, f);
                fclose(f);
        }
        old_umask = umask(cases[_i].umask);
        r = write_file_atomic(path, cases[_i].text, strlen(cases[_i].text), cases[_i].flags);
        umask(old_umask);
        ck_assert_int_eq(r, 0);

        f = fopen(path, "r");
        ck_assert_ptr_nonnull(f);
        got[fread(got, 1, sizeof(got) - 1, f)] = '\0';
        fclose(f);
        ck_assert_str_eq(got, cases[_i].text);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_int_eq(st.st_mode & 07777, 0644);
        ck_assert_uint_eq(entries(base), 1); /* no temporary file left */
}
END_TEST

START_TEST(test_errors) {
        char path[PATH_MAX];

        /* A missing directory: nothing created anywhere. */
        (void) snprintf(path, sizeof(path), "%s/missing/state.json", base);
        ck_assert_int_eq(write_file_atomic(path, "x", 1, 0), -ENOENT);
        ck_assert_uint_eq(entries(base), 0);

        /* PATH is a directory: the rename fails, the temporary file goes. */
        (void) snprintf(path, sizeof(path), "%s/dir", base);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        ck_assert_int_eq(write_file_atomic(path, "x", 1, 0), -EISDIR);
        ck_assert_uint_eq(entries(base), 1);
}
END_TEST

START_TEST(test_write_all) {
        char path[PATH_MAX], buf[70000], back[70000];
        int fd;

        for (size_t k = 0; k < sizeof(buf); k++)
                buf[k] = (char) ('a' + k % 26);
        (void) snprintf(path, sizeof(path), "%s/big", base);
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write_all(fd, buf, sizeof(buf)), 0);
        ck_assert_int_eq(pread(fd, back, sizeof(back), 0), (ssize_t) sizeof(back));
        ck_assert_int_eq(memcmp(buf, back, sizeof(buf)), 0);
        close(fd);
        ck_assert_int_eq(write_all(-1, buf, 1), -EBADF);
}
END_TEST

static Suite *fileio_suite(void) {
        Suite *s = suite_create("fileio");
        TCase *tc = tcase_create("fileio");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_loop_test(tc, test_replace, 0, ELEMENTSOF(cases));
        tcase_add_test(tc, test_errors);
        tcase_add_test(tc, test_write_all);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(fileio_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
