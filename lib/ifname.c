/* SPDX-License-Identifier: MIT */
/* ifname: mirrors the kernel's dev_valid_name() so that a name taken from netlink
 * or the command line can be used as a path component under /proc/sys safely. */
#include "ifname.h"

#include <ctype.h>
#include <string.h>

bool ifname_valid(const char *name) {
        size_t n;

        if (!name)
                return false;
        n = strnlen(name, IFNAME_MAX_LEN + 1);
        if (n == 0 || n > IFNAME_MAX_LEN)
                return false;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return false;
        for (const char *c = name; *c; c++)
                /* The kernel rejects '/', ':' and its own isspace(): the C locale's,
                 * plus 0xA0, which its Latin-1 ctype table (lib/ctype.c) counts as a
                 * space too (so UTF-8 "\xc3\xa0", a-grave, is not a valid name). */
                if (*c == '/' || *c == ':' || isspace((unsigned char) *c) || (unsigned char) *c == 0xA0)
                        return false;
        return true;
}
