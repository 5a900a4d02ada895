/* SPDX-License-Identifier: MIT */
/* explain: rpfguard's rules beside what systemd-sysctl (at boot, and udev's run for each
 * new interface) applies: --explain, --export-sysctl-d and the start-up warnings. */
#pragma once

#include <stdio.h>

#include "config.h"

#define EXPLAIN_ROOT_DEFAULT "/"

/* For each of NAMES (interfaces that exist or not), print to OUT: rpfguard's rule
 * (FILE:LINE), the wanted, current and effective value, and the sysctl.d line whose
 * value udev's `systemd-sysctl --prefix=/net/ipv4/conf/NAME` leaves on a new interface
 * of that name, and whether the two fight; conf/all and conf/default first, with what
 * systemd-sysctl applies to them at boot. ROOT: where the sysctl.d directories are ("/");
 * SYSCTL_ROOT: /proc/sys (NULL: the default). 0 or -errno (the names are checked by the
 * caller: ifname_valid()). */
int explain_report(const Config *c, const char *root, const char *sysctl_root, char *const *names, size_t n_names,
                   FILE *out);

/* Write the sysctl.d equivalent of C to PATH: atomically (a hidden temporary file in the
 * same directory, then rename()), and only when the content differs from what PATH holds
 * (an equal file is not touched). The parent directory is created when missing. What
 * cannot be expressed in sysctl.d is said in the file and logged as a warning.
 * 1: written, 0: unchanged, -errno. */
int explain_export_sysctl_d(const Config *c, const char *path);

/* The text explain_export_sysctl_d() writes, for tests and for the check above. */
int explain_export_text(const Config *c, char **ret);

/* One warning (log_warning()) per sysctl.d line under ROOT whose value udev applies to a
 * new interface that a rule of C wants otherwise (and per line systemd-sysctl applies to
 * conf/all or conf/default at boot against [global]). The interfaces are probed by name:
 * each literal rule and sysctl.d name, and an example name of each glob. Returns the
 * number of warnings, or -errno when the configuration cannot be read (logged at debug). */
int explain_warn_conflicts(const Config *c, const char *root);
