/* SPDX-License-Identifier: MIT */
/* rtnl: the raw rtnetlink socket the bench helpers share — open, join groups, a
 * large receive buffer, one link dump request. No parsing policy, no timing. */
#pragma once

#include <linux/netlink.h>
#include <stdint.h>
#include <time.h>

/* Receive buffer the helpers ask for: a burst of thousands of interfaces must not
 * overflow an observer (SO_RCVBUFFORCE; root has CAP_NET_ADMIN). */
#define RTNL_RCVBUF (64 * 1024 * 1024)

/* A non-blocking NETLINK_ROUTE socket that has joined every RTNLGRP_* in GROUPS
 * (terminated by 0). Returns the fd or -errno. */
int rtnl_open(const int *groups);

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
