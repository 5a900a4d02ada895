/* SPDX-License-Identifier: MIT */
/* rpfbench-listen: the independent observer. Joins RTNLGRP_IPV4_NETCONF and
 * RTNLGRP_LINK and records every IPv4 netconf message that carries rp_filter, and every
 * RTM_NEWLINK, with the CLOCK_MONOTONIC time it was received; writes them all to OUT
 * on SIGTERM/SIGINT. Judges nothing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rtnl.h"

typedef struct Record {
        int64_t t;       /* ns, CLOCK_MONOTONIC, when recvmsg() returned the datagram */
        int32_t ifindex; /* > 0, or NETCONFA_IFINDEX_ALL / _DEFAULT */
        int16_t rp_filter; /* -1 for a link */
        char type;       /* 'F' a full netconf (an interface being registered), 'P' a
                          * partial one (a change), 'L' an RTM_NEWLINK */
} Record;

static Record *records;
static size_t n_records, n_alloc;
static unsigned long n_enobufs;

static Record *record_new(void) {
        if (n_records == n_alloc) {
                n_alloc = n_alloc ? 2 * n_alloc : 65536;
                records = realloc(records, n_alloc * sizeof(Record));
                if (!records) {
                        perror("rpfbench-listen: realloc");
                        exit(1);
                }
        }
        return &records[n_records++];
}

static void record_link(int64_t t, const struct nlmsghdr *h) {
        const struct ifinfomsg *ifi = NLMSG_DATA(h);

        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)) || ifi->ifi_index <= 0)
                return;
        *record_new() = (Record) { .t = t, .ifindex = ifi->ifi_index, .rp_filter = -1, .type = 'L' };
}

static void record_netconf(int64_t t, const struct nlmsghdr *h) {
        const struct netconfmsg *ncm = NLMSG_DATA(h);
        const struct nlattr *idx, *rp;
        const void *attrs;
        int len;

        if (h->nlmsg_len < NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*ncm))) || ncm->ncm_family != AF_INET)
                return;
        attrs = (const char *) ncm + NLMSG_ALIGN(sizeof(*ncm));
        len = (int) h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*ncm)));
        idx = rtnl_attr_find(attrs, len, NETCONFA_IFINDEX);
        rp = rtnl_attr_find(attrs, len, NETCONFA_RP_FILTER);
        if (!idx || !rp)
                return; /* a partial message about another setting */
        *record_new() = (Record) {
                .t = t,
                .ifindex = *(const int32_t *) (idx + 1),
                .rp_filter = (int16_t) *(const int32_t *) (rp + 1),
                .type = rtnl_attr_find(attrs, len, NETCONFA_FORWARDING) ? 'F' : 'P',
        };
}

static void drain(int fd) {
        static _Alignas(struct nlmsghdr) char buf[65536];

        for (;;) {
                ssize_t n = rtnl_recv(fd, buf, sizeof(buf), &n_enobufs);
                int64_t t = mono_ns();
                int rem;

                if (n == 0)
                        return;
                rem = (int) n;
                for (const struct nlmsghdr *h = (const void *) buf; NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem))
                        if (h->nlmsg_type == RTM_NEWNETCONF)
                                record_netconf(t, h);
                        else if (h->nlmsg_type == RTM_NEWLINK)
                                record_link(t, h);
        }
}

int main(int argc, char *argv[]) {
        static const int groups[] = { RTNLGRP_IPV4_NETCONF, RTNLGRP_LINK, 0 };
        struct pollfd p[2];
        sigset_t mask;
        FILE *out;
        int fd;

        if (argc != 3) {
                fprintf(stderr, "usage: rpfbench-listen OUT READY-FILE\n");
                return 2;
        }
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);

        fd = rtnl_open(groups);
        if (fd < 0) {
                errno = -fd;
                perror("rpfbench-listen: rtnetlink");
                return 1;
        }
        p[0] = (struct pollfd) { .fd = fd, .events = POLLIN };
        p[1] = (struct pollfd) { .fd = signalfd(-1, &mask, SFD_CLOEXEC), .events = POLLIN };
        if (p[1].fd < 0) {
                perror("rpfbench-listen: signalfd");
                return 1;
        }
        /* Subscribed: whatever happens from now on is seen. */
        (void) close(open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));

        for (;;) {
                if (poll(p, 2, -1) < 0 && errno != EINTR) {
                        perror("rpfbench-listen: poll");
                        return 1;
                }
                if (p[0].revents)
                        drain(fd);
                if (p[1].revents)
                        break;
        }
        drain(fd);

        out = fopen(argv[1], "we");
        if (!out) {
                perror(argv[1]);
                return 1;
        }
        fprintf(out, "# enobufs %lu records %zu\n", n_enobufs, n_records);
        for (size_t k = 0; k < n_records; k++)
                fprintf(out, "%lld %c %d %d\n", (long long) records[k].t, records[k].type, records[k].ifindex,
                        records[k].rp_filter);
        return fclose(out) == 0 ? 0 : 1;
}
