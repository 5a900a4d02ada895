/* SPDX-License-Identifier: MIT */
/* fileio: the one way rpfguard replaces a file that others read (metrics, state,
 * the sysctl.d export): written whole beside it, then renamed over it. Returns
 * -errno; logs nothing. */
#pragma once

#include <stddef.h>

typedef enum WriteFileFlags {
        WRITE_FILE_SYNC = 1 << 0,   /* fsync() before the rename: the file must survive a crash */
} WriteFileFlags;

/* Write all SIZE bytes of BUF to FD, across short writes and EINTR. 0 or -errno. */
int write_all(int fd, const void *buf, size_t size);

/* Replace PATH by BUF atomically: a temporary file ".NAME.XXXXXX" in the same
 * directory — hidden, and not ending in the name's suffix, so that readers which pick
 * files by suffix (node_exporter's *.prom, systemd-sysctl's *.conf) never see a
 * half-written one — mode 0644 whatever the umask, then rename(). A reader has the
 * old file or the new one, never a part. 0, or -errno with PATH untouched and the
 * temporary file removed. */
int write_file_atomic(const char *path, const void *buf, size_t size, WriteFileFlags flags);
