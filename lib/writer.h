/* SPDX-License-Identifier: MIT */
/* writer: what the writer attribution reads out of a reported sysctl write — the
 * interface of a sysctl path, the value written, the systemd unit of a cgroup path.
 * Pure: no I/O, no BPF, no logging. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "ifname.h"

/* "net/ipv4/conf/IFNAME/rp_filter" (LEN bytes, as bpf_sysctl_get_name() gives it:
 * components joined by '/', a dotted name kept whole) -> IFNAME, true; false for any
 * other sysctl. */
bool writer_ifname_from_sysctl(const char *name, size_t len, char ret_ifname[static IFNAME_MAX_LEN + 1]);

/* What the kernel's proc_dointvec() makes of the LEN bytes written: white space, an
 * optional sign, digits, anything after them ignored. INT_MIN when it is not a
 * number (or out of range). */
int writer_value_from_write(const char *s, size_t len);

/* The systemd unit of a cgroup path: its last component that ends in ".service" or
 * ".scope" (a unit's own sub-cgroups are below it), or NULL. Points into PATH, with
 * *RET_LEN bytes. */
const char *writer_unit_from_cgroup(const char *path, size_t *ret_len);
