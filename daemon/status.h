/* SPDX-License-Identifier: MIT */
/* status: --status — every interface with its rule, wanted, current and effective
 * value and its state, as a table or one JSON document. Reads only, never writes. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "config.h"

/* Print the report for the current network namespace to OUT, reading rp_filter under
 * SYSCTL_ROOT (NULL: /proc/sys). Returns the number of entries in drift (>= 0), or
 * -errno when the kernel could not be asked. */
int status_report(const Config *c, const char *sysctl_root, bool json, FILE *out);
