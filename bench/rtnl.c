/* SPDX-License-Identifier: MIT */
/* rtnl: the raw rtnetlink socket the bench helpers share. Knows nothing about what
 * a helper does with the messages. */
#define _GNU_SOURCE
#include "rtnl.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

int rtnl_open(const int *groups) {
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
        int fd, size = RTNL_RCVBUF, one = 1;

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
        if (fd < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
                goto fail;
        /* Dump replies larger than our buffer would be truncated otherwise. */
        (void) setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                goto fail;
        for (; *groups; groups++)
                if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, groups, sizeof(*groups)) < 0)
                        goto fail;
        return fd;
fail:
        {
                int r = -errno;
                (void) close(fd);
                return r;
        }
}

ssize_t rtnl_recv(int fd, void *buf, size_t len, unsigned long *n_enobufs) {
        for (;;) {
                ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);

                if (n >= 0)
                        return n;
                if (errno == ENOBUFS && n_enobufs)
                        ++*n_enobufs;
                else if (errno != ENOBUFS && errno != EINTR)
                        return 0; /* EAGAIN: drained */
        }
}

int rtnl_request_link_dump(int fd, uint32_t seq) {
        struct {
                struct nlmsghdr hdr;
                struct ifinfomsg ifi;
        } req = {
                .hdr = {
                        .nlmsg_len = sizeof(req),
                        .nlmsg_type = RTM_GETLINK,
                        .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
                        .nlmsg_seq = seq,
                },
                .ifi = { .ifi_family = AF_UNSPEC },
        };
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

        if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *) &kernel, sizeof(kernel)) < 0)
                return -errno;
        return 0;
}

const struct nlattr *rtnl_attr_find(const void *attrs, int len, int type) {
        const struct nlattr *a = attrs;

        while (len >= (int) sizeof(*a) && a->nla_len >= sizeof(*a) && a->nla_len <= len) {
                if ((a->nla_type & NLA_TYPE_MASK) == type)
                        return a;
                len -= NLA_ALIGN(a->nla_len);
                a = (const struct nlattr *) ((const char *) a + NLA_ALIGN(a->nla_len));
        }
        return NULL;
}
