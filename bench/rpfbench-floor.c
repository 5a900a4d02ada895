/* SPDX-License-Identifier: MIT */
/* rpfbench-floor: the least any event-driven rp_filter enforcer has to do, as a
 * yardstick for rpfguard's CPU and memory (bench/run.sh, column "floor").
 *
 *   rpfbench-floor PREFIX VALUE READY-FILE
 *
 * SIGUSR1 prints, on one line of stdout, where the time went since the previous
 * SIGUSR1 (wall time inside each system call, per interface enforced), then starts
 * counting afresh; SIGTERM exits.
 *
 * Joins RTNLGRP_IPV4_NETCONF only and sleeps in ppoll(). For each RTM_NEWNETCONF
 * whose rp_filter is not VALUE on an interface whose name starts with PREFIX, it
 * asks the kernel for the name (SIOCGIFNAME), opens conf/NAME/rp_filter under a
 * directory fd and writes VALUE. Nothing else: no configuration, no link events,
 * no state, no logging, no sd_notify, no error handling beyond not crashing.
 * What it costs per interface is what the kernel charges for being told about an
 * interface and setting one sysctl on it; no correct daemon can spend less.
 *
 * Built twice: rpfbench-floor (libc only) and rpfbench-floor-stack, the same code
 * with rpfguard's libraries (libsystemd, libnl-3, inih) loaded but never called:
 * its peak RSS is what those libraries cost a process before it does anything. */
#define _GNU_SOURCE
#include "rtnl.h"

#include <fcntl.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int conf_dir, ioctl_fd;
static const char *prefix;
static size_t prefix_len;
static char value[16];
static size_t value_len;
static int wanted;

/* Time inside each system call the work needs: CLOCK_MONOTONIC (vDSO, tens of ns)
 * around each call. The calls do not sleep, so this is their CPU time (spinning on a
 * lock the interface's creator holds included) plus any time the CPU was taken from
 * them: the write's netconf broadcast wakes the bench's SCHED_FIFO observer, which
 * may preempt the writer before the call returns. */
enum { C_RECV, C_IFNAME, C_OPEN, C_WRITE, C_CLOSE, _C_MAX };
static const char *const cost_name[_C_MAX] = { "recv", "SIOCGIFNAME", "openat", "write", "close" };
static int64_t cost_ns[_C_MAX];
static unsigned long cost_calls[_C_MAX], n_enforced;
static volatile sig_atomic_t got_usr1, got_term;

#define TIMED(c, expr)                                          \
        ({                                                      \
                int64_t t0_ = mono_ns();                        \
                __typeof__(expr) r_ = (expr);                   \
                cost_ns[c] += mono_ns() - t0_;                  \
                cost_calls[c]++;                                \
                r_;                                             \
        })

static void on_signal(int sig) {
        if (sig == SIGUSR1)
                got_usr1 = 1;
        else
                got_term = 1;
}

/* "floor: N interfaces; per interface, us: recv 1.2 (3.0 calls) SIOCGIFNAME ... total T" */
static void report(void) {
        double total = 0, n = n_enforced ? (double) n_enforced : 1;

        printf("floor: %lu interfaces; per interface, us:", n_enforced);
        for (int c = 0; c < _C_MAX; c++) {
                printf(" %s %.1f (%.1f calls)", cost_name[c], (double) cost_ns[c] / 1e3 / n,
                       (double) cost_calls[c] / n);
                total += (double) cost_ns[c] / 1e3 / n;
        }
        printf(" total %.1f\n", total);
        fflush(stdout);
        memset(cost_ns, 0, sizeof(cost_ns));
        memset(cost_calls, 0, sizeof(cost_calls));
        n_enforced = 0;
}

static void enforce(int ifindex) {
        struct ifreq ifr = { .ifr_ifindex = ifindex };
        char path[IFNAMSIZ + sizeof("/rp_filter")];
        int fd;

        if (TIMED(C_IFNAME, ioctl(ioctl_fd, SIOCGIFNAME, &ifr)) < 0 ||
            strncmp(ifr.ifr_name, prefix, prefix_len) != 0)
                return;
        (void) snprintf(path, sizeof(path), "%s/rp_filter", ifr.ifr_name);
        fd = TIMED(C_OPEN, openat(conf_dir, path, O_WRONLY | O_CLOEXEC));
        if (fd < 0)
                return; /* gone again */
        if (TIMED(C_WRITE, write(fd, value, value_len)) == (ssize_t) value_len)
                n_enforced++;
        (void) TIMED(C_CLOSE, close(fd));
}

static void handle(const struct nlmsghdr *h) {
        const struct netconfmsg *ncm = NLMSG_DATA(h);
        const struct nlattr *ifa, *rpf;
        int len = (int) h->nlmsg_len - NLMSG_SPACE(sizeof(*ncm));

        if (h->nlmsg_type != RTM_NEWNETCONF || len < 0 || ncm->ncm_family != AF_INET)
                return;
        ifa = rtnl_attr_find((const char *) ncm + NLMSG_ALIGN(sizeof(*ncm)), len, NETCONFA_IFINDEX);
        rpf = rtnl_attr_find((const char *) ncm + NLMSG_ALIGN(sizeof(*ncm)), len, NETCONFA_RP_FILTER);
        if (!ifa || !rpf || ifa->nla_len < NLA_HDRLEN + 4 || rpf->nla_len < NLA_HDRLEN + 4)
                return;
        int ifindex = *(const int *) ((const char *) ifa + NLA_HDRLEN);
        int rp = *(const int *) ((const char *) rpf + NLA_HDRLEN);
        if (ifindex > 0 && rp != wanted)
                enforce(ifindex);
}

int main(int argc, char **argv) {
        static const int groups[] = { RTNLGRP_IPV4_NETCONF, 0 };
        /* One notification per datagram: a few hundred bytes at most. */
        static char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
        struct sigaction sa = { .sa_handler = on_signal };
        sigset_t blocked, during_poll;
        int fd;
        FILE *f;

        if (argc != 4) {
                fprintf(stderr, "usage: rpfbench-floor PREFIX VALUE READY-FILE\n");
                return 2;
        }
        prefix = argv[1];
        prefix_len = strlen(prefix);
        wanted = atoi(argv[2]);
        value_len = (size_t) snprintf(value, sizeof(value), "%d\n", wanted);
        conf_dir = open("/proc/sys/net/ipv4/conf", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        fd = rtnl_open(groups);
        if (conf_dir < 0 || ioctl_fd < 0 || fd < 0) {
                perror("rpfbench-floor: setup");
                return 1;
        }
        if (sigaction(SIGUSR1, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
            sigaction(SIGINT, &sa, NULL) < 0) {
                perror("rpfbench-floor: sigaction");
                return 1;
        }
        /* Signals only arrive inside ppoll(): none is lost between a check and the sleep. */
        sigemptyset(&blocked);
        sigaddset(&blocked, SIGUSR1);
        sigaddset(&blocked, SIGTERM);
        sigaddset(&blocked, SIGINT);
        sigprocmask(SIG_BLOCK, &blocked, &during_poll);
        f = fopen(argv[3], "w");
        if (!f || fclose(f) != 0) {
                perror(argv[3]);
                return 1;
        }
        while (!got_term) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                ssize_t n;

                if (got_usr1) {
                        got_usr1 = 0;
                        report();
                }
                if (ppoll(&p, 1, NULL, &during_poll) < 0)
                        continue;
                /* Everything queued, then back to sleep (as rpfguard's loop does). */
                while ((n = TIMED(C_RECV, rtnl_recv(fd, buf, sizeof(buf), NULL))) > 0) {
                        int left = (int) n;
                        for (const struct nlmsghdr *h = (const struct nlmsghdr *) buf; NLMSG_OK(h, left);
                             h = NLMSG_NEXT(h, left))
                                handle(h);
                }
        }
        return 0;
}
