/* SPDX-License-Identifier: MIT */
/* util: the few generic helpers every file uses (cleanup attributes, time units).
 * Nothing here knows about rp_filter, netlink or logging. */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Hand a pointer (or fd) out of a _cleanup_ variable: the variable is reset so the
 * cleanup at scope exit does nothing. */
#define TAKE_PTR(p)                                \
        ({                                         \
                __typeof__(p) _taken_ = (p);       \
                (p) = NULL;                        \
                _taken_;                           \
        })
#define TAKE_FD(fd)                                \
        ({                                         \
                int _taken_ = (fd);                \
                (fd) = -1;                         \
                _taken_;                           \
        })

static inline void freep(void *p) {
        free(*(void **) p);
}

/* free() P and return NULL, for "p = mfree(p)". */
static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

static inline void closep(const int *fd) {
        if (*fd >= 0)
                (void) close(*fd);
}

static inline void fclosep(FILE **f) {
        if (*f)
                (void) fclose(*f);
}

typedef uint64_t usec_t;
#define USEC_PER_SEC  UINT64_C(1000000)
#define USEC_PER_MSEC UINT64_C(1000)
