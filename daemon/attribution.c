/* SPDX-License-Identifier: MIT */
/* attribution: loads bpf/rpfguard-writers (a libbpf skeleton), attaches it through a
 * bpf_link, reads its ring buffer and keeps the last writer per interface. Must not
 * decide, write or log events: the reconciler asks, log.c reports. */
#define _GNU_SOURCE
#include "attribution.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "writer.h"

#if RPFGUARD_BPF
#include <bpf/libbpf.h>

#include "rpfguard-writers.h"
#include "rpfguard-writers.skel.h"
#endif

static bool is_cgroup2(const char *path) {
        struct statfs sf;

        return statfs(path, &sf) >= 0 && (unsigned long) sf.f_type == (unsigned long) CGROUP2_SUPER_MAGIC;
}

const char *attribution_default_cgroup(void) {
        if (is_cgroup2("/sys/fs/cgroup"))
                return "/sys/fs/cgroup";
        if (is_cgroup2("/sys/fs/cgroup/unified"))
                return "/sys/fs/cgroup/unified";
        return NULL;
}

#if RPFGUARD_BPF

/* Writers remembered at once, one per interface: a burst that writes more (a
 * systemd-sysctl run over every interface) loses the oldest names, nothing else. */
#define WRITERS_MAX 64
/* Directories looked at when a writer's cgroup has to be found by its id. */
#define CGROUP_WALK_MAX 20000
#define CGROUP_PATH_MAX 256

typedef struct WriterEntry {
        char ifname[IFNAMSIZ];
        int value;                  /* what it wrote; INT_MIN: not a number */
        usec_t time;                /* CLOCK_MONOTONIC */
        bool used;                  /* explained a change already */
        int pid;
        char comm[16];
        uint64_t cgroup_id;
        char cgroup[CGROUP_PATH_MAX]; /* "": unknown */
        char unit[CGROUP_PATH_MAX];   /* "": not in a unit */
} WriterEntry;

struct Attribution {
        struct rpfguard_writers *skel;
        struct bpf_link *link;
        struct ring_buffer *ring;
        int root_fd;                /* the cgroup2 hierarchy's root */
        WriterEntry writers[WRITERS_MAX];
        /* The last cgroup resolved: a burst of writes comes from one process. */
        int last_pid;
        uint64_t last_cgroup_id;
        char last_cgroup[CGROUP_PATH_MAX], last_unit[CGROUP_PATH_MAX];
};

/* Depth-first search below DIR_FD (at PATH) for the cgroup whose id is ID. The
 * depth is bounded by PATH's size, the breadth by *BUDGET. */
static bool cgroup_walk(int dir_fd, char *path, size_t size, uint64_t id, unsigned *budget) { /* NOLINT(misc-no-recursion) */
        size_t len = strlen(path);
        struct dirent *de;
        DIR *d;
        bool found = false;

        d = fdopendir(dir_fd);
        if (!d) {
                (void) close(dir_fd);
                return false;
        }
        while (!found && (de = readdir(d))) {
                int fd;

                if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (*budget == 0)
                        break;
                (*budget)--;
                if ((size_t) snprintf(path + len, size - len, "/%s", de->d_name) >= size - len)
                        continue;
                /* The directory's inode number is the cgroup's id (kernfs). */
                if ((uint64_t) de->d_ino == id) {
                        found = true;
                        break;
                }
                fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (fd >= 0)
                        found = cgroup_walk(fd, path, size, id, budget); /* NOLINT(misc-no-recursion) */
        }
        if (!found)
                path[len] = 0;
        (void) closedir(d);
        return found;
}

/* Is PATH (relative to the root) the cgroup ID? */
static bool cgroup_is(const Attribution *a, const char *path, uint64_t id) {
        struct stat st;

        if (path[0] == '/' && path[1] == 0)
                return fstat(a->root_fd, &st) >= 0 && (uint64_t) st.st_ino == id;
        return fstatat(a->root_fd, path + 1, &st, 0) >= 0 && (uint64_t) st.st_ino == id;
}

/* The writer's cgroup path and unit: from /proc/PID/cgroup while the process lives
 * (checked against the id: a PID can be reused), else by the id, in the tree. On a
 * hybrid host whose processes sit in the unified root, the unit comes from the
 * name=systemd hierarchy. */
/* SRC into DST (SIZE bytes), cut short if need be: a cgroup path longer than what is
 * kept is still named by its beginning. */
static void copy_truncated(char *dst, size_t size, const char *src) {
        size_t n = strnlen(src, size - 1);

        memcpy(dst, src, n);
        dst[n] = '\0';
}

static void entry_resolve(Attribution *a, WriterEntry *w) {
        char proc[64], line[CGROUP_PATH_MAX + 32], v1[CGROUP_PATH_MAX] = "";
        const char *unit;
        size_t unit_len;
        FILE *f;

        if (w->pid == a->last_pid && w->cgroup_id == a->last_cgroup_id) {
                memcpy(w->cgroup, a->last_cgroup, sizeof(w->cgroup));
                memcpy(w->unit, a->last_unit, sizeof(w->unit));
                return;
        }
        w->cgroup[0] = w->unit[0] = 0;
        (void) snprintf(proc, sizeof(proc), "/proc/%d/cgroup", w->pid);
        f = w->pid > 0 ? fopen(proc, "re") : NULL;
        while (f && fgets(line, sizeof(line), f)) {
                char *p = strchr(line, ':');

                line[strcspn(line, "\n")] = 0;
                if (!p)
                        continue;
                if (strncmp(line, "0::", 3) == 0 && cgroup_is(a, line + 3, w->cgroup_id))
                        copy_truncated(w->cgroup, sizeof(w->cgroup), line + 3);
                else if ((p = strstr(line, ":name=systemd:")))
                        copy_truncated(v1, sizeof(v1), p + strlen(":name=systemd:"));
        }
        if (f)
                (void) fclose(f);
        if (!w->cgroup[0]) {
                unsigned budget = CGROUP_WALK_MAX;
                int fd;

                if (cgroup_is(a, "/", w->cgroup_id))
                        (void) snprintf(w->cgroup, sizeof(w->cgroup), "/");
                else if ((fd = openat(a->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0 &&
                         !cgroup_walk(fd, w->cgroup, sizeof(w->cgroup), w->cgroup_id, &budget))
                        w->cgroup[0] = 0;
        }
        unit = writer_unit_from_cgroup(w->cgroup, &unit_len);
        if (!unit)
                unit = writer_unit_from_cgroup(v1, &unit_len);
        if (unit)
                (void) snprintf(w->unit, sizeof(w->unit), "%.*s", (int) unit_len, unit);

        a->last_pid = w->pid;
        a->last_cgroup_id = w->cgroup_id;
        memcpy(a->last_cgroup, w->cgroup, sizeof(a->last_cgroup));
        memcpy(a->last_unit, w->unit, sizeof(a->last_unit));
}

/* The entry for IFNAME, or else the oldest one. */
static WriterEntry *entry_slot(Attribution *a, const char *ifname) {
        WriterEntry *oldest = &a->writers[0];

        for (size_t k = 0; k < WRITERS_MAX; k++) {
                WriterEntry *w = &a->writers[k];

                if (strcmp(w->ifname, ifname) == 0)
                        return w;
                if (w->time < oldest->time)
                        oldest = w;
        }
        return oldest;
}

static int attribution_on_event(void *ctx, void *data, size_t size) {
        const struct writer_event *e = data;
        Attribution *a = ctx;
        char ifname[IFNAME_MAX_LEN + 1];
        WriterEntry *w;

        if (size < sizeof(*e) || e->name_len <= 0 || e->name_len > WRITER_NAME_LEN)
                return 0;
        /* bpf_sysctl_get_name() counts without the terminating NUL. */
        if (!writer_ifname_from_sysctl(e->name, strnlen(e->name, (size_t) e->name_len), ifname))
                return 0;
        w = entry_slot(a, ifname);
        *w = (WriterEntry) {
                .value = e->value_len > 0 ? writer_value_from_write(e->value, (size_t) e->value_len) : INT_MIN,
                .time = e->time_ns / 1000,
                .pid = (int) e->tgid,
                .cgroup_id = e->cgroup_id,
        };
        memcpy(w->ifname, ifname, sizeof(ifname));
        (void) snprintf(w->comm, sizeof(w->comm), "%.*s", (int) sizeof(e->comm), e->comm);
        entry_resolve(a, w);
        log_debug("%s: rp_filter written by %s[%d] (%s%s)", w->ifname, w->comm, w->pid,
                  w->cgroup[0] ? "cgroup " : "cgroup gone", w->cgroup);
        return 1;
}

/* libbpf's own messages: debug lines, never on stderr by themselves. */
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap) {
        char line[512];
        size_t n;

        if (level == LIBBPF_DEBUG && log_get_max_level() < LOG_DEBUG)
                return 0;
        (void) vsnprintf(line, sizeof(line), fmt, ap);
        n = strlen(line);
        while (n > 0 && line[n - 1] == '\n')
                line[--n] = 0;
        if (n > 0)
                log_debug("%s", line); /* it says "libbpf: " itself */
        return 0;
}

/* The effective capabilities, as two 32-bit words (no libcap for three bits). */
static bool has_capability(int cap) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

        if (syscall(SYS_capget, &h, d) < 0)
                return false;
        return d[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap);
}

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static const char *missing_capabilities(void) {
        bool bpf = has_capability(CAP_BPF), perfmon = has_capability(CAP_PERFMON);

        /* Kernels before 5.8 know neither: CAP_SYS_ADMIN stands for both there. */
        if ((bpf && perfmon) || has_capability(CAP_SYS_ADMIN))
                return NULL;
        return !bpf && !perfmon ? "CAP_BPF and CAP_PERFMON" : !bpf ? "CAP_BPF" : "CAP_PERFMON";
}

int attribution_new(const char *cgroup_dir, Attribution **ret, const char **ret_why) {
        static char why[256];
        _cleanup_(closep) int cgroup_fd = -1;
        char root[4096];
        const char *missing;
        Attribution *a;
        struct stat st;
        int k;

        if (!cgroup_dir)
                cgroup_dir = attribution_default_cgroup();
        if (!cgroup_dir) {
                *ret_why = "there is no cgroup2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified";
                return -ENOENT;
        }
        missing = missing_capabilities();
        if (missing) {
                (void) snprintf(why, sizeof(why),
                                "loading the cgroup/sysctl program needs CAP_BPF and CAP_PERFMON besides "
                                "CAP_NET_ADMIN, and %s %s missing (see rpfguard-attribution.conf)",
                                missing, strchr(missing, ' ') ? "are" : "is");
                *ret_why = why;
                return -EPERM;
        }
        if (!is_cgroup2(cgroup_dir)) {
                (void) snprintf(why, sizeof(why), "%s is not a cgroup2 directory", cgroup_dir);
                *ret_why = why;
                return -ENOTDIR;
        }
        if (stat("/sys/kernel/btf/vmlinux", &st) < 0) {
                *ret_why = "the kernel has no BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF)";
                return -EOPNOTSUPP;
        }
        cgroup_fd = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgroup_fd < 0) {
                (void) snprintf(why, sizeof(why), "cannot open %s", cgroup_dir);
                *ret_why = why;
                return -errno;
        }

        /* The hierarchy's root, for turning cgroup ids into paths: the highest
         * directory above CGROUP_DIR that is still cgroup2. */
        if (!realpath(cgroup_dir, root)) {
                *ret_why = "cannot resolve the cgroup directory";
                return -errno;
        }
        for (;;) {
                char *slash = strrchr(root, '/');
                char saved;

                if (!slash || slash == root)
                        break;
                saved = *slash;
                *slash = 0;
                if (!is_cgroup2(root)) {
                        *slash = saved;
                        break;
                }
        }

        a = calloc(1, sizeof(Attribution));
        if (!a) {
                *ret_why = "out of memory";
                return -ENOMEM;
        }
        a->last_pid = -1;
        a->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (a->root_fd < 0) {
                k = -errno;
                *ret_why = "cannot open the cgroup2 root";
                attribution_free(a);
                return k;
        }

        (void) libbpf_set_print(libbpf_log);
        a->skel = rpfguard_writers__open();
        if (!a->skel) {
                k = -errno;
                *ret_why = "cannot open the embedded cgroup/sysctl program";
                attribution_free(a);
                return k;
        }
        a->skel->rodata->ignore_tgid = (uint32_t) getpid();
        if (stat("/proc/self/ns/net", &st) < 0) {
                k = -errno;
                *ret_why = "cannot identify this network namespace (/proc/self/ns/net)";
                attribution_free(a);
                return k;
        }
        a->skel->rodata->netns_inum = (uint32_t) st.st_ino;
        if (stat("/proc/self/ns/pid", &st) < 0) {
                k = -errno;
                *ret_why = "cannot identify this PID namespace (/proc/self/ns/pid)";
                attribution_free(a);
                return k;
        }
        a->skel->rodata->pidns_inum = (uint32_t) st.st_ino;

        /* libbpf ≥ 1.0 raises RLIMIT_MEMLOCK only on kernels that still charge BPF
         * memory to it (before 5.11); later ones charge the memory cgroup. */
        k = rpfguard_writers__load(a->skel);
        if (k < 0) {
                *ret_why = k == -EPERM || k == -EACCES
                                   ? "the kernel refused to load the cgroup/sysctl program (CAP_NET_ADMIN, CAP_BPF "
                                     "and CAP_PERFMON are needed)"
                                   : "the kernel refused to load the cgroup/sysctl program (CONFIG_CGROUP_BPF?)";
                attribution_free(a);
                return k;
        }
        /* A bpf_link: several programs may sit on one cgroup (systemd-networkd's, for
         * one), and the link goes away with this process, even if it is killed. */
        a->link = bpf_program__attach_cgroup(a->skel->progs.rpfguard_writers, cgroup_fd);
        if (!a->link) {
                k = -errno;
                (void) snprintf(why, sizeof(why), "cannot attach the cgroup/sysctl program to %s", cgroup_dir);
                *ret_why = why;
                attribution_free(a);
                return k;
        }
        a->ring = ring_buffer__new(bpf_map__fd(a->skel->maps.writes), attribution_on_event, a, NULL);
        if (!a->ring) {
                k = -errno;
                *ret_why = "cannot map the ring buffer";
                attribution_free(a);
                return k;
        }
        log_debug("Writer attribution: cgroup/sysctl program attached to %s (cgroup2 root %s)", cgroup_dir, root);
        *ret = a;
        return 0;
}

Attribution *attribution_free(Attribution *a) {
        if (!a)
                return NULL;
        ring_buffer__free(a->ring);
        bpf_link__destroy(a->link);
        rpfguard_writers__destroy(a->skel);
        if (a->root_fd >= 0)
                (void) close(a->root_fd);
        free(a);
        return NULL;
}

int attribution_fd(const Attribution *a) {
        return ring_buffer__epoll_fd(a->ring);
}

int attribution_process(Attribution *a) {
        return ring_buffer__consume(a->ring);
}

bool attribution_lookup(Attribution *a, const char *ifname, int value, usec_t now, LogWriter *ret) {
        WriterEntry *w = NULL;

        (void) attribution_process(a);
        for (size_t k = 0; k < WRITERS_MAX; k++)
                if (a->writers[k].time > 0 && strcmp(a->writers[k].ifname, ifname) == 0) {
                        w = &a->writers[k];
                        break;
                }
        if (!w || w->used || w->value != value || w->time > now + USEC_PER_SEC ||
            now - w->time > ATTRIBUTION_MAX_AGE_USEC)
                return false;
        w->used = true;
        *ret = (LogWriter) {
                .pid = w->pid,
                .comm = w->comm,
                .unit = w->unit[0] ? w->unit : NULL,
                .cgroup = w->cgroup[0] ? w->cgroup : NULL,
        };
        return true;
}

#else /* !RPFGUARD_BPF: never an Attribution */

int attribution_new(const char *cgroup_dir, Attribution **ret, const char **ret_why) {
        (void) cgroup_dir, (void) ret;
        *ret_why = "this rpfguard was built without BPF support (RPFGUARD_BPF=OFF)";
        return -EOPNOTSUPP;
}

Attribution *attribution_free(Attribution *a) {
        free(a);
        return NULL;
}

int attribution_fd(const Attribution *a) {
        (void) a;
        return -EBADF;
}

int attribution_process(Attribution *a) {
        (void) a;
        return 0;
}

bool attribution_lookup(Attribution *a, const char *ifname, int value, usec_t now, LogWriter *ret) {
        (void) a, (void) ifname, (void) value, (void) now, (void) ret;
        return false;
}

#endif
