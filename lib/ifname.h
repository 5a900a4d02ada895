/* SPDX-License-Identifier: MIT */
/* ifname: what the kernel accepts as an interface name (dev_valid_name()).
 * Pure; shared by the sysctl accessor and the configuration checks. */
#pragma once

#include <stdbool.h>

/* IFNAMSIZ - 1: the kernel's limit on an interface name, in bytes. */
#define IFNAME_MAX_LEN 15

/* True when NAME can be a Linux interface name: 1..15 bytes, not "." or "..",
 * no '/', ':' or white space. Dots, '-', '@', '*', '[' and non-ASCII bytes are fine. */
bool ifname_valid(const char *name);
