/* SPDX-License-Identifier: MIT */
/* tree: fixture directory trees for the unit tests — make a path with its parents,
 * remove a whole tree (read-only entries too). Test code only: asserts with check. */
#pragma once
/* nftw() needs _GNU_SOURCE (or _XOPEN_SOURCE 500) defined before any header. */

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

/* mkdir -p PATH: every missing component, mode 0755. */
static inline void tree_mkdir_p(const char *path) {
        char buf[PATH_MAX];

        ck_assert_int_lt(snprintf(buf, sizeof(buf), "%s", path), (int) sizeof(buf));
        for (char *p = buf + 1; *p; p++)
                if (*p == '/') {
                        *p = '\0';
                        ck_assert_msg(mkdir(buf, 0755) == 0 || errno == EEXIST, "mkdir %s: %m", buf);
                        *p = '/';
                }
        ck_assert_msg(mkdir(buf, 0755) == 0 || errno == EEXIST, "mkdir %s: %m", buf);
}

static inline int tree_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st, (void) flag, (void) ftw;
        (void) chmod(path, 0700); /* a test may have made it unreadable */
        return remove(path) < 0 ? -1 : 0;
}

/* rm -rf PATH, without following symlinks. */
static inline void tree_remove(const char *path) {
        (void) nftw(path, tree_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
