/* SPDX-License-Identifier: MIT */
/* sim: deterministic simulation of the real reconciler against a model of the kernel.
 * Seeded random sequences of kernel events (creations, renames and swaps, deletions,
 * namespace moves, bridge ports, drift by other writers, all/default changes with the
 * kernel's silent copy, IPv4 configuration arriving late), reloads, resyncs, time,
 * dumps that interleave with newer notifications, and overflows that drop messages
 * exactly as the kernel does — and after every quiescent point, the invariants.
 *
 * What is real: reconciler.c, iface.c, netlink.c (dispatch, dump bookkeeping, retries,
 * the drain), lib/ (config, policy, sysctl on a conf/ tree on disk). What is modelled:
 * the kernel behind the sockets (NetlinkTransport) and behind conf/ (its files; the
 * daemon's writes are seen through --wrap=sysctl_rp_filter_write*).
 *
 *   rpfguard-sim [--seeds N] [--first S] [--seed S] [--regressions FILE] [-v]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_link.h>
#include <linux/netconf.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "netlink.h"
#include "policy.h"
#include "reconciler.h"
#include "sysctl.h"

#define MAX_IFACES 16
#define QUEUE_MAX 256
#define DGRAM_MAX 256
#define PORTID 4242
#define STEPS_MIN 40
#define STEPS_SPAN 160

/* ---- randomness: one xorshift64* stream per seed ---------------------------------- */

static uint64_t rng;

static uint64_t rnd(void) {
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        return rng * UINT64_C(2685821657736338717);
}

static unsigned below(unsigned n) {
        return n == 0 ? 0 : (unsigned) (rnd() % n);
}

static bool chance(unsigned percent) {
        return below(100) < percent;
}

/* ---- the model of the kernel ------------------------------------------------------ */

typedef struct KIface {
        bool exists;
        int ifindex;
        char name[IFNAMSIZ];
        bool ipv4;            /* has a conf/ directory */
        int value;
        bool written;         /* rp_filter's "explicitly written" bit */
        bool bridged;
        bool readonly;        /* writes fail with EROFS (a read-only bind mount over it) */
        ino_t ino;            /* of its rp_filter file: identifies the daemon's writes */
} KIface;

typedef struct Dgram {
        size_t len;
        _Alignas(struct nlmsghdr) uint8_t buf[DGRAM_MAX];
} Dgram;

typedef struct Queue {
        Dgram q[QUEUE_MAX];
        unsigned head, n, cap;
        bool congested;       /* NETLINK_S_CONGESTED: no second ENOBUFS until drained */
        bool error;           /* sk_err = ENOBUFS, reported once by the next recv */
        unsigned dropped;
} Queue;

/* Expectations about one ifindex, for the invariants. */
typedef struct Watch {
        usec_t backoff_until; /* a back-off the daemon announced, 0: none */
        unsigned epoch;       /* renames/deletions/reloads: a back-off may end with them */
        unsigned backoff_epoch;
} Watch;

typedef struct Model {
        char root[256];
        int conf_fd;
        KIface ifaces[MAX_IFACES];
        int next_ifindex;
        int moved_out[MAX_IFACES];  /* ifindexes moved to another namespace */
        unsigned n_moved_out;
        KIface all, def;
        bool registration_filtered; /* netlink.c's socket filter drops registration RTM_NEWLINKs */
        unsigned link_seq;          /* dev_base_seq: any change of the link set */

        Queue events;
        /* The dump: chunks are generated when the previous one is read, from the state
         * of that moment, and queued behind notifications already queued. */
        bool dump_active;
        uint32_t dump_seq;
        int dump_next_ifindex;
        unsigned dump_link_seq;
        bool dump_intr;
        Queue dump;

        usec_t now;
        unsigned perturb_budget;    /* kernel events that may happen while the daemon reads */
        unsigned perturb_percent;

        Config *config;             /* the one the reconciler runs (it owns it) */
        Reconciler *reconciler;
        Watch watch[1024];
        unsigned reload_epoch;
        struct {
                KIface *k;
                int value;
                bool valid;
        } last_write;

        uint64_t seed;
        unsigned step;
        bool failed;
        bool verbose;
        char trace[64][160];
        unsigned n_trace;
} Model;

static Model M;

static void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void trace(const char *fmt, ...) {
        va_list ap;
        char *line = M.trace[M.n_trace++ % ELEMENTSOF(M.trace)];

        va_start(ap, fmt);
        (void) vsnprintf(line, sizeof(M.trace[0]), fmt, ap);
        va_end(ap);
        if (M.verbose)
                fprintf(stderr, "  [%u] %s\n", M.step, line);
}

static void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void violation(const char *fmt, ...) {
        va_list ap;

        if (M.failed)
                return;
        M.failed = true;
        fprintf(stderr, "seed %llu step %u: VIOLATION: ", (unsigned long long) M.seed, M.step);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        if (!M.verbose) {
                fprintf(stderr, "last events:\n");
                for (unsigned k = M.n_trace > ELEMENTSOF(M.trace) ? M.n_trace - ELEMENTSOF(M.trace) : 0;
                     k < M.n_trace; k++)
                        fprintf(stderr, "  %s\n", M.trace[k % ELEMENTSOF(M.trace)]);
        }
}

static Watch *watch_of(int ifindex) {
        return &M.watch[(unsigned) ifindex % ELEMENTSOF(M.watch)];
}

static KIface *by_ifindex(int ifindex) {
        for (unsigned k = 0; k < MAX_IFACES; k++)
                if (M.ifaces[k].exists && M.ifaces[k].ifindex == ifindex)
                        return &M.ifaces[k];
        return NULL;
}

static KIface *by_name(const char *name) {
        for (unsigned k = 0; k < MAX_IFACES; k++)
                if (M.ifaces[k].exists && strcmp(M.ifaces[k].name, name) == 0)
                        return &M.ifaces[k];
        return NULL;
}

static KIface *random_iface(bool need_ipv4) {
        unsigned n = 0;
        KIface *pick = NULL;

        for (unsigned k = 0; k < MAX_IFACES; k++)
                if (M.ifaces[k].exists && (!need_ipv4 || M.ifaces[k].ipv4) && below(++n) == 0)
                        pick = &M.ifaces[k];
        return pick;
}

/* ---- the files of conf/ ----------------------------------------------------------- */

static void die(const char *what) {
        fprintf(stderr, "sim: %s: %m\n", what);
        exit(2);
}

static void file_write(const char *name, int value) {
        char path[IFNAMSIZ + 16], buf[16];
        int fd, n;

        (void) snprintf(path, sizeof(path), "%s/rp_filter", name);
        fd = openat(M.conf_fd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                die(path);
        n = snprintf(buf, sizeof(buf), "%d\n", value);
        if (write(fd, buf, (size_t) n) != n)
                die("write");
        (void) close(fd);
}

static ino_t file_ino(const char *name) {
        char path[IFNAMSIZ + 16];
        struct stat st;

        (void) snprintf(path, sizeof(path), "%s/rp_filter", name);
        if (fstatat(M.conf_fd, path, &st, 0) < 0)
                die(path);
        return st.st_ino;
}

static void dir_create(KIface *k) {
        if (mkdirat(M.conf_fd, k->name, 0755) < 0)
                die(k->name);
        file_write(k->name, k->value);
        k->ino = file_ino(k->name);
}

static void dir_remove(const char *name) {
        char path[IFNAMSIZ + 16];

        (void) snprintf(path, sizeof(path), "%s/rp_filter", name);
        if (unlinkat(M.conf_fd, path, 0) < 0 || unlinkat(M.conf_fd, name, AT_REMOVEDIR) < 0)
                die(name);
}

/* ---- notifications ---------------------------------------------------------------- */

static void queue_push(Queue *q, const void *msg, size_t len) {
        Dgram *d;

        if (q->n >= q->cap) {
                /* netlink_overrun(): dropped; the error is reported only when the socket
                 * was not congested already, and it stays congested until emptied. */
                q->dropped++;
                if (!q->congested) {
                        q->congested = true;
                        q->error = true;
                }
                trace("  (dropped: queue full)");
                return;
        }
        d = &q->q[(q->head + q->n++) % QUEUE_MAX];
        memcpy(d->buf, msg, len);
        d->len = len;
}

typedef struct Msg {
        _Alignas(struct nlmsghdr) uint8_t buf[DGRAM_MAX];
        struct nlmsghdr *h;
} Msg;

static void *msg_start(Msg *m, uint16_t type, uint16_t flags, size_t body) {
        memset(m->buf, 0, sizeof(m->buf));
        m->h = (struct nlmsghdr *) m->buf;
        m->h->nlmsg_type = type;
        m->h->nlmsg_flags = flags;
        m->h->nlmsg_len = NLMSG_LENGTH(body);
        return NLMSG_DATA(m->h);
}

static void msg_attr(Msg *m, uint16_t type, const void *data, size_t len) {
        struct rtattr *a = (struct rtattr *) (m->buf + NLMSG_ALIGN(m->h->nlmsg_len));

        a->rta_type = type;
        a->rta_len = (unsigned short) RTA_LENGTH(len);
        memcpy(RTA_DATA(a), data, len);
        m->h->nlmsg_len = NLMSG_ALIGN(m->h->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static void link_msg(Msg *m, uint16_t type, unsigned char family, const KIface *k, unsigned change) {
        struct ifinfomsg *ifi = msg_start(m, type, 0, sizeof(*ifi));

        ifi->ifi_family = family;
        ifi->ifi_index = k->ifindex;
        ifi->ifi_change = change;
        msg_attr(m, IFLA_IFNAME, k->name, strlen(k->name) + 1);
}

static void notify_link(uint16_t type, unsigned char family, const KIface *k, unsigned change) {
        Msg m;

        /* netlink.c's socket filter drops the registration RTM_NEWLINK in the kernel. */
        if (type == RTM_NEWLINK && change == ~0U && M.registration_filtered)
                return;
        link_msg(&m, type, family, k, change);
        queue_push(&M.events, m.buf, m.h->nlmsg_len);
}

static void notify_netconf(int ifindex, int value, bool full) {
        struct netconfmsg *ncm;
        uint32_t v;
        Msg m;

        ncm = msg_start(&m, RTM_NEWNETCONF, 0, sizeof(*ncm));
        ncm->ncm_family = AF_INET;
        v = (uint32_t) ifindex;
        msg_attr(&m, NETCONFA_IFINDEX, &v, sizeof(v));
        if (full) {
                v = 1;
                msg_attr(&m, NETCONFA_FORWARDING, &v, sizeof(v));
        }
        v = (uint32_t) value;
        msg_attr(&m, NETCONFA_RP_FILTER, &v, sizeof(v));
        queue_push(&M.events, m.buf, m.h->nlmsg_len);
}

static void notify_addr(const KIface *k) {
        struct ifaddrmsg *ifa;
        uint32_t addr = 0x0a000001;
        Msg m;

        ifa = msg_start(&m, RTM_NEWADDR, 0, sizeof(*ifa));
        ifa->ifa_family = AF_INET;
        ifa->ifa_prefixlen = 24;
        ifa->ifa_index = (uint32_t) k->ifindex;
        msg_attr(&m, IFA_LOCAL, &addr, sizeof(addr));
        queue_push(&M.events, m.buf, m.h->nlmsg_len);
}

/* ---- what the kernel does --------------------------------------------------------- */

static const char *const name_pool[] = {
        "cali1", "cali2", "cali3", "cali4", "tmp1", "tmp2", "tmp3", "eth0", "lxc1", "lxc2", "vxlan.calico", "lo",
};

static const char *free_name(void) {
        for (unsigned tries = 0; tries < 8; tries++) {
                const char *n = name_pool[below(ELEMENTSOF(name_pool))];
                if (!by_name(n))
                        return n;
        }
        return NULL;
}

static void value_written(KIface *k, int value, int ifindex) {
        int old = k->value;

        k->value = value;
        k->written = true;
        if (k == &M.def) {
                /* devinet_copy_dflt_conf(): onto every interface whose bit is unset,
                 * without a notification of its own. */
                for (unsigned j = 0; j < MAX_IFACES; j++) {
                        KIface *i = &M.ifaces[j];
                        if (i->exists && i->ipv4 && !i->written && i->value != value) {
                                i->value = value;
                                file_write(i->name, value);
                                trace("  (silent copy of default onto %s: %d)", i->name, value);
                        }
                }
        }
        if (old != value)
                notify_netconf(ifindex, value, false);
}

/* A new interface (or one moved in): conf/ copies default, values and bits. */
static void k_create(int ifindex) {
        const char *name = free_name();
        KIface *k = NULL;

        if (!name)
                return;
        for (unsigned j = 0; j < MAX_IFACES && !k; j++)
                if (!M.ifaces[j].exists)
                        k = &M.ifaces[j];
        if (!k)
                return;
        *k = (KIface) {
                .exists = true,
                .ifindex = ifindex > 0 ? ifindex : M.next_ifindex++,
                .ipv4 = chance(90),
                .value = M.def.value,
                .written = M.def.written,
        };
        (void) snprintf(k->name, sizeof(k->name), "%s", name);
        M.link_seq++;
        trace("create %s ifindex %d%s value %d", k->name, k->ifindex, k->ipv4 ? "" : " (no IPv4: MTU < 68)",
              k->value);
        if (k->ipv4) {
                dir_create(k);
                notify_netconf(k->ifindex, k->value, true);
        }
        notify_link(RTM_NEWLINK, AF_UNSPEC, k, ~0U);
}

static void k_move_in(void) {
        int ifindex;
        unsigned j;

        if (M.n_moved_out == 0)
                return k_create(0);
        j = below(M.n_moved_out);
        ifindex = M.moved_out[j];
        M.moved_out[j] = M.moved_out[--M.n_moved_out];
        /* Back under its ifindex when it is free, as dev_change_net_namespace() does. */
        k_create(by_ifindex(ifindex) ? 0 : ifindex);
}

static void k_rename(KIface *k, const char *name) {
        bool netconf_first = chance(50);

        if (strcmp(k->name, name) == 0)
                return;
        trace("rename %s -> %s (ifindex %d)", k->name, name, k->ifindex);
        if (k->ipv4 && renameat(M.conf_fd, k->name, M.conf_fd, name) < 0)
                die("rename");
        (void) snprintf(k->name, sizeof(k->name), "%s", name);
        M.link_seq++;
        watch_of(k->ifindex)->epoch++;
        /* The conf/ sysctls are registered again under the new name (a full netconf);
         * rtnetlink announces the rename. Either may come first. */
        if (k->ipv4 && netconf_first)
                notify_netconf(k->ifindex, k->value, true);
        notify_link(RTM_NEWLINK, AF_UNSPEC, k, 0);
        if (k->ipv4 && !netconf_first)
                notify_netconf(k->ifindex, k->value, true);
}

static void k_swap(void) {
        KIface *a = random_iface(false), *b = random_iface(false);
        const char *tmp = free_name();
        char an[IFNAMSIZ];

        if (!a || !b || a == b || !tmp)
                return;
        (void) snprintf(an, sizeof(an), "%s", a->name);
        k_rename(a, tmp);
        k_rename(b, an);
        if (chance(50))
                k_rename(a, by_name(b->name) ? tmp : b->name);
}

static void k_delete(KIface *k, bool move_out) {
        struct netconfmsg *ncm;
        uint32_t v;
        Msg m;

        trace("%s %s (ifindex %d)", move_out ? "move out" : "delete", k->name, k->ifindex);
        if (k->ipv4) {
                dir_remove(k->name);
                ncm = msg_start(&m, RTM_DELNETCONF, 0, sizeof(*ncm));
                ncm->ncm_family = AF_INET;
                v = (uint32_t) k->ifindex;
                msg_attr(&m, NETCONFA_IFINDEX, &v, sizeof(v));
                queue_push(&M.events, m.buf, m.h->nlmsg_len);
        }
        notify_link(RTM_DELLINK, AF_UNSPEC, k, 0);
        if (move_out && M.n_moved_out < MAX_IFACES)
                M.moved_out[M.n_moved_out++] = k->ifindex;
        watch_of(k->ifindex)->epoch++;
        M.link_seq++;
        k->exists = false;
}

static int random_value(void) {
        static const int values[] = { 0, 1, 2, 0, 1, 2, -1, 3, 100 };
        return values[below(ELEMENTSOF(values))];
}

static void k_drift(KIface *k, int ifindex) {
        int v = random_value();

        trace("another writer: %s = %d", k->name, v);
        file_write(k->name, v);
        value_written(k, v, ifindex);
}

static void k_gain_ipv4(KIface *k) {
        trace("%s gets IPv4 configuration (MTU raised), value %d", k->name, M.def.value);
        k->ipv4 = true;
        k->value = M.def.value;
        k->written = M.def.written;
        dir_create(k);
        notify_netconf(k->ifindex, k->value, true);
        if (chance(70))
                notify_addr(k);
}

/* One random thing the kernel (or another agent) does. */
static void kernel_act(void) {
        KIface *k;
        unsigned what = below(100);

        if (what < 16)
                k_create(0);
        else if (what < 30) {
                const char *n = free_name();
                if ((k = random_iface(false)) && n)
                        k_rename(k, n);
        } else if (what < 36)
                k_swap();
        else if (what < 44) {
                if ((k = random_iface(false)))
                        k_delete(k, false);
        } else if (what < 48) {
                if ((k = random_iface(false)))
                        k_delete(k, true);
        } else if (what < 52)
                k_move_in();
        else if (what < 58) {
                if ((k = random_iface(false))) {
                        k->bridged = !k->bridged;
                        trace("%s %s a bridge", k->name, k->bridged ? "joins" : "leaves");
                        notify_link(k->bridged ? RTM_NEWLINK : RTM_DELLINK, AF_BRIDGE, k, 0);
                }
        } else if (what < 80) {
                if ((k = random_iface(true)))
                        k_drift(k, k->ifindex);
        } else if (what < 84)
                k_drift(&M.all, NETCONFA_IFINDEX_ALL);
        else if (what < 89)
                k_drift(&M.def, NETCONFA_IFINDEX_DEFAULT);
        else if (what < 93) {
                for (unsigned j = 0; j < MAX_IFACES; j++)
                        if (M.ifaces[j].exists && !M.ifaces[j].ipv4) {
                                k_gain_ipv4(&M.ifaces[j]);
                                break;
                        }
        } else if (what < 95) {
                if ((k = random_iface(true))) {
                        trace("address on %s", k->name);
                        notify_addr(k);
                }
        } else if (what < 97) {
                if ((k = random_iface(true))) {
                        k->readonly = !k->readonly;
                        trace("%s: rp_filter %s", k->name, k->readonly ? "made read-only" : "writable again");
                }
        } else if ((k = random_iface(false))) {
                trace("%s: flags change", k->name);
                notify_link(RTM_NEWLINK, AF_UNSPEC, k, IFF_UP);
        }
}

/* ---- the dump --------------------------------------------------------------------- */

static void dump_generate_chunk(void) {
        uint8_t buf[DGRAM_MAX];
        size_t len = 0;
        unsigned n = 1 + below(3);
        uint16_t intr;

        /* nl_dump_check_consistent(): the link set changed since the dump began. */
        if (M.link_seq != M.dump_link_seq)
                M.dump_intr = true;
        intr = M.dump_intr ? NLM_F_DUMP_INTR : 0;

        while (n > 0) {
                KIface *next = NULL;
                Msg m;

                for (unsigned j = 0; j < MAX_IFACES; j++) {
                        KIface *k = &M.ifaces[j];
                        if (k->exists && k->ifindex >= M.dump_next_ifindex && (!next || k->ifindex < next->ifindex))
                                next = k;
                }
                if (!next)
                        break;
                link_msg(&m, RTM_NEWLINK, AF_UNSPEC, next, 0);
                if (len + m.h->nlmsg_len > sizeof(buf))
                        break;
                m.h->nlmsg_flags = NLM_F_MULTI | intr;
                m.h->nlmsg_seq = M.dump_seq;
                m.h->nlmsg_pid = PORTID;
                memcpy(buf + len, m.buf, m.h->nlmsg_len);
                len += NLMSG_ALIGN(m.h->nlmsg_len);
                M.dump_next_ifindex = next->ifindex + 1;
                n--;
        }
        if (n > 0) {
                /* The end: NLMSG_DONE with its int payload. */
                Msg m;
                int zero = 0;
                void *p = msg_start(&m, NLMSG_DONE, NLM_F_MULTI | intr, sizeof(int));

                memcpy(p, &zero, sizeof(zero));
                m.h->nlmsg_seq = M.dump_seq;
                m.h->nlmsg_pid = PORTID;
                memcpy(buf + len, m.buf, m.h->nlmsg_len);
                len += NLMSG_ALIGN(m.h->nlmsg_len);
                M.dump_active = false;
        }
        queue_push(&M.dump, buf, len);
}

static int t_request_dump(void *userdata, uint32_t seq) {
        (void) userdata;
        if (M.dump_active)
                return -EBUSY;
        trace("(daemon asks for a link dump)");
        M.dump_active = true;
        M.dump_seq = seq;
        M.dump_next_ifindex = 1;
        M.dump_link_seq = M.link_seq;
        M.dump_intr = false;
        dump_generate_chunk();
        return 0;
}

static void perturb(void) {
        /* The kernel does not wait for the daemon: things happen while it reads. */
        while (M.perturb_budget > 0 && chance(M.perturb_percent)) {
                M.perturb_budget--;
                kernel_act();
        }
}

static ssize_t t_recv(void *userdata, NetlinkSocket socket, void *buf, size_t size) {
        Queue *q = socket == NETLINK_SOCKET_DUMP ? &M.dump : &M.events;
        Dgram *d;

        (void) userdata;
        perturb();
        if (q->error) {
                q->error = false;
                trace("(daemon reads: ENOBUFS)");
                return -ENOBUFS;
        }
        if (q->n == 0)
                return -EAGAIN;
        d = &q->q[q->head];
        q->head = (q->head + 1) % QUEUE_MAX;
        q->n--;
        if (q->n == 0)
                q->congested = false; /* netlink_rcv_wake() */
        if (d->len > size)
                die("datagram too large");
        memcpy(buf, d->buf, d->len);
        if (socket == NETLINK_SOCKET_DUMP && M.dump_active)
                dump_generate_chunk();
        return (ssize_t) d->len;
}

static int t_get_ifname(void *userdata, int ifindex, char *ret) {
        KIface *k = by_ifindex(ifindex);

        (void) userdata;
        if (!k)
                return -ENODEV;
        memcpy(ret, k->name, IFNAMSIZ);
        return 0;
}

static const NetlinkTransport transport = {
        .recv = t_recv,
        .request_dump = t_request_dump,
        .get_ifname = t_get_ifname,
};

/* ---- the daemon's writes, seen as they happen ---------------------------------------- */

int __real_sysctl_rp_filter_write_fd(int fd, int value);
int __wrap_sysctl_rp_filter_write_fd(int fd, int value);
int __real_sysctl_rp_filter_write(int conf_fd, const char *name, int value);
int __wrap_sysctl_rp_filter_write(int conf_fd, const char *name, int value);

static void daemon_wrote(KIface *k, const char *how, int value) {
        const Config *c = M.config;
        int ifindex;

        if (!k) {
                violation("the daemon wrote %d (%s) to a file that belongs to no interface", value, how);
                return;
        }
        if (k == &M.all || k == &M.def) {
                RpFilter wanted = k == &M.all ? c->all : c->def;
                if (wanted == RP_FILTER_UNSET || (int) wanted != value)
                        violation("the daemon wrote %d to %s, wanted %s", value, k->name, rp_filter_to_string(wanted));
                ifindex = k == &M.all ? NETCONFA_IFINDEX_ALL : NETCONFA_IFINDEX_DEFAULT;
        } else {
                const Rule *r = policy_lookup(c, k->name);
                if (!r || r->value == RP_FILTER_IGNORE)
                        violation("the daemon wrote %d to %s (ifindex %d), which is %s", value, k->name, k->ifindex,
                                  r ? "ignored" : "unmanaged");
                else if ((int) r->value != value)
                        violation("the daemon wrote %d to %s, rule %s wants %d", value, k->name, r->pattern,
                                  (int) r->value);
                ifindex = k->ifindex;
        }
        trace("daemon writes %s = %d", k->name, value);
        M.last_write.k = k;
        M.last_write.value = value;
        M.last_write.valid = true;
        value_written(k, value, ifindex);
}

static KIface *by_ino(ino_t ino) {
        if (ino == M.all.ino)
                return &M.all;
        if (ino == M.def.ino)
                return &M.def;
        for (unsigned j = 0; j < MAX_IFACES; j++)
                if (M.ifaces[j].exists && M.ifaces[j].ipv4 && M.ifaces[j].ino == ino)
                        return &M.ifaces[j];
        return NULL;
}

int __wrap_sysctl_rp_filter_write_fd(int fd, int value) {
        struct stat st;
        KIface *k;
        int r;

        if (fstat(fd, &st) < 0)
                die("fstat");
        k = by_ino(st.st_ino);
        if (k && k->readonly) {
                trace("daemon's write to %s fails: EROFS", k->name);
                return -EROFS;
        }
        r = __real_sysctl_rp_filter_write_fd(fd, value);
        if (r < 0)
                return r;
        daemon_wrote(k, "through an fd", value);
        return r;
}

int __wrap_sysctl_rp_filter_write(int conf_fd, const char *name, int value) {
        KIface *k = strcmp(name, "all") == 0 ? &M.all : strcmp(name, "default") == 0 ? &M.def : by_name(name);
        int r;

        if (k && k->readonly) {
                trace("daemon's write to %s fails: EROFS", k->name);
                return -EROFS;
        }
        r = __real_sysctl_rp_filter_write(conf_fd, name, value);
        if (r < 0)
                return r;
        daemon_wrote(k, "by name", value);
        return r;
}

/* ---- the reconciler's hooks ----------------------------------------------------------- */

static usec_t h_now(void *userdata) {
        (void) userdata;
        return M.now;
}

static void h_event(void *userdata, const ReconcilerEvent *ev) {
        const Iface *i = ev->iface;
        Watch *w;

        (void) userdata;
        switch (ev->type) {
        case RECONCILER_CORRECTED:
                if (i->ifindex > 0) {
                        KIface *k = by_ifindex(i->ifindex);
                        if (!k || strcmp(k->name, i->name) != 0)
                                violation("%s (ifindex %d) corrected under a name that is not its own (it is %s)",
                                          i->name, i->ifindex, k ? k->name : "gone");
                        else if (!M.last_write.valid || M.last_write.k != k)
                                violation("%s (ifindex %d) corrected, but the write went to %s", i->name,
                                          i->ifindex, M.last_write.valid && M.last_write.k ? M.last_write.k->name : "nowhere");
                        w = watch_of(i->ifindex);
                        if (w->backoff_until > M.now && w->backoff_epoch == w->epoch + M.reload_epoch)
                                violation("%s (ifindex %d) corrected during its back-off (until %llu, now %llu)",
                                          i->name, i->ifindex, (unsigned long long) w->backoff_until,
                                          (unsigned long long) M.now);
                }
                M.last_write.valid = false;
                break;
        case RECONCILER_FIGHT:
                trace("(daemon backs off %s until %llu)", i->name, (unsigned long long) ev->until);
                if (i->ifindex > 0) {
                        w = watch_of(i->ifindex);
                        w->backoff_until = ev->until;
                        w->backoff_epoch = w->epoch + M.reload_epoch;
                }
                break;
        case RECONCILER_WRITE_FAILED: {
                KIface *k = i->ifindex > 0 ? by_ifindex(i->ifindex) : NULL;
                if (i->ifindex > 0 && (!k || !k->readonly || ev->error != -EROFS))
                        violation("%s: a write failed (%s), but it is writable", i->name, strerror(-ev->error));
                else
                        trace("(daemon: write to %s failed, retry at %llu)", i->name, (unsigned long long) ev->until);
                break;
        }
        case RECONCILER_RESYNC:
                trace("(daemon resyncs: %s)", resync_reason_to_string(ev->reason));
                break;
        default:
                break;
        }
}

static const ReconcilerHooks hooks = { .now = h_now, .event = h_event };

/* ---- configurations ------------------------------------------------------------------- */

static Config *random_config(void) {
        static const char *const values[] = { "0", "1", "2", "strict", "loose", "off" };
        static const char *const patterns[] = { "cali*", "tmp*", "eth0", "lxc*", "vxlan.calico", "lo", "cali1", "*" };
        char text[1024];
        size_t n = 0;
        bool used[ELEMENTSOF(patterns)] = {};
        ConfigReport report;
        Config *c = NULL;
        FILE *f;
        int r;

        n += (size_t) snprintf(text + n, sizeof(text) - n, "[daemon]\nflap_limit = %u\nflap_window = 10\nflap_backoff = %u\n",
                               2 + below(4), 2 + below(6));
        n += (size_t) snprintf(text + n, sizeof(text) - n, "[global]\n");
        if (chance(70))
                n += (size_t) snprintf(text + n, sizeof(text) - n, "all = %s\n", values[below(3)]);
        if (chance(70))
                n += (size_t) snprintf(text + n, sizeof(text) - n, "default = %s\n", values[below(3)]);
        n += (size_t) snprintf(text + n, sizeof(text) - n, "[interfaces]\n");
        for (unsigned k = 0, rules = 1 + below(5); k < rules; k++) {
                unsigned p = below(ELEMENTSOF(patterns));
                if (used[p])
                        continue;
                used[p] = true;
                n += (size_t) snprintf(text + n, sizeof(text) - n, "%s = %s\n", patterns[p],
                                       chance(20) ? "ignore" : values[below(ELEMENTSOF(values))]);
        }
        f = fmemopen(text, n, "r");
        if (!f)
                die("fmemopen");
        r = config_load_stream(f, "sim.conf", &c, &report);
        (void) fclose(f);
        config_report_done(&report);
        if (r < 0) {
                fprintf(stderr, "sim: generated configuration rejected:\n%s", text);
                exit(2);
        }
        return c;
}

/* ---- the invariants at a quiescent point ------------------------------------------------- */

static const Iface *tracked(int ifindex) {
        size_t state = 0;
        const Iface *i;

        while (reconciler_iterate(M.reconciler, &state, &i))
                if (i->ifindex == ifindex)
                        return i;
        return NULL;
}

static void check_global(const KIface *k, RpFilter wanted, const Iface *i) {
        if (wanted == RP_FILTER_UNSET || i->hold == IFACE_HOLD_BACKOFF)
                return;
        if (k->value != (int) wanted)
                violation("%s is %d, wanted %d, at a quiescent point", k->name, k->value, (int) wanted);
}

static void check_quiescent(void) {
        const Config *c = M.config;

        check_global(&M.all, c->all, reconciler_all(M.reconciler));
        check_global(&M.def, c->def, reconciler_default(M.reconciler));
        for (unsigned j = 0; j < MAX_IFACES; j++) {
                const KIface *k = &M.ifaces[j];
                const Rule *r;
                const Iface *i;

                if (!k->exists)
                        continue;
                i = tracked(k->ifindex);
                /* Without IPv4 configuration an interface may be unknown until its
                 * netconf: the registration RTM_NEWLINK is filtered out. */
                if (!i && k->ipv4)
                        violation("%s (ifindex %d) exists but is not tracked", k->name, k->ifindex);
                else if (i && strcmp(i->name, k->name) != 0)
                        violation("%s (ifindex %d) is tracked as %s", k->name, k->ifindex, i->name);
                if (!k->ipv4)
                        continue;
                r = policy_lookup(c, k->name);
                if (!r || r->value == RP_FILTER_IGNORE)
                        continue;
                if (i && i->hold == IFACE_HOLD_BACKOFF)
                        continue; /* left alone on purpose, until the back-off ends */
                if (k->readonly) {
                        /* Cannot be written: the daemon must be retrying it. */
                        if (k->value != (int) r->value && (!i || i->hold != IFACE_HOLD_RETRY))
                                violation("%s (ifindex %d) is read-only and wrong, but no retry is pending", k->name,
                                          k->ifindex);
                        continue;
                }
                if (i && i->hold == IFACE_HOLD_RETRY)
                        continue; /* writable again: its retry is due at hold_until */
                if (k->value != (int) r->value)
                        violation("%s (ifindex %d) is %d, rule %s wants %d, at a quiescent point", k->name, k->ifindex,
                                  k->value, r->pattern, (int) r->value);
        }
}

/* ---- one seed --------------------------------------------------------------------------- */

static void daemon_reads(void) {
        if (reconciler_on_netlink(M.reconciler) < 0)
                violation("reconciler_on_netlink() failed");
}

static bool busy(void) {
        return M.events.n > 0 || M.events.error || M.dump.n > 0 || M.dump_active;
}

static void settle(void) {
        /* Let the daemon read until nothing is queued, nothing happens meanwhile and no
         * dump is running: a quiescent point. */
        M.perturb_budget = 0;
        for (unsigned n = 0; busy() || reconciler_starting(M.reconciler); n++) {
                if (n > 1000) {
                        violation("no quiescent point after 1000 reads");
                        return;
                }
                daemon_reads();
        }
}

static void advance(usec_t d) {
        M.now += d;
        if (reconciler_next_deadline(M.reconciler) <= M.now)
                reconciler_on_time(M.reconciler);
}

static void remove_all_dirs(void) {
        for (unsigned j = 0; j < MAX_IFACES; j++)
                if (M.ifaces[j].exists && M.ifaces[j].ipv4)
                        dir_remove(M.ifaces[j].name);
}

static void model_reset(void) {
        int conf_fd = M.conf_fd;
        char root[sizeof(M.root)];
        bool verbose = M.verbose;

        memcpy(root, M.root, sizeof(root));
        remove_all_dirs();
        memset(&M, 0, sizeof(M));
        memcpy(M.root, root, sizeof(root));
        M.conf_fd = conf_fd;
        M.verbose = verbose;
}

static bool run_seed(uint64_t seed) {
        ReconcilerOptions options = {};
        Netlink *nl = NULL;
        unsigned steps, n0;

        model_reset();
        M.seed = seed;
        rng = seed * UINT64_C(0x9E3779B97F4A7C15) + 1;
        for (unsigned k = 0; k < 4; k++)
                (void) rnd();

        M.now = USEC_PER_SEC;
        M.next_ifindex = 2;
        M.registration_filtered = chance(80);
        M.events.cap = 2 + below(40);
        M.dump.cap = QUEUE_MAX;
        M.perturb_percent = below(60);
        M.all = (KIface) { .exists = true, .name = "all", .ipv4 = true, .value = (int) below(3) };
        M.def = (KIface) { .exists = true, .name = "default", .ipv4 = true, .value = (int) below(3) };
        file_write("all", M.all.value);
        file_write("default", M.def.value);
        M.all.ino = file_ino("all");
        M.def.ino = file_ino("default");

        /* Interfaces that exist before the daemon starts. */
        for (unsigned k = 0, n = below(6); k < n; k++)
                k_create(0);
        M.events.n = 0; /* nobody was subscribed yet */
        M.events.congested = M.events.error = false;

        M.config = random_config();
        if (netlink_new_transport(&transport, NULL, PORTID, &nl) < 0 ||
            reconciler_new(M.config, &options, nl, M.conf_fd, &hooks, NULL, &M.reconciler) < 0)
                die("setup");
        trace("start: queue of %u datagrams, registration filter %s", M.events.cap,
              M.registration_filtered ? "on" : "off");

        M.perturb_budget = below(8);
        if (reconciler_start(M.reconciler) < 0)
                violation("reconciler_start() failed");
        for (unsigned n = 0; reconciler_starting(M.reconciler) && !M.failed; n++) {
                if (n > 1000) {
                        violation("start-up never ends");
                        break;
                }
                daemon_reads();
        }
        settle();
        if (!M.failed)
                check_quiescent();

        steps = STEPS_MIN + below(STEPS_SPAN);
        for (M.step = 1; M.step <= steps && !M.failed; M.step++) {
                unsigned what = below(100);

                if (what < 45) {
                        /* A burst of kernel events, maybe more than the queue holds. */
                        n0 = 1 + below(chance(20) ? 30 : 4);
                        for (unsigned k = 0; k < n0; k++)
                                kernel_act();
                } else if (what < 75) {
                        M.perturb_budget = below(6);
                        daemon_reads();
                } else if (what < 85)
                        advance(below(4) * USEC_PER_SEC + below(1000) * USEC_PER_MSEC);
                else if (what < 90) {
                        Config *c = random_config();
                        trace("reload");
                        M.reload_epoch++;
                        M.config = c;
                        reconciler_reload(M.reconciler, c);
                } else if (what < 93) {
                        trace("periodic resync");
                        (void) reconciler_resync(M.reconciler, RESYNC_PERIODIC);
                } else {
                        settle();
                        if (!M.failed)
                                check_quiescent();
                }
        }
        if (!M.failed) {
                settle();
                if (!M.failed)
                        check_quiescent();
                /* Everything writable again, every back-off and retry over: then
                 * everything is right. */
                for (unsigned j = 0; j < MAX_IFACES; j++)
                        M.ifaces[j].readonly = false;
                for (unsigned k = 0; k < 40 && !M.failed && reconciler_next_deadline(M.reconciler) != USEC_INFINITY; k++) {
                        advance(reconciler_next_deadline(M.reconciler) - M.now + 1);
                        settle();
                }
                if (!M.failed) {
                        ReconcilerStats s;
                        reconciler_get_stats(M.reconciler, &s);
                        if (s.n_backoff > 0 || s.n_write_errors > 0)
                                violation("still %u back-offs and %u retries after they all ended", s.n_backoff,
                                          s.n_write_errors);
                        check_quiescent();
                }
        }

        reconciler_free(M.reconciler);
        netlink_free(nl);
        if (M.failed)
                fprintf(stderr, "replay: %s --seed %llu -v\n", program_invocation_name, (unsigned long long) seed);
        return !M.failed;
}

static int run_regressions(const char *path, unsigned *ret_failed) {
        char line[64];
        unsigned n = 0;
        FILE *f = fopen(path, "re");

        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                char *end;
                unsigned long long seed;

                if (line[0] == '#' || line[0] == '\n')
                        continue;
                seed = strtoull(line, &end, 10);
                if (end == line)
                        continue;
                if (!run_seed(seed))
                        (*ret_failed)++;
                n++;
        }
        (void) fclose(f);
        return (int) n;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "seeds", required_argument, NULL, 'n' },
                { "first", required_argument, NULL, 'f' },
                { "seed", required_argument, NULL, 's' },
                { "regressions", required_argument, NULL, 'r' },
                { "verbose", no_argument, NULL, 'v' },
                {}
        };
        unsigned long long first = 1, n = 1000;
        const char *regressions = NULL;
        unsigned failed = 0, ran = 0;
        struct timespec t0, t1;
        int c, r;

        while ((c = getopt_long(argc, argv, "n:f:s:r:v", options, NULL)) >= 0)
                switch (c) {
                case 'n':
                        n = strtoull(optarg, NULL, 10);
                        break;
                case 'f':
                        first = strtoull(optarg, NULL, 10);
                        break;
                case 's':
                        first = strtoull(optarg, NULL, 10);
                        n = 1;
                        break;
                case 'r':
                        regressions = optarg;
                        break;
                case 'v':
                        M.verbose = true;
                        break;
                default:
                        return 2;
                }

        log_set_max_level(M.verbose ? LOG_DEBUG : -1);
        (void) snprintf(M.root, sizeof(M.root), "%s/rpfguard-sim.XXXXXX", getenv("TMPDIR") ?: "/tmp");
        if (!mkdtemp(M.root))
                die("mkdtemp");
        {
                char path[sizeof(M.root) + 32];
                (void) snprintf(path, sizeof(path), "%s/net", M.root);
                (void) mkdir(path, 0755);
                (void) snprintf(path, sizeof(path), "%s/net/ipv4", M.root);
                (void) mkdir(path, 0755);
                (void) snprintf(path, sizeof(path), "%s/net/ipv4/conf", M.root);
                (void) mkdir(path, 0755);
                (void) snprintf(path, sizeof(path), "%s/net/ipv4/conf/all", M.root);
                (void) mkdir(path, 0755);
                (void) snprintf(path, sizeof(path), "%s/net/ipv4/conf/default", M.root);
                (void) mkdir(path, 0755);
        }
        M.conf_fd = sysctl_conf_open(M.root);
        if (M.conf_fd < 0) {
                errno = -M.conf_fd;
                die("conf");
        }

        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (regressions) {
                r = run_regressions(regressions, &failed);
                if (r < 0) {
                        errno = -r;
                        die(regressions);
                }
                ran += (unsigned) r;
        }
        for (unsigned long long s = first; s < first + n; s++, ran++)
                if (!run_seed(s))
                        failed++;
        clock_gettime(CLOCK_MONOTONIC, &t1);

        model_reset();
        {
                char cmd[sizeof(M.root) + 16];
                (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", M.root);
                if (system(cmd) != 0)
                        fprintf(stderr, "sim: cannot remove %s\n", M.root);
        }
        printf("sim: %u seeds in %.1f s: %u passed, %u failed\n", ran,
               (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9, ran - failed, failed);
        return failed == 0 ? 0 : 1;
}
