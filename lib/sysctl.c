/* SPDX-License-Identifier: MIT */
/* sysctl: the only code that opens rp_filter files. One openat() per access under a
 * directory fd: no path strings built from untrusted names beyond one component. */
#define _GNU_SOURCE
#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ifname.h"
#include "util.h"

int sysctl_conf_open(const char *root) {
        _cleanup_(closep) int root_fd = -1;
        int fd;

        root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return -errno;
        fd = openat(root_fd, "net/ipv4/conf", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return fd;
}

static int open_rp_filter(int conf_fd, const char *name, int flags) {
        char path[IFNAME_MAX_LEN + sizeof("/rp_filter")];
        int fd;

        if (!ifname_valid(name))
                return -EINVAL;
        (void) snprintf(path, sizeof(path), "%s/rp_filter", name);
        fd = openat(conf_fd, path, flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return fd;
}

int sysctl_rp_filter_open(int conf_fd, const char *name, bool writable) {
        return open_rp_filter(conf_fd, name, writable ? O_RDWR : O_RDONLY);
}

int sysctl_rp_filter_read_fd(int fd, int *ret_value) {
        char buf[32];
        ssize_t n;
        long long v = 0;
        bool negative;

        n = pread(fd, buf, sizeof(buf) - 1, 0);
        if (n < 0)
                return -errno;
        buf[n] = '\0';

        /* The kernel prints "%d\n" (proc_dointvec); anything else is not a value we
         * understand. Negative values are real: the kernel accepts any int. */
        n = 0;
        negative = buf[0] == '-';
        if (negative)
                n++;
        if (buf[n] < '0' || buf[n] > '9')
                return -EBADMSG;
        while (buf[n] >= '0' && buf[n] <= '9') {
                v = v * 10 + (buf[n++] - '0');
                if (v > (long long) INT_MAX + 1)
                        return -EBADMSG;
        }
        if (buf[n] != '\n' && buf[n] != '\0')
                return -EBADMSG;
        if (negative)
                v = -v;
        if (v > INT_MAX || v < INT_MIN)
                return -EBADMSG;
        *ret_value = (int) v;
        return 0;
}

int sysctl_rp_filter_write_fd(int fd, int value) {
        char buf[2];
        ssize_t n;

        if (value < 0 || value > 2)
                return -EINVAL;
        buf[0] = (char) ('0' + value); /* only now: '0' + INT_MAX would overflow */
        buf[1] = '\n';
        /* At offset 0: the kernel ignores a sysctl write anywhere else (sysctl_writes_strict). */
        n = pwrite(fd, buf, sizeof(buf), 0);
        if (n < 0)
                return -errno;
        if ((size_t) n != sizeof(buf))
                return -EIO;
        return 0;
}

int sysctl_rp_filter_read(int conf_fd, const char *name, int *ret_value) {
        _cleanup_(closep) int fd = -1;

        fd = open_rp_filter(conf_fd, name, O_RDONLY);
        if (fd < 0)
                return fd;
        return sysctl_rp_filter_read_fd(fd, ret_value);
}

int sysctl_rp_filter_write(int conf_fd, const char *name, int value) {
        _cleanup_(closep) int fd = -1;

        if (value < 0 || value > 2)
                return -EINVAL;
        fd = open_rp_filter(conf_fd, name, O_WRONLY);
        if (fd < 0)
                return fd;
        return sysctl_rp_filter_write_fd(fd, value);
}
