/* SPDX-License-Identifier: MIT */
/* confdirs: the main file and the drop-in directories, and systemd's rules for which
 * drop-ins count and in what order. Lists directories; reads no file, logs nothing. */
#define _GNU_SOURCE
#include "confdirs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

void confdirs_done(ConfDirs *d) {
        free(d->main);
        if (d->dirs)
                for (size_t i = 0; i < d->n_dirs; i++)
                        free(d->dirs[i]);
        free(d->dirs);
        *d = (ConfDirs) {};
}

static int confdirs_make(const char *prefix, const char *main, const char *const *dirs, size_t n_dirs,
                         ConfDirs *ret) {
        ConfDirs d = {};

        if (asprintf(&d.main, "%s%s", prefix, main) < 0) {
                d.main = NULL;
                return -ENOMEM;
        }
        d.dirs = calloc(n_dirs + 1, sizeof(char *));
        if (!d.dirs) {
                confdirs_done(&d);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n_dirs; i++) {
                if (asprintf(&d.dirs[i], "%s%s", prefix, dirs[i]) < 0) {
                        d.dirs[i] = NULL;
                        confdirs_done(&d);
                        return -ENOMEM;
                }
                d.n_dirs++;
        }
        *ret = d;
        return 0;
}

int confdirs_default(const char *root, ConfDirs *ret) {
        static const char *const dirs[] = CONFDIRS_DROPIN_DIRS;
        _cleanup_(freep) char *prefix = NULL;
        size_t n;

        /* "/", "" and NULL are the real root; "DIR/" is "DIR". */
        prefix = strdup(root ?: "");
        if (!prefix)
                return -ENOMEM;
        n = strlen(prefix);
        while (n > 0 && prefix[n - 1] == '/')
                prefix[--n] = '\0';
        /* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): prefix is freed by _cleanup_(freep) */
        return confdirs_make(prefix, CONFDIRS_MAIN_FILE, dirs, ELEMENTSOF(dirs), ret);
}

int confdirs_for_file(const char *path, ConfDirs *ret) {
        _cleanup_(freep) char *dir = NULL;

        if (!path || !*path)
                return -EINVAL;
        if (asprintf(&dir, "%s.d", path) < 0)
                return -ENOMEM;
        return confdirs_make("", path, (const char *const[]) { dir }, 1, ret);
}

void confdirs_list_done(ConfDropinList *l) {
        for (size_t i = 0; i < l->n_items; i++)
                free(l->items[i].path);
        free(l->items);
        *l = (ConfDropinList) {};
}

const char *conf_dropin_kind_to_string(ConfDropinKind k) {
        static const char *const table[_CONF_DROPIN_KIND_MAX] = {
                [CONF_DROPIN_MASKED_NULL]  = "masked: a symlink to /dev/null",
                [CONF_DROPIN_MASKED_EMPTY] = "masked: an empty file",
                [CONF_DROPIN_DANGLING]     = "masked: a symlink to nothing",
                [CONF_DROPIN_NOT_A_FILE]   = "not a regular file",
        };

        if ((unsigned) k >= _CONF_DROPIN_KIND_MAX)
                return NULL;
        return table[k];
}

/* FOREACH_DIRENT() skips hidden and backup files; of hidden_or_backup_file()'s rules
 * only the leading dot can apply to a name that ends in ".conf". */
static bool name_is_dropin(const char *name) {
        size_t n = strlen(name);

        return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

/* What the entry is, following symlinks: systemd (flags 0) does not look, it reads,
 * and reading /dev/null, an empty file or a dangling symlink (ENOENT, ignored) gives
 * nothing. rpfguard looks first, to say which it was. */
static ConfDropinKind dropin_kind(int dir_fd, const char *name) {
        struct stat st;

        if (fstatat(dir_fd, name, &st, 0) < 0) {
                if (errno == ENOENT && fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
                        return CONF_DROPIN_DANGLING;
                return CONF_DROPIN_FILE; /* the reader will say why it cannot read it */
        }
        if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
                return CONF_DROPIN_MASKED_NULL;
        if (S_ISREG(st.st_mode))
                return st.st_size == 0 ? CONF_DROPIN_MASKED_EMPTY : CONF_DROPIN_FILE;
        return CONF_DROPIN_NOT_A_FILE;
}

static int dropin_compare(const void *a, const void *b) {
        return strcmp(((const ConfDropin *) a)->name, ((const ConfDropin *) b)->name);
}

static bool list_has(const ConfDropinList *l, const char *name) {
        for (size_t i = 0; i < l->n_items; i++)
                if (strcmp(l->items[i].name, name) == 0)
                        return true;
        return false;
}

static int list_dir(const char *dir, ConfDropinList *l) {
        DIR *d;
        struct dirent *de;
        int r = 0;

        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;

        for (;;) {
                ConfDropin *items;
                char *path;

                errno = 0;
                /* cppcheck-suppress readdirCalled ; one thread, and readdir_r() is deprecated */
                de = readdir(d);
                if (!de) {
                        r = errno > 0 ? -errno : 0;
                        break;
                }
                if (!name_is_dropin(de->d_name))
                        continue;
                if (list_has(l, de->d_name))
                        continue; /* overridden by (or masked in) an earlier directory */

                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                items = realloc(l->items, (l->n_items + 1) * sizeof(ConfDropin));
                if (!items) {
                        free(path);
                        r = -ENOMEM;
                        break;
                }
                l->items = items;
                items[l->n_items++] = (ConfDropin) {
                        .path = path,
                        .name = path + strlen(dir) + 1,
                        .kind = dropin_kind(dirfd(d), de->d_name),
                };
        }
        (void) closedir(d);
        return r;
}

int confdirs_list(const ConfDirs *d, ConfDropinList *ret, char **ret_failed) {
        ConfDropinList l = {};
        int r;

        if (ret_failed)
                *ret_failed = NULL;
        for (size_t i = 0; i < d->n_dirs; i++) {
                r = list_dir(d->dirs[i], &l);
                if (r < 0) {
                        confdirs_list_done(&l);
                        if (ret_failed && r != -ENOMEM)
                                *ret_failed = strdup(d->dirs[i]);
                        return r;
                }
        }
        if (l.n_items > 1)
                qsort(l.items, l.n_items, sizeof(ConfDropin), dropin_compare);
        *ret = l;
        return 0;
}
