/* SPDX-License-Identifier: MIT */
/* writer: parses the parts of a reported write (sysctl path, value, cgroup path).
 * Must stay pure: no I/O, no logging. */
#include "writer.h"

#include <limits.h>
#include <string.h>

static bool ends_with(const char *s, size_t len, const char *suffix) {
        size_t n = strlen(suffix);

        return len > n && memcmp(s + len - n, suffix, n) == 0;
}

bool writer_ifname_from_sysctl(const char *name, size_t len, char ret_ifname[static IFNAME_MAX_LEN + 1]) {
        static const char prefix[] = "net/ipv4/conf/", suffix[] = "/rp_filter";
        const size_t np = sizeof(prefix) - 1, ns = sizeof(suffix) - 1;
        size_t n;

        if (len < np + ns + 1 || memcmp(name, prefix, np) != 0 || !ends_with(name, len, suffix))
                return false;
        n = len - np - ns;
        if (n > IFNAME_MAX_LEN || memchr(name + np, '/', n) || memchr(name + np, '\0', n))
                return false;
        memcpy(ret_ifname, name + np, n);
        ret_ifname[n] = '\0';
        return true;
}

int writer_value_from_write(const char *s, size_t len) {
        size_t k = 0;
        bool neg = false, digits = false;
        long long v = 0;

        while (k < len && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n'))
                k++;
        if (k < len && (s[k] == '-' || s[k] == '+'))
                neg = s[k++] == '-';
        for (; k < len && s[k] >= '0' && s[k] <= '9'; k++) {
                digits = true;
                v = v * 10 + (s[k] - '0');
                if (v > INT_MAX)
                        return INT_MIN;
        }
        return digits ? (int) (neg ? -v : v) : INT_MIN;
}

const char *writer_unit_from_cgroup(const char *path, size_t *ret_len) {
        const char *end = path + strlen(path);

        while (end > path) {
                const char *start = end;
                size_t len;

                while (start > path && start[-1] != '/')
                        start--;
                len = (size_t) (end - start);
                if (ends_with(start, len, ".service") || ends_with(start, len, ".scope")) {
                        *ret_len = len;
                        return start;
                }
                end = start > path ? start - 1 : path;
        }
        return NULL;
}
