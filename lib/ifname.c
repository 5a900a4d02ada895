/* SPDX-License-Identifier: MIT */
/* ifname: mirrors the kernel's dev_valid_name(), so that a name from netlink or the command
 * line is a safe path component under /proc/sys, and tells whether a name is well-formed UTF-8. */
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

size_t ifname_utf8_len(const char *s) {
        const unsigned char *u = (const unsigned char *) s;
        unsigned char lo = 0x80, hi = 0xBF; /* the range of the second byte */
        size_t n;

        if (u[0] < 0x80)
                return u[0] ? 1 : 0;
        if (u[0] < 0xC2) /* a continuation byte; 0xC0 and 0xC1 only begin overlong forms */
                return 0;
        if (u[0] < 0xE0)
                n = 2;
        else if (u[0] < 0xF0) {
                n = 3;
                if (u[0] == 0xE0)
                        lo = 0xA0; /* below: overlong */
                else if (u[0] == 0xED)
                        hi = 0x9F; /* above: the surrogates U+D800..U+DFFF */
        } else if (u[0] < 0xF5) {
                n = 4;
                if (u[0] == 0xF0)
                        lo = 0x90; /* below: overlong */
                else if (u[0] == 0xF4)
                        hi = 0x8F; /* above: beyond U+10FFFF */
        } else
                return 0;

        /* Byte by byte, so a NUL (no continuation byte) ends the check before the next. */
        if (u[1] < lo || u[1] > hi)
                return 0;
        for (size_t i = 2; i < n; i++)
                if (u[i] < 0x80 || u[i] > 0xBF)
                        return 0;
        return n;
}

bool ifname_utf8_valid(const char *name) {
        size_t n;

        if (!name)
                return false;
        for (; *name; name += n) {
                n = ifname_utf8_len(name);
                if (n == 0)
                        return false;
        }
        return true;
}
