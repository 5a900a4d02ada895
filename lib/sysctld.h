/* SPDX-License-Identifier: MIT */
/* sysctld: systemd-sysctl's configuration (as systemd 252 reads it) under a root directory,
 * and which line's value it leaves in an rp_filter file. Pure: reads files, logs nothing. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The directories systemd-sysctl 252 reads, the most important first (a file name found
 * in an earlier one hides the same name in the later ones). /lib/sysctl.d is the same
 * directory as /usr/lib/sysctl.d on a merged-/usr system; it is then read once.
 * /etc/sysctl.conf is not among them: systemd-sysctl reads it only through Debian's
 * /etc/sysctl.d/99-sysctl.conf symlink, in that file's place in the order. */
#define SYSCTLD_DIRS { "/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", \
                       "/usr/lib/sysctl.d", "/lib/sysctl.d" }

/* One assignment ("KEY = VALUE", "-KEY = VALUE") or exclusion ("-KEY") of a file. */
typedef struct SysctldLine {
        const char *file;      /* as systemd-sysctl names it: its directory resolved, ROOT not included */
        unsigned line;         /* 1-based, as systemd-sysctl counts */
        char *key_written;     /* the key as written: whitespace and a '-' prefix removed */
        char *key;             /* sysctld_normalize()d: "net/ipv4/conf/vxlan.calico/rp_filter" */
        char *value;           /* whitespace removed; NULL for "-KEY": keeps globs off KEY */
        bool ignore_failure;   /* "-KEY = VALUE" */
        bool glob;             /* KEY has '*', '?' or '[' */
} SysctldLine;

typedef struct Sysctld {
        char **files;          /* in the order systemd-sysctl reads them, ROOT not included */
        size_t n_files;
        SysctldLine *lines;    /* every assignment and exclusion, in reading order */
        size_t n_lines;
} Sysctld;

/* Read the configuration under ROOT ("/" for the running system) as systemd-sysctl 252
 * finds it: *.conf in SYSCTLD_DIRS (directories resolved inside ROOT, duplicates read
 * once), one file per name (the earliest directory's; an empty file or a symlink to
 * /dev/null therefore masks), all of them in lexical order of their names. Unreadable
 * files contribute nothing, as in systemd-sysctl. Returns 0 or -errno (-ENOMEM, or ROOT
 * cannot be opened). */
int sysctld_load(const char *root, Sysctld **ret);
Sysctld *sysctld_free(Sysctld *s);

/* Which line's value `systemd-sysctl --prefix=/net/ipv4/conf/IFNAME` (udev's
 * 99-systemd.rules run for a new interface) leaves in net/ipv4/conf/IFNAME/rp_filter:
 * 1 and the line and the value (each may be NULL), 0 when nothing writes a value the
 * kernel accepts there (the interface keeps what conf/default gave it), -ENOMEM. */
int sysctld_udev_rp_filter(const Sysctld *s, const char *ifname, const SysctldLine **ret_line, int *ret_value);

/* The same for the run without --prefix (systemd-sysctl.service at boot) and NAME: "all",
 * "default" or an interface that exists then. */
int sysctld_boot_rp_filter(const Sysctld *s, const char *name, const SysctldLine **ret_line, int *ret_value);

/* systemd's sysctl_normalize(), in place: when the first separator is a '.', dots and
 * slashes swap ("net.ipv4.conf.vxlan/calico.rp_filter" ->
 * "net/ipv4/conf/vxlan.calico/rp_filter"); then "//" and "." components and a leading
 * '/' go. Returns KEY. */
char *sysctld_normalize(char *key);

/* Whether the kernel's proc_dointvec() accepts VALUE as systemd-sysctl writes it (VALUE
 * and a newline): an optional '-', a C integer (decimal, 0x hex, 0 octal) within int,
 * then white space or the end. 0 and *ret, or -EINVAL. */
int sysctld_parse_value(const char *value, int *ret);
