/* SPDX-License-Identifier: MIT */
/* rtnl: the raw rtnetlink socket the bench helpers share — open, join groups, a
 * large receive buffer, one link dump request. No parsing policy, no timing. */
#pragma once

#include <linux/netlink.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* Receive buffer the helpers ask for: a burst of thousands of interfaces must not
 * overflow an observer (SO_RCVBUFFORCE; root has CAP_NET_ADMIN). */
#define RTNL_RCVBUF (64 * 1024 * 1024)

/* A non-blocking NETLINK_ROUTE socket that has joined every RTNLGRP_* in GROUPS
 * (terminated by 0). Returns the fd or -errno. */
int rtnl_open(const int *groups);

/* One datagram from the non-blocking socket FD into BUF: its length, or 0 once the
 * socket is drained (or fails otherwise). An overflow (ENOBUFS: the kernel dropped
 * messages) is counted in *N_ENOBUFS, if given, and reading goes on. */
ssize_t rtnl_recv(int fd, void *buf, size_t len, unsigned long *n_enobufs);

/* Ask for a dump of every link (replies come as RTM_NEWLINK, then NLMSG_DONE). */
int rtnl_request_link_dump(int fd, uint32_t seq);

/* Find attribute TYPE among the attributes at ATTRS (LEN bytes); NULL if absent. */
const struct nlattr *rtnl_attr_find(const void *attrs, int len, int type);

/* CLOCK_MONOTONIC in nanoseconds. */
static inline int64_t mono_ns(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}
