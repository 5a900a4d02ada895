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
        const NetlinkTransport *transport; /* instead of the sockets (tests/sim) */
        void *transport_userdata;
        uint32_t portid;      /* the dump socket's address: dump replies are sent to it */
        uint32_t seq;
        uint32_t dump_seq;    /* 0: no dump in progress */
        bool dump_intr;       /* the kernel flagged the running dump inconsistent */
        unsigned dump_retries; /* repeats of the running dump so far */
        int rcvbuf_asked, rcvbuf_granted;
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
        socklen_t optlen;
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
        /* Plain SO_RCVBUF is capped at net.core.rmem_max without a word: ask what we
         * got. The kernel reports twice the size set (its bookkeeping overhead). */
        nl->rcvbuf_asked = size;
        optlen = sizeof(nl->rcvbuf_granted);
        if (getsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &nl->rcvbuf_granted, &optlen) < 0)
                nl->rcvbuf_granted = 0;

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

int netlink_new_transport(const NetlinkTransport *transport, void *userdata, uint32_t portid, Netlink **ret) {
        Netlink *nl;
        int r;

        r = netlink_new_detached(portid, 0, &nl);
        if (r < 0)
                return r;
        nl->seq = 1;
        nl->transport = transport;
        nl->transport_userdata = userdata;
        *ret = nl;
        return 0;
}

void netlink_get_rcvbuf(const Netlink *nl, int *ret_asked, int *ret_granted) {
        *ret_asked = nl->rcvbuf_asked;
        *ret_granted = nl->rcvbuf_granted;
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

static int send_dump_request(Netlink *nl) {
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
        int r;

        if (nl->transport)
                r = nl->transport->request_dump(nl->transport_userdata, req.hdr.nlmsg_seq);
        else if (nl->dump_fd < 0)
                r = -ENOTCONN; /* detached: nothing can be sent */
        else
                r = sendto(nl->dump_fd, &req, sizeof(req), 0, (struct sockaddr *) &kernel, sizeof(kernel)) < 0
                            ? -errno : 0;
        if (r < 0)
                return r;
        nl->dump_seq = req.hdr.nlmsg_seq;
        nl->dump_intr = false;
        return 0;
}

int netlink_request_link_dump(Netlink *nl) {
        if (nl->dump_seq != 0)
                return -EBUSY; /* the kernel allows one dump per socket at a time */
        nl->dump_retries = 0;
        return send_dump_request(nl);
}

static void dispatch_link(const struct nlmsghdr *h, bool dump, netlink_handler_t handler, void *userdata) {
        const struct ifinfomsg *ifi;
        const struct nlattr *ifname;
        char name[IFNAMSIZ];
        size_t n;

        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
                return;
        ifi = nlmsg_data(h);
        /* AF_BRIDGE link messages announce a port joining (RTM_NEWLINK) or leaving
         * (RTM_DELLINK) a bridge: the interface itself stays. Only AF_UNSPEC ones
         * are creations, renames and deletions. */
        if (ifi->ifi_family != AF_UNSPEC)
                return;
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
        /* The kernel keeps an int and sends it as such: -1 arrives as 0xffffffff. */
        rp_filter = (int) nla_get_u32(tb[NETCONFA_RP_FILTER]);
        if (ifindex == 0 || ifindex < NETCONFA_IFINDEX_DEFAULT)
                return;
        handler(&(NetlinkEvent) { .type = NETLINK_EVENT_NETCONF, .ifindex = ifindex, .rp_filter = rp_filter },
                userdata);
}

static void dump_done(Netlink *nl, int error, netlink_handler_t handler, void *userdata) {
        bool inconsistent = error == 0 && nl->dump_intr;

        nl->dump_seq = 0;
        nl->dump_intr = false;
        /* Links changed while the kernel walked them: an entry may have been missed.
         * Ask again, a bounded number of times: under constant churn a dump that is
         * never consistent is still better than none. */
        if (inconsistent && nl->dump_retries < NETLINK_DUMP_RETRIES) {
                nl->dump_retries++;
                if (send_dump_request(nl) >= 0) {
                        handler(&(NetlinkEvent) { .type = NETLINK_EVENT_DUMP_RESTART }, userdata);
                        return;
                }
        }
        handler(&(NetlinkEvent) { .type = NETLINK_EVENT_DUMP_DONE, .error = error, .inconsistent = inconsistent },
                userdata);
}

/* A -errno that log.c can hand to abs() and strerror(), whatever the kernel sent. */
static int kernel_error(int e) {
        return e < 0 && e > -4096 ? e : -EIO;
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
                        if (ours) {
                                int e = 0;

                                /* A dump that failed half-way ends with NLMSG_DONE carrying
                                 * the -errno (an int payload; older kernels send none). */
                                if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
                                        memcpy(&e, nlmsg_data(h), sizeof(int));
                                dump_done(nl, e < 0 ? kernel_error(e) : 0, handler, userdata);
                        }
                        break;
                case NLMSG_ERROR:
                        if (ours && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
                                const struct nlmsgerr *e = nlmsg_data(h);
                                dump_done(nl, kernel_error(e->error), handler, userdata);
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

/* One datagram of SOCKET into nl->buf: its length, -EAGAIN when none is queued,
 * -ENOBUFS after an overflow, another -errno. Datagrams not from the kernel are
 * passed over (0). */
static ssize_t receive_one(Netlink *nl, NetlinkSocket socket) {
        struct sockaddr_nl sender;
        struct iovec iov = { nl->buf, sizeof(nl->buf) };
        struct msghdr msg = {
                .msg_name = &sender,
                .msg_namelen = sizeof(sender),
                .msg_iov = &iov,
                .msg_iovlen = 1,
        };
        ssize_t n;

        if (nl->transport)
                return nl->transport->recv(nl->transport_userdata, socket, nl->buf, sizeof(nl->buf));
        if (nl->fd < 0)
                return -EAGAIN;
        do
                n = recvmsg(socket == NETLINK_SOCKET_DUMP ? nl->dump_fd : nl->fd, &msg, MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno; /* -ENOBUFS: notifications dropped */
        if (msg.msg_flags & MSG_TRUNC)
                return -ENOBUFS; /* part of a message is lost: as bad as an overflow */
        if (sender.nl_pid != 0)
                return 0; /* only the kernel speaks to us */
        return n;
}

static int receive_from(Netlink *nl, NetlinkSocket socket, netlink_handler_t handler, void *userdata) {
        for (unsigned budget = RECEIVE_BUDGET; budget > 0; budget--) {
                ssize_t n = receive_one(nl, socket);

                if (n == -EAGAIN)
                        return 0;
                if (n < 0)
                        return (int) n;
                netlink_dispatch(nl, nl->buf, (size_t) n, handler, userdata);
        }
        return 0;
}

int netlink_receive(Netlink *nl, netlink_handler_t handler, void *userdata) {
        int r, k;

        r = receive_from(nl, NETLINK_SOCKET_EVENTS, handler, userdata);
        /* The dump socket is read even after an overflow of the other one: a dump
         * must never stall (see struct Netlink). */
        k = receive_from(nl, NETLINK_SOCKET_DUMP, handler, userdata);
        return r < 0 ? r : k;
}

int netlink_drain(Netlink *nl) {
        int n = 0;

        for (;;) {
                ssize_t k = receive_one(nl, NETLINK_SOCKET_EVENTS);

                if (k == -EAGAIN)
                        return n;
                if (k == -ENOBUFS)
                        continue; /* another overflow while draining: still draining */
                if (k < 0)
                        return (int) k;
                if (n < INT32_MAX)
                        n++;
        }
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
                if (r == -ENOBUFS) {
                        /* The dump itself goes on: its replies are not dropped. */
                        overflow = true;
                        r = netlink_drain(nl);
                }
                if (r < 0)
                        return r;
        }
        return overflow ? -ENOBUFS : 0;
}

int netlink_get_ifname(Netlink *nl, int ifindex, char *ret) {
        struct ifreq ifr = { .ifr_ifindex = ifindex };

        if (nl->transport)
                return nl->transport->get_ifname(nl->transport_userdata, ifindex, ret);

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

        if (nl->transport)
                return 1; /* a model answers at once */
        r = poll(p, ELEMENTSOF(p), timeout_ms);
        if (r < 0)
                return -errno;
        return r > 0;
}
