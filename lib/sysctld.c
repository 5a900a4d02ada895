/* SPDX-License-Identifier: MIT */
/* sysctld: a model of systemd-sysctl 252 (src/sysctl/sysctl.c, conf-files.c, sysctl-util.c),
 * re-implemented from its documented behaviour and source. Reads files only; never logs. */
#define _GNU_SOURCE
#include "sysctld.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define WHITESPACE " \t\n\r"
#define COMMENTS "#;"
#define LONG_LINE_MAX (1U << 20)   /* systemd's read_line() limit; a longer line ends the file */
#define FILE_SIZE_MAX (16U << 20)  /* more than any sysctl.d file; the rest is not read */
#define KEY_PREFIX "net/ipv4/conf/"

static bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

static char *strstrip(char *s) {
        char *e;

        s += strspn(s, WHITESPACE);
        for (e = s + strlen(s); e > s && strchr(WHITESPACE, e[-1]); e--)
                ;
        *e = '\0';
        return s;
}

static bool string_is_glob(const char *s) {
        return strpbrk(s, "*?[") != NULL;
}

/* systemd's path_find_first_component(): the next component of *p (skipping "//" and
 * "." components), its length in *ret_len, 0 at the end, -EINVAL for ".." (unless
 * ACCEPT_DOT_DOT) or a component longer than NAME_MAX. */
static int next_component(const char **p, bool accept_dot_dot, const char **ret) {
        const char *q = *p, *start;
        size_t n;

        for (;;) {
                q += strspn(q, "/");
                if (q[0] == '.' && (q[1] == '/' || q[1] == '\0')) {
                        q++;
                        continue;
                }
                break;
        }
        if (*q == '\0') {
                *p = q;
                *ret = NULL;
                return 0;
        }
        start = q;
        n = strcspn(q, "/");
        if (n > NAME_MAX)
                return -EINVAL;
        if (!accept_dot_dot && n == 2 && start[0] == '.' && start[1] == '.')
                return -EINVAL;
        *p = start + n;
        *ret = start;
        return (int) n;
}

/* systemd's path_simplify(): "//" and "." components and a trailing '/' go, in place. */
static void path_simplify(char *path) {
        char *f = path;
        bool add_slash = false;

        if (*path == '\0')
                return;
        if (*path == '/')
                f++;
        for (const char *p = f;;) {
                const char *e;
                int r;

                r = next_component(&p, true, &e);
                if (r == 0)
                        break;
                if (add_slash)
                        *f++ = '/';
                if (r < 0) {
                        /* An invalid component: the rest stays as it is. */
                        memmove(f, p, strlen(p) + 1);
                        return;
                }
                memmove(f, e, (size_t) r);
                f += r;
                add_slash = true;
        }
        if (f == path)
                *f++ = '.';
        *f = '\0';
}

char *sysctld_normalize(char *key) {
        char *n = strpbrk(key, "/.");

        if (n && *n == '.')
                do {
                        *n = *n == '.' ? '/' : '.';
                        n = strpbrk(n + 1, "/.");
                } while (n);
        path_simplify(key);
        if (key[0] == '/' && key[1] != '\0')
                memmove(key, key + 1, strlen(key));
        return key;
}

int sysctld_parse_value(const char *value, int *ret) {
        /* proc_get_long(): '-', a digit, simple_strtoul(base 0), then one of " \t\n"
         * or the end; proc_dointvec_conv(): within int. At most 21 characters. */
        const char *p = value;
        unsigned long long v = 0;
        unsigned base = 10;
        bool neg = false;

        if (*p == '-') {
                neg = true;
                p++;
        }
        if (*p < '0' || *p > '9')
                return -EINVAL;
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
            strchr("0123456789abcdefABCDEF", p[2]) && p[2] != '\0') {
                base = 16;
                p += 2;
        } else if (p[0] == '0')
                base = 8;
        for (;; p++) {
                unsigned d;

                if (*p >= '0' && *p <= '9')
                        d = (unsigned) (*p - '0');
                else if (*p >= 'a' && *p <= 'f')
                        d = (unsigned) (*p - 'a' + 10);
                else if (*p >= 'A' && *p <= 'F')
                        d = (unsigned) (*p - 'A' + 10);
                else
                        break;
                if (d >= base)
                        break;
                v = v * base + d;
                if (v > (unsigned long long) INT_MAX + 1)
                        return -EINVAL;
        }
        if (p - value >= 21)
                return -EINVAL;
        if (*p != '\0' && !strchr(" \t\n", *p))
                return -EINVAL;
        if (!neg && v > INT_MAX)
                return -EINVAL;
        if (ret)
                *ret = neg ? (int) -(long long) v : (int) v;
        return 0;
}

Sysctld *sysctld_free(Sysctld *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_lines; i++) {
                free(s->lines[i].key_written);
                free(s->lines[i].key);
                free(s->lines[i].value);
        }
        free(s->lines);
        for (size_t i = 0; i < s->n_files; i++)
                free(s->files[i]);
        free(s->files);
        free(s);
        return NULL;
}

/* Open PATH (absolute, inside the tree) with symlinks resolved inside ROOT_FD, as
 * systemd's chase_symlinks() with a root does. */
static int open_in_root(int root_fd, const char *path, int flags) {
        struct open_how how = {
                .flags = (unsigned long long) (flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT,
        };
        long k;
        int fd;

        path += strspn(path, "/");
        if (*path == '\0')
                path = ".";
        k = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
        if (k >= 0)
                return (int) k;
        if (errno != ENOSYS && errno != EPERM)
                return -errno;
        /* No openat2() (kernel < 5.6, or a seccomp filter): symlinks resolve as usual. */
        fd = openat(root_fd, path, flags | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return fd;
}

/* The path FD was opened as, with ROOT_PATH (canonical) taken off the front. */
static char *fd_path_in_root(int fd, const char *root_path) {
        char link[64], target[PATH_MAX];
        size_t n = strlen(root_path);
        ssize_t k;

        (void) snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        k = readlink(link, target, sizeof(target) - 1);
        if (k < 0)
                return NULL;
        target[k] = '\0';
        if (strcmp(root_path, "/") == 0)
                return strdup(target);
        if (strncmp(target, root_path, n) != 0 || (target[n] != '/' && target[n] != '\0'))
                return NULL;
        return strdup(target[n] ? target + n : "/");
}

typedef struct Found {
        char *name;  /* points into path */
        char *path;
} Found;

static int found_compare(const void *a, const void *b) {
        return strcmp(((const Found *) a)->name, ((const Found *) b)->name);
}

static bool hidden_or_backup(const char *name) {
        /* FOREACH_DIRENT() skips these; of hidden_or_backup_file()'s rules only the
         * leading dot can apply to a name that ends in ".conf". */
        return name[0] == '.';
}

static bool ends_with_conf(const char *name) {
        size_t n = strlen(name);
        return n >= 5 && strcmp(name + n - 5, ".conf") == 0;
}

/* conf_files_list_strv(".conf", dirs) as systemd-sysctl calls it: no type or mask
 * filtering, only "one file per name, the earliest directory's". */
static int list_files(int root_fd, const char *root_path, Found **ret, size_t *ret_n) {
        static const char *const dirs[] = SYSCTLD_DIRS;
        char *resolved[ELEMENTSOF(dirs)] = {};
        Found *found = NULL;
        size_t n_found = 0;
        int r = 0;

        for (size_t i = 0; i < ELEMENTSOF(dirs) && r >= 0; i++) {
                struct dirent *de;
                DIR *d;
                bool dup = false;
                int fd;

                fd = open_in_root(root_fd, dirs[i], O_RDONLY | O_DIRECTORY);
                if (fd < 0)
                        continue; /* missing (or not a directory): nothing from it */
                resolved[i] = fd_path_in_root(fd, root_path);
                if (!resolved[i])
                        resolved[i] = strdup(dirs[i]);
                if (!resolved[i]) {
                        close(fd);
                        r = -ENOMEM;
                        break;
                }
                /* path_strv_resolve_uniq(): /lib/sysctl.d -> /usr/lib/sysctl.d is read once. */
                for (size_t j = 0; j < i; j++)
                        if (resolved[j] && strcmp(resolved[j], resolved[i]) == 0)
                                dup = true;
                if (dup) {
                        close(fd);
                        continue;
                }
                d = fdopendir(fd);
                if (!d) {
                        close(fd);
                        continue;
                }
                /* cppcheck-suppress readdirCalled ; one thread, and readdir_r() is deprecated */
                while ((de = readdir(d))) {
                        Found *f;
                        bool seen = false;

                        if (hidden_or_backup(de->d_name) || !ends_with_conf(de->d_name))
                                continue;
                        for (size_t k = 0; k < n_found; k++)
                                if (strcmp(found[k].name, de->d_name) == 0)
                                        seen = true;
                        if (seen)
                                continue; /* overridden by an earlier directory */
                        f = realloc(found, (n_found + 1) * sizeof(Found));
                        if (!f) {
                                r = -ENOMEM;
                                break;
                        }
                        found = f;
                        if (asprintf(&found[n_found].path, "%s%s%s", resolved[i],
                                     strcmp(resolved[i], "/") == 0 ? "" : "/", de->d_name) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        found[n_found].name = strrchr(found[n_found].path, '/') + 1;
                        n_found++;
                }
                (void) closedir(d);
        }
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                free(resolved[i]);
        if (r < 0) {
                for (size_t k = 0; k < n_found; k++)
                        free(found[k].path);
                free(found);
                return r;
        }
        if (n_found > 0)
                qsort(found, n_found, sizeof(Found), found_compare);
        *ret = found;
        *ret_n = n_found;
        return 0;
}

/* The whole file (at most FILE_SIZE_MAX); a read error ends it after the last complete
 * line, as read_line() fails on the line it was reading. */
static int read_file(int root_fd, const char *path, char **ret, size_t *ret_size) {
        size_t size = 0, allocated = 0;
        char *buf = NULL;
        int fd;

        fd = open_in_root(root_fd, path, O_RDONLY | O_NOCTTY);
        if (fd < 0)
                return fd;
        for (;;) {
                ssize_t k;

                if (size + 4096 > allocated) {
                        char *b;

                        if (allocated >= FILE_SIZE_MAX)
                                break;
                        allocated = allocated ? allocated * 2 : 8192;
                        b = realloc(buf, allocated + 1);
                        if (!b) {
                                free(buf);
                                (void) close(fd);
                                return -ENOMEM;
                        }
                        buf = b;
                }
                k = read(fd, buf + size, allocated - size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        while (size > 0 && !strchr("\n\r", buf[size - 1]) && buf[size - 1] != '\0')
                                size--;
                        break;
                }
                if (k == 0)
                        break;
                size += (size_t) k;
        }
        (void) close(fd);
        *ret = buf;
        *ret_size = size;
        return 0;
}

enum { EOL_ZERO = 1, EOL_TEN = 2, EOL_THIRTEEN = 4 };

static int eol_of(char c) {
        return c == '\n' ? EOL_TEN : c == '\r' ? EOL_THIRTEEN : c == '\0' ? EOL_ZERO : 0;
}

/* read_line(): the next line of BUF[*pos..SIZE) in LINE (NUL-terminated in place is not
 * possible with '\0' as a delimiter, so copied). 0 at the end, 1 for a line, -ENOBUFS for
 * a line of LONG_LINE_MAX characters or more. EOL: \n, \r, \0 and their combinations. */
static int next_line(const char *buf, size_t size, size_t *pos, const char **ret, size_t *ret_len) {
        size_t i = *pos, start = *pos, len;
        int seen = 0;

        if (i >= size)
                return 0;
        while (i < size && eol_of(buf[i]) == 0)
                i++;
        len = i - start;
        if (len >= LONG_LINE_MAX)
                return -ENOBUFS;
        while (i < size) {
                int e = eol_of(buf[i]);

                if ((seen & EOL_ZERO) || e == 0 || (e & seen))
                        break;
                seen |= e;
                i++;
        }
        *pos = i;
        *ret = buf + start;
        *ret_len = len;
        return 1;
}

static int add_line(Sysctld *s, const char *file, unsigned nr, const char *key, const char *value,
                    bool ignore_failure) {
        SysctldLine *l, *lines;

        lines = realloc(s->lines, (s->n_lines + 1) * sizeof(SysctldLine));
        if (!lines)
                return -ENOMEM;
        s->lines = lines;
        l = &lines[s->n_lines];
        *l = (SysctldLine) {
                .file = file,
                .line = nr,
                .key_written = strdup(key),
                .key = strdup(key),
                .value = value ? strdup(value) : NULL,
                .ignore_failure = ignore_failure,
        };
        if (!l->key_written || !l->key || (value && !l->value)) {
                free(l->key_written);
                free(l->key);
                free(l->value);
                return -ENOMEM;
        }
        sysctld_normalize(l->key);
        l->glob = string_is_glob(l->key);
        s->n_lines++;
        return 0;
}

/* One line of parse_file() (LINE is modified): an assignment or exclusion is added,
 * anything else is skipped as systemd does. */
static int parse_line(Sysctld *s, const char *file, unsigned nr, char *line) {
        bool ignore_failure = false;
        char *p, *value;

        p = strstrip(line);
        if (*p == '\0' || strchr(COMMENTS "\n", *p))
                return 0;
        value = strchr(p, '=');
        if (value) {
                if (p[0] == '-') {
                        ignore_failure = true;
                        p++;
                }
                *value++ = '\0';
                value = strstrip(value);
        } else if (p[0] == '-')
                p++; /* "-KEY": an exclusion from globs, value NULL */
        else
                return 0; /* "Line is not an assignment, ignoring" */
        return add_line(s, file, nr, strstrip(p), value, ignore_failure);
}

static int parse_file(Sysctld *s, const char *file, const char *buf, size_t size) {
        size_t pos = 0, len;
        const char *text;
        unsigned nr = 0;
        int r;

        while ((r = next_line(buf, size, &pos, &text, &len)) > 0) {
                char *copy = strndup(text, len);

                if (!copy)
                        return -ENOMEM;
                r = parse_line(s, file, ++nr, copy);
                free(copy);
                if (r < 0)
                        return r;
        }
        return r == -ENOBUFS ? 0 : r;
}

static int load(Sysctld *s, int root_fd, const char *root_path) {
        Found *found = NULL;
        size_t n_found = 0;
        int r;

        r = list_files(root_fd, root_path, &found, &n_found);
        if (r < 0)
                return r;
        s->files = calloc(n_found + 1, sizeof(char *));
        if (!s->files)
                r = -ENOMEM;
        for (size_t i = 0; i < n_found; i++) {
                if (r >= 0)
                        s->files[s->n_files++] = TAKE_PTR(found[i].path);
                free(found[i].path);
        }
        free(found);
        if (r < 0)
                return r;

        for (size_t i = 0; i < s->n_files; i++) {
                char *buf = NULL;
                size_t size = 0;

                r = read_file(root_fd, s->files[i], &buf, &size);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        continue; /* dangling symlink, directory, no access: nothing from it */
                r = parse_file(s, s->files[i], buf, size);
                free(buf);
                if (r < 0)
                        return r;
        }
        return 0;
}

int sysctld_load(const char *root, Sysctld **ret) {
        char root_path[PATH_MAX];
        Sysctld *s;
        int root_fd, r;

        if (!realpath(root, root_path))
                return -errno;
        root_fd = open(root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return -errno;
        s = calloc(1, sizeof(Sysctld));
        r = s ? load(s, root_fd, root_path) : -ENOMEM;
        (void) close(root_fd);
        if (r < 0) {
                sysctld_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

/* --- resolution ---------------------------------------------------------------- */

/* path_startswith() of two relative paths, component by component. */
static bool path_has_prefix(const char *path, const char *prefix) {
        for (;;) {
                const char *a, *b;
                int m, n;

                n = next_component(&prefix, true, &b);
                if (n <= 0)
                        return n == 0;
                m = next_component(&path, true, &a);
                if (m <= 0 || m != n || strncmp(a, b, (size_t) n) != 0)
                        return false;
        }
}

/* path_glob_can_match(PATTERN, PREFIX): whether PATTERN's first components match the
 * components of PREFIX; *ret: PREFIX joined with the rest of PATTERN. 1, 0 or -errno. */
static int glob_can_match(const char *pattern, const char *prefix, char **ret) {
        for (const char *a = pattern, *b = prefix;;) {
                const char *p, *q;
                char g[NAME_MAX + 1], h[NAME_MAX + 1];
                int r, s, m;

                r = next_component(&a, false, &p);
                if (r < 0)
                        return r;
                s = next_component(&b, false, &q);
                if (s < 0)
                        return s;
                if (s == 0) {
                        if (asprintf(ret, "%s%s%s", prefix, p ? "/" : "", p ? p : "") < 0)
                                return -ENOMEM;
                        return 1;
                }
                if (r == 0)
                        return 0;
                if (r == s && strncmp(p, q, (size_t) r) == 0)
                        continue;
                memcpy(g, p, (size_t) r);
                g[r] = '\0';
                if (!string_is_glob(g))
                        return 0;
                memcpy(h, q, (size_t) s);
                h[s] = '\0';
                m = fnmatch(g, h, 0);
                if (m == FNM_NOMATCH)
                        return 0;
                if (m != 0)
                        return -EINVAL;
        }
}

typedef struct Entry {
        const char *key;
        const SysctldLine *line;
} Entry;

/* The option table systemd-sysctl builds (an ordered hashmap: a new value for a known
 * key moves it to the end, the same value leaves it where it was), reduced to what can
 * touch TARGET: its own explicit key and every glob. PREFIX: NULL for the boot run. */
static Entry *build_table(const Sysctld *s, const char *prefix, const char *target, size_t *ret_n) {
        Entry *t;
        size_t n = 0;

        t = calloc(s->n_lines + 1, sizeof(Entry));
        if (!t)
                return NULL;
        for (size_t i = 0; i < s->n_lines; i++) {
                const SysctldLine *l = &s->lines[i];
                size_t k;

                if (!l->glob && prefix && !path_has_prefix(l->key, prefix))
                        continue; /* not under --prefix: dropped while parsing */
                if (!l->glob && strcmp(l->key, target) != 0)
                        continue; /* another file: cannot change TARGET */
                for (k = 0; k < n; k++)
                        if (strcmp(t[k].key, l->key) == 0)
                                break;
                if (k < n) {
                        if (streq_ptr(t[k].line->value, l->value))
                                continue;
                        memmove(&t[k], &t[k + 1], (n - k - 1) * sizeof(Entry));
                        n--;
                }
                t[n++] = (Entry) { .key = l->key, .line = l };
        }
        *ret_n = n;
        return t;
}

/* Whether applying glob KEY writes TARGET. */
static bool glob_writes(const char *key, const char *prefix, const char *target) {
        char *k = NULL;
        bool w;

        if (!prefix)
                /* glob(3) over /proc/sys: '*' does not match a leading '.' nor a '/'. */
                return fnmatch(key, target, FNM_PATHNAME | FNM_PERIOD) == 0;
        if (glob_can_match(key, prefix, &k) <= 0)
                return false;
        if (!string_is_glob(k))
                w = strcmp(k, target) == 0; /* written directly */
        else
                w = fnmatch(k, target, FNM_PATHNAME | FNM_PERIOD) == 0;
        free(k);
        return w;
}

/* The winner among TABLE's N entries for TARGET: 1 and *ret_line, *ret_value, or 0. */
static int winner_of(const Entry *t, size_t n, const char *prefix, const char *target,
                     const SysctldLine **ret_line, int *ret_value) {
        const SysctldLine *winner = NULL;
        int value = 0, v;

        for (size_t i = 0; i < n; i++)
                if (strcmp(t[i].key, target) == 0) {
                        /* An entry for TARGET itself: globs leave TARGET alone. That entry
                         * is a glob only when the name has glob characters ("x*y"): then it
                         * skips TARGET too, as its own "explicit setting". An exclusion
                         * ("-KEY") or a value the kernel refuses writes nothing either. */
                        if (t[i].line->glob || !t[i].line->value ||
                            sysctld_parse_value(t[i].line->value, &v) < 0)
                                return 0;
                        *ret_line = t[i].line;
                        *ret_value = v;
                        return 1;
                }
        /* The globs write in table order; the last write the kernel accepts stays. */
        for (size_t i = 0; i < n; i++) {
                const SysctldLine *l = t[i].line;

                if (!l->value || !glob_writes(l->key, prefix, target))
                        continue;
                if (sysctld_parse_value(l->value, &v) < 0)
                        continue;
                winner = l;
                value = v;
        }
        if (!winner)
                return 0;
        *ret_line = winner;
        *ret_value = value;
        return 1;
}

static int resolve(const Sysctld *s, const char *name, bool udev, const SysctldLine **ret_line,
                   int *ret_value) {
        const SysctldLine *line = NULL;
        char *target = NULL, *prefix = NULL;
        Entry *t = NULL;
        int value = 0, r = -ENOMEM;
        size_t n;

        if (asprintf(&target, KEY_PREFIX "%s/rp_filter", name) < 0) {
                target = NULL;
                goto finish;
        }
        if (udev) {
                /* --prefix=/net/ipv4/conf/NAME, normalized as systemd-sysctl does. */
                if (asprintf(&prefix, "/" KEY_PREFIX "%s", name) < 0) {
                        prefix = NULL;
                        goto finish;
                }
                sysctld_normalize(prefix);
        }
        t = build_table(s, prefix, target, &n);
        if (!t)
                goto finish;
        r = winner_of(t, n, prefix, target, &line, &value);
        if (r > 0) {
                if (ret_line)
                        *ret_line = line;
                if (ret_value)
                        *ret_value = value;
        }
finish:
        free(t);
        free(prefix);
        free(target);
        return r;
}

int sysctld_udev_rp_filter(const Sysctld *s, const char *ifname, const SysctldLine **ret_line, int *ret_value) {
        return resolve(s, ifname, true, ret_line, ret_value);
}

int sysctld_boot_rp_filter(const Sysctld *s, const char *name, const SysctldLine **ret_line, int *ret_value) {
        return resolve(s, name, false, ret_line, ret_value);
}
