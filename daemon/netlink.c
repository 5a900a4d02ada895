/* SPDX-License-Identifier: MIT */
/* netlink: libnl owns the socket and parses attributes; reception is our own
 * recvmsg() loop, so ENOBUFS is seen as such and no message is copied or allocated. */
#define _GNU_SOURCE
#include "netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "util.h"

/* A dump of thousands of links takes milliseconds; this only catches a kernel that
 * never answers. */
#define DUMP_TIMEOUT_MS 30000

/* Two sockets. Notifications arrive on the subscribed one, whose large buffer can
 * still overflow in a storm. Dumps go through a second socket that joins no group:
 * the kernel fills a dump reply only while the reader's buffer has room, and a
 * multicast storm filling the same buffer would make that fail, leaving the dump
 * stalled with nothing queued to wake the reader (and a new dump refused with
 * EBUSY while the old one is pending). On its own socket a dump always completes. */
struct Netlink {
        struct nl_sock *sock;       /* notifications */
        struct nl_sock *dump_sock;  /* our dump requests and their replies */
        int fd, dump_fd;
        uint32_t portid;      /* the dump socket's address: dump replies are sent to it */
        uint32_t seq;
        uint32_t dump_seq;    /* 0: no dump in progress */
        bool dump_intr;       /* the kernel flagged the running dump inconsistent */
        /* Dump replies are sized by the largest buffer recvmsg() has seen; 32 KiB
         * holds any of them, and notifications are far smaller. */
        _Alignas(struct nlmsghdr) uint8_t buf[32768];
};

static int nl_errno(int nle) {
        /* libnl's error space is not errno; keep the few that matter. */
        switch (-abs(nle)) {
        case -NLE_NOMEM:     return -ENOMEM;
        case -NLE_PERM:      return -EPERM;
        case -NLE_NOACCESS:  return -EACCES;
        case -NLE_AF_NOSUPPORT: return -EAFNOSUPPORT;
        default:             return -EIO;
        }
}

static int socket_open(struct nl_sock **ret_sock, int *ret_fd) {
        struct nl_sock *sock;
        int r;

        sock = nl_socket_alloc();
        if (!sock)
                return -ENOMEM;
        r = nl_connect(sock, NETLINK_ROUTE);
        if (r >= 0)
                r = nl_socket_set_nonblocking(sock);
        if (r < 0) {
                nl_socket_free(sock);
                return nl_errno(r);
        }
        *ret_sock = sock;
        *ret_fd = nl_socket_get_fd(sock);
        return 0;
}

/* The kernel announces a new interface twice: first the netconf of its conf/
 * directory, then, a third of a millisecond later for a pod's veth, the RTM_NEWLINK
 * whose ifi_change is ~0U. The netconf is what the daemon acts on (it asks for the
 * name with SIOCGIFNAME); the link message would only wake it once more, with 1.5
 * KiB to copy, at the busiest moment, for nothing. A socket filter drops exactly
 * those in the kernel. Renames (ifi_change 0), flag changes, deletions and every
 * other message pass, and an interface without IPv4 configuration, which has no
 * netconf, has no rp_filter either until it gets one, announced by a netconf.
 * The filter reads the first message of each datagram; notifications carry one.
 * Without it (it cannot fail on Linux, but if it did) nothing is lost but sleep. */
static void attach_filter(int fd) {
        struct sock_filter code[] = {
                /* nlmsg_type: a BPF load is big-endian, the field host-endian */
                BPF_STMT(BPF_LD | BPF_H | BPF_ABS, offsetof(struct nlmsghdr, nlmsg_type)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_NEWLINK), 0, 3),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NLMSG_HDRLEN + offsetof(struct ifinfomsg, ifi_change)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, UINT32_MAX, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, 0),          /* a registration: drop */
                BPF_STMT(BPF_RET | BPF_K, UINT32_MAX), /* anything else: keep */
        };
        struct sock_fprog prog = { .len = ELEMENTSOF(code), .filter = code };

        (void) setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

int netlink_open(bool subscribe, int rcvbuf, Netlink **ret) {
        Netlink *nl;
        int r, size;

        nl = calloc(1, sizeof(Netlink));
        if (!nl)
                return -ENOMEM;
        nl->seq = 1;
        nl->fd = nl->dump_fd = -1;

        r = socket_open(&nl->sock, &nl->fd);
        if (r < 0)
                goto fail;
        r = socket_open(&nl->dump_sock, &nl->dump_fd);
        if (r < 0)
                goto fail;
        nl->portid = nl_socket_get_local_port(nl->dump_sock);

        size = rcvbuf > 0 ? rcvbuf : NETLINK_RCVBUF_DEFAULT;
        if (setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
            setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0) {
                r = -errno;
                goto fail;
        }

        if (subscribe) {
                attach_filter(nl->fd);
                r = nl_socket_add_memberships(nl->sock, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
                                              RTNLGRP_IPV4_NETCONF, 0);
                if (r < 0) {
                        r = nl_errno(r);
                        goto fail;
                }
        }

        *ret = nl;
        return 0;
fail:
        netlink_free(nl);
        return r;
}

int netlink_new_detached(uint32_t portid, uint32_t dump_seq, Netlink **ret) {
        Netlink *nl;

        nl = calloc(1, sizeof(Netlink));
        if (!nl)
                return -ENOMEM;
        nl->fd = nl->dump_fd = -1;
        nl->portid = portid;
        nl->seq = dump_seq;
        nl->dump_seq = dump_seq;
        *ret = nl;
        return 0;
}

Netlink *netlink_free(Netlink *nl) {
        if (!nl)
                return NULL;
        nl_socket_free(nl->sock);
        nl_socket_free(nl->dump_sock);
        free(nl);
        return NULL;
}

int netlink_fd(const Netlink *nl) {
        return nl->fd;
}

int netlink_dump_fd(const Netlink *nl) {
        return nl->dump_fd;
}

bool netlink_dump_pending(const Netlink *nl) {
        return nl->dump_seq != 0;
}

int netlink_request_link_dump(Netlink *nl) {
        struct {
                struct nlmsghdr hdr;
                struct ifinfomsg ifi;
        } req = {
                .hdr = {
                        .nlmsg_len = sizeof(req),
                        .nlmsg_type = RTM_GETLINK,
                        .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
                        .nlmsg_seq = ++nl->seq,
                },
                .ifi = { .ifi_family = AF_UNSPEC },
        };
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

        if (nl->dump_seq != 0)
                return -EBUSY; /* the kernel allows one dump per socket at a time */
        if (sendto(nl->dump_fd, &req, sizeof(req), 0, (struct sockaddr *) &kernel, sizeof(kernel)) < 0)
                return -errno;
        nl->dump_seq = req.hdr.nlmsg_seq;
        nl->dump_intr = false;
        return 0;
}

static void dispatch_link(const struct nlmsghdr *h, bool dump, netlink_handler_t handler, void *userdata) {
        const struct ifinfomsg *ifi;
        const struct nlattr *ifname;
        char name[IFNAMSIZ];
        size_t n;

        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
                return;
        ifi = nlmsg_data(h);
        /* Only the name matters, and the kernel puts it first: a look for one attribute
         * rather than a parse of the sixty-odd a link message carries (which was a
         * sixth of the daemon's instructions per new interface). */
        ifname = nlmsg_find_attr((struct nlmsghdr *) h, sizeof(*ifi), IFLA_IFNAME);
        if (ifi->ifi_index <= 0 || !ifname)
                return;
        /* The kernel sends a NUL-terminated name of at most IFNAMSIZ bytes. */
        n = strnlen(nla_data(ifname), (size_t) nla_len(ifname));
        if (n == 0 || n >= sizeof(name))
                return;
        memcpy(name, nla_data(ifname), n);
        name[n] = '\0';

        handler(&(NetlinkEvent) {
                        .type = h->nlmsg_type == RTM_NEWLINK ? NETLINK_EVENT_LINK_NEW : NETLINK_EVENT_LINK_DEL,
                        .ifindex = ifi->ifi_index,
                        .ifname = name,
                        .dump = dump,
                }, userdata);
}

static void dispatch_addr(const struct nlmsghdr *h, netlink_handler_t handler, void *userdata) {
        const struct ifaddrmsg *ifa;

        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
                return;
        ifa = nlmsg_data(h);
        if (ifa->ifa_family != AF_INET || ifa->ifa_index == 0 || ifa->ifa_index > INT32_MAX)
                return;
        handler(&(NetlinkEvent) { .type = NETLINK_EVENT_ADDR_NEW, .ifindex = (int) ifa->ifa_index }, userdata);
}

static void dispatch_netconf(const struct nlmsghdr *h, netlink_handler_t handler, void *userdata) {
        struct nlattr *tb[NETCONFA_MAX + 1];
        const struct netconfmsg *ncm;
        int ifindex, rp_filter;

        if (nlmsg_parse((struct nlmsghdr *) h, sizeof(*ncm), tb, NETCONFA_MAX, NULL) < 0)
                return;
        ncm = nlmsg_data(h);
        /* Partial notifications carry only the attribute that changed: a forwarding
         * change has no NETCONFA_RP_FILTER and is none of our business. */
        if (ncm->ncm_family != AF_INET || !tb[NETCONFA_IFINDEX] || !tb[NETCONFA_RP_FILTER] ||
            nla_len(tb[NETCONFA_IFINDEX]) < 4 || nla_len(tb[NETCONFA_RP_FILTER]) < 4)
                return;
        ifindex = (int) nla_get_u32(tb[NETCONFA_IFINDEX]);
        rp_filter = (int) nla_get_u32(tb[NETCONFA_RP_FILTER]);
        if (ifindex == 0 || ifindex < NETCONFA_IFINDEX_DEFAULT || rp_filter < 0)
                return;
        handler(&(NetlinkEvent) { .type = NETLINK_EVENT_NETCONF, .ifindex = ifindex, .rp_filter = rp_filter },
                userdata);
}

static void dump_done(Netlink *nl, int error, netlink_handler_t handler, void *userdata) {
        if (error == 0 && nl->dump_intr)
                error = -EAGAIN;
        nl->dump_seq = 0;
        nl->dump_intr = false;
        handler(&(NetlinkEvent) { .type = NETLINK_EVENT_DUMP_DONE, .error = error }, userdata);
}

void netlink_dispatch(Netlink *nl, const void *buf, size_t len, netlink_handler_t handler, void *userdata) {
        const struct nlmsghdr *h;
        int rem = len > INT32_MAX ? INT32_MAX : (int) len;

        for (h = buf; nlmsg_ok(h, rem); h = nlmsg_next((struct nlmsghdr *) h, &rem)) {
                bool ours = nl->dump_seq != 0 && h->nlmsg_seq == nl->dump_seq && h->nlmsg_pid == nl->portid;

                if (ours && (h->nlmsg_flags & NLM_F_DUMP_INTR))
                        nl->dump_intr = true;

                switch (h->nlmsg_type) {
                case RTM_NEWLINK:
                case RTM_DELLINK:
                        dispatch_link(h, ours, handler, userdata);
                        break;
                case RTM_NEWADDR:
                        dispatch_addr(h, handler, userdata);
                        break;
                case RTM_NEWNETCONF:
                        dispatch_netconf(h, handler, userdata);
                        break;
                case NLMSG_DONE:
                        if (ours)
                                dump_done(nl, 0, handler, userdata);
                        break;
                case NLMSG_ERROR:
                        if (ours && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
                                const struct nlmsgerr *e = nlmsg_data(h);
                                /* A -errno, or -EIO: callers pass it to abs() and strerror(). */
                                dump_done(nl, e->error < 0 && e->error > -4096 ? e->error : -EIO, handler,
                                          userdata);
                        }
                        break;
                default:
                        break;
                }
        }
}

/* Datagrams read per call at most: under a flood the event loop still gets to run
 * (watchdog, signals) between batches; the socket stays readable for the rest. */
#define RECEIVE_BUDGET 1024

static int receive_from(Netlink *nl, int fd, netlink_handler_t handler, void *userdata) {
        for (unsigned budget = RECEIVE_BUDGET; budget > 0; budget--) {
                struct sockaddr_nl sender;
                struct iovec iov = { nl->buf, sizeof(nl->buf) };
                struct msghdr msg = {
                        .msg_name = &sender,
                        .msg_namelen = sizeof(sender),
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                };
                ssize_t n;

                n = recvmsg(fd, &msg, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                return 0;
                        if (errno == EINTR)
                                continue;
                        return -errno; /* -ENOBUFS: the kernel dropped notifications */
                }
                if (msg.msg_flags & MSG_TRUNC)
                        return -ENOBUFS; /* part of a message is lost: as bad as an overflow */
                if (sender.nl_pid != 0)
                        continue; /* only the kernel speaks to us */
                netlink_dispatch(nl, nl->buf, (size_t) n, handler, userdata);
        }
        return 0;
}

int netlink_receive(Netlink *nl, netlink_handler_t handler, void *userdata) {
        int r, k;

        r = receive_from(nl, nl->fd, handler, userdata);
        /* The dump socket is read even after an overflow of the other one: a dump
         * must never stall (see struct Netlink). */
        k = receive_from(nl, nl->dump_fd, handler, userdata);
        return r < 0 ? r : k;
}

int netlink_dump_links_sync(Netlink *nl, netlink_handler_t handler, void *userdata) {
        bool overflow = false;
        int r;

        r = netlink_request_link_dump(nl);
        if (r < 0)
                return r;
        while (nl->dump_seq != 0) {
                r = netlink_wait(nl, DUMP_TIMEOUT_MS);
                if (r < 0)
                        return r;
                if (r == 0)
                        return -ETIMEDOUT;
                r = netlink_receive(nl, handler, userdata);
                if (r == -ENOBUFS)
                        overflow = true; /* the dump itself goes on: its replies are not dropped */
                else if (r < 0)
                        return r;
        }
        return overflow ? -ENOBUFS : 0;
}

int netlink_get_ifname(Netlink *nl, int ifindex, char *ret) {
        struct ifreq ifr = { .ifr_ifindex = ifindex };

        /* Any socket answers the device ioctls for its network namespace. */
        if (ioctl(nl->fd, SIOCGIFNAME, &ifr) < 0)
                return -errno;
        ifr.ifr_name[IFNAMSIZ - 1] = '\0';
        memcpy(ret, ifr.ifr_name, IFNAMSIZ);
        return 0;
}

int netlink_wait(Netlink *nl, int timeout_ms) {
        struct pollfd p[] = {
                { .fd = nl->fd, .events = POLLIN },
                { .fd = nl->dump_fd, .events = POLLIN },
        };
        int r;

        r = poll(p, ELEMENTSOF(p), timeout_ms);
        if (r < 0)
                return -errno;
        return r > 0;
}
