/* SPDX-License-Identifier: MIT */
/* confdirs: where the configuration comes from (the main file and its drop-in
 * directories) and which drop-ins count, by systemd's rules. Never reads a file's
 * contents, never logs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The default layout, systemd's configuration-files convention (as sysctl.d and
 * journald.conf.d have it): the main file, then the drop-in directories, highest
 * precedence first. */
#define CONFDIRS_MAIN_FILE "/etc/rpfguard.conf"
#define CONFDIRS_DROPIN_DIRS { "/etc/rpfguard.conf.d", "/run/rpfguard.conf.d", "/usr/lib/rpfguard.conf.d" }

/* The files a configuration is read from: what the loader reads and what a watcher
 * watches. */
typedef struct ConfDirs {
        char *main;       /* read first; it must exist */
        char **dirs;      /* drop-in directories, highest precedence first; NULL-terminated */
        size_t n_dirs;
} ConfDirs;

/* The default layout under ROOT (NULL or "/": the real one; otherwise a directory
 * that stands for "/", as systemd's --root=, for tests). Symlinks inside ROOT are
 * resolved by the kernel as usual, not within ROOT. */
int confdirs_default(const char *root, ConfDirs *ret);

/* -c FILE: FILE, then the drop-ins of FILE.d beside it, and nothing else. */
int confdirs_for_file(const char *path, ConfDirs *ret);

void confdirs_done(ConfDirs *d);

typedef enum ConfDropinKind {
        CONF_DROPIN_FILE,         /* read it: a regular file (or a symlink to one) */
        CONF_DROPIN_MASKED_NULL,  /* a symlink to /dev/null (any device): a mask */
        CONF_DROPIN_MASKED_EMPTY, /* an empty file: a mask (it says nothing) */
        CONF_DROPIN_DANGLING,     /* a symlink to nothing: systemd reads it as empty */
        CONF_DROPIN_NOT_A_FILE,   /* a directory, a FIFO, a socket: cannot be read */
        _CONF_DROPIN_KIND_MAX,
} ConfDropinKind;

typedef struct ConfDropin {
        char *path;               /* DIR/NAME */
        const char *name;         /* NAME, inside path */
        ConfDropinKind kind;
} ConfDropin;

typedef struct ConfDropinList {
        ConfDropin *items;        /* sorted by name (strcmp), each name once */
        size_t n_items;
} ConfDropinList;

/* The drop-ins of D, as systemd's conf_files_list_strv(".conf", dirs) finds them
 * (v252, src/basic/conf-files.c): every "*.conf" entry of each directory, hidden ones
 * (a leading '.') skipped; a name found in an earlier directory wins, whatever the
 * later one is; the survivors sorted by name, across directories. Masks and other
 * entries that are not read stay in the list (with their kind), since they still take
 * their name away from the later directories.
 * A directory that does not exist contributes nothing. One that cannot be read for
 * another reason fails the whole listing: -errno, and *ret_failed (when not NULL) is
 * its path, to be freed (systemd would skip it silently; rpfguard will not lose a
 * directory's rules without a word). */
int confdirs_list(const ConfDirs *d, ConfDropinList *ret, char **ret_failed);

void confdirs_list_done(ConfDropinList *l);

/* True for the kinds that contribute nothing but still hide their name. */
static inline bool conf_dropin_is_mask(ConfDropinKind k) {
        return k == CONF_DROPIN_MASKED_NULL || k == CONF_DROPIN_MASKED_EMPTY || k == CONF_DROPIN_DANGLING;
}

/* NULL for CONF_DROPIN_FILE, otherwise why the entry is not read ("masked: a symlink
 * to /dev/null", …), for -t. */
const char *conf_dropin_kind_to_string(ConfDropinKind k);
