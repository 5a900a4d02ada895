/* SPDX-License-Identifier: MIT */
/* ifname: what the kernel accepts as an interface name (dev_valid_name()), and whether a
 * name is well-formed UTF-8. Pure; shared by the sysctl accessor, the config checks and --status. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* IFNAMSIZ - 1: the kernel's limit on an interface name, in bytes. */
#define IFNAME_MAX_LEN 15

/* True when NAME can be a Linux interface name: 1..15 bytes, not "." or "..",
 * no '/', ':' or white space. Dots, '-', '@', '*', '[' and non-ASCII bytes are fine. */
bool ifname_valid(const char *name);

/* The length in bytes (1 to 4) of the well-formed UTF-8 sequence that S starts with
 * (RFC 3629: no overlong form, no surrogate, nothing above U+10FFFF), or 0 when S
 * starts with NUL or with bytes that begin no such sequence (a stray continuation
 * byte, 0xC0, 0xC1, 0xF5..0xFF, a truncated sequence). Never reads past a NUL.
 * Interface names are bytes, not text: this tells a consumer whether one can be
 * shown as text without loss. */
size_t ifname_utf8_len(const char *s);

/* True when NAME is entirely well-formed UTF-8 (ASCII included); false for NULL. */
bool ifname_utf8_valid(const char *name);
