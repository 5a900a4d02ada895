/* SPDX-License-Identifier: MIT */
/* sysctl: read and write net/ipv4/conf/NAME/rp_filter under a root directory the
 * caller passes (/proc/sys in production). Returns -errno; logs nothing. */
#pragma once

#include <stdbool.h>

#define SYSCTL_ROOT_DEFAULT "/proc/sys"

/* The pseudo-interfaces of conf/. */
#define SYSCTL_CONF_ALL     "all"
#define SYSCTL_CONF_DEFAULT "default"

/* Open ROOT/net/ipv4/conf as a directory fd (O_CLOEXEC). Every later access is an
 * openat() below it, so a name such as "vxlan.calico" is one path component and is
 * never turned into a dotted sysctl key. Returns the fd or -errno. */
int sysctl_conf_open(const char *root);

/* rp_filter of NAME ("all", "default" or an interface) into *RET_VALUE: any int, as
 * the kernel accepts any (-1, 3 and 100 are values another writer can leave there).
 * 0, or -errno: -EINVAL: NAME cannot be an interface name; -ENOENT: no such
 * interface, or one without IPv4 configuration; -EBADMSG: the file did not hold a
 * decimal int as the kernel prints it ("%d\n"). *RET_VALUE is untouched on error. */
int sysctl_rp_filter_read(int conf_fd, const char *name, int *ret_value);

/* Write VALUE (0..2) to NAME's rp_filter. 0 or -errno, as above. */
int sysctl_rp_filter_write(int conf_fd, const char *name, int value);

/* The same through one open file, for a read and the write that may follow it: one
 * path walk through /proc/sys instead of two (the walk is most of what a check costs
 * the kernel). sysctl_rp_filter_open(): the fd (O_RDONLY, or O_RDWR when WRITABLE,
 * O_CLOEXEC) or -errno as above; the caller closes it. The reads and writes are at
 * offset 0, so they can follow each other on the same fd. */
int sysctl_rp_filter_open(int conf_fd, const char *name, bool writable);
int sysctl_rp_filter_read_fd(int fd, int *ret_value);
int sysctl_rp_filter_write_fd(int fd, int value);
