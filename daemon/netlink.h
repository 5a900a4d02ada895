/* SPDX-License-Identifier: MIT */
/* netlink: the rtnetlink socket — group membership, link dumps, receive and parse —
 * handing out plain NetlinkEvent structs. The only file that sees libnl and -NLE_*. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct Netlink Netlink;

typedef enum NetlinkEventType {
        NETLINK_EVENT_LINK_NEW,  /* RTM_NEWLINK: dump reply or notification */
        NETLINK_EVENT_LINK_DEL,  /* RTM_DELLINK */
        NETLINK_EVENT_ADDR_NEW,  /* RTM_NEWADDR, IPv4 */
        NETLINK_EVENT_NETCONF,   /* RTM_NEWNETCONF, IPv4, carrying rp_filter */
        NETLINK_EVENT_DUMP_RESTART, /* the kernel flagged our dump inconsistent: it is being
                                     * repeated, the entries so far may be incomplete */
        NETLINK_EVENT_DUMP_DONE, /* the end of our link dump */
        _NETLINK_EVENT_MAX,
} NetlinkEventType;

typedef struct NetlinkEvent {
        NetlinkEventType type;
        int ifindex;         /* NETCONF: also NETCONFA_IFINDEX_ALL (-1) / _DEFAULT (-2) */
        const char *ifname;  /* LINK_NEW, LINK_DEL; valid during the callback only */
        int rp_filter;       /* NETCONF: any int, as the kernel accepts any */
        bool dump;           /* LINK_NEW: part of our dump reply */
        int error;           /* DUMP_DONE: 0 or the kernel's -errno */
        bool inconsistent;   /* DUMP_DONE: still flagged inconsistent after every retry */
} NetlinkEvent;

typedef void (*netlink_handler_t)(const NetlinkEvent *ev, void *userdata);

/* Receive buffer asked for by default: large, so a burst of thousands of new
 * interfaces does not overflow while the daemon is busy (SO_RCVBUFFORCE needs
 * CAP_NET_ADMIN, which rpfguard has anyway; plain SO_RCVBUF otherwise). */
#define NETLINK_RCVBUF_DEFAULT (32 * 1024 * 1024)

/* How often a dump the kernel flags inconsistent (NLM_F_DUMP_INTR: links changed
 * while it ran) is repeated before it is taken as it is. */
#define NETLINK_DUMP_RETRIES 10

typedef enum NetlinkSocket {
        NETLINK_SOCKET_EVENTS,  /* the subscribed one */
        NETLINK_SOCKET_DUMP,    /* our dump requests and their replies */
        _NETLINK_SOCKET_MAX,
} NetlinkSocket;

/* What a Netlink does its I/O through instead of the kernel: the simulation's model
 * of it (tests/sim). Everything else — dispatch, dump bookkeeping, retries, the
 * drain after an overflow — is the same code as with the kernel. */
typedef struct NetlinkTransport {
        /* One datagram of SOCKET into BUF: its length; -EAGAIN when none is queued;
         * -ENOBUFS when messages were dropped (reported once, as the kernel does). */
        ssize_t (*recv)(void *userdata, NetlinkSocket socket, void *buf, size_t size);
        /* A link dump request with sequence number SEQ, replies to the portid given to
         * netlink_new_transport(). */
        int (*request_dump)(void *userdata, uint32_t seq);
        /* SIOCGIFNAME: 0, or -ENODEV. */
        int (*get_ifname)(void *userdata, int ifindex, char *ret);
} NetlinkTransport;

/* Open a NETLINK_ROUTE socket. With SUBSCRIBE, join RTNLGRP_LINK,
 * RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV4_NETCONF at once — before any dump — so that
 * no change falls between a dump and the subscription. RCVBUF: bytes, 0 = default. */
int netlink_open(bool subscribe, int rcvbuf, Netlink **ret);
/* For fuzzing and tests only: a Netlink without a socket, for netlink_dispatch().
 * When DUMP_SEQ is not 0, a link dump is taken to be pending: messages with that
 * sequence number sent to PORTID are its replies. Nothing can be sent or received. */
int netlink_new_detached(uint32_t portid, uint32_t dump_seq, Netlink **ret);
/* A Netlink whose I/O goes through TRANSPORT (kept by reference) with USERDATA. */
int netlink_new_transport(const NetlinkTransport *transport, void *userdata, uint32_t portid, Netlink **ret);
Netlink *netlink_free(Netlink *nl);
/* The receive buffer size asked for and the one the kernel granted (as SO_RCVBUF
 * reports it): smaller when SO_RCVBUFFORCE was refused (no CAP_NET_ADMIN in the
 * initial user namespace) and net.core.rmem_max capped SO_RCVBUF. */
void netlink_get_rcvbuf(const Netlink *nl, int *ret_asked, int *ret_granted);
/* The notification socket and the dump socket: both belong in the event loop. */
int netlink_fd(const Netlink *nl);
int netlink_dump_fd(const Netlink *nl);

/* Ask for a dump of every link; the replies come through netlink_receive() as
 * LINK_NEW events with .dump set, then one DUMP_DONE. A dump the kernel flags
 * inconsistent is repeated (DUMP_RESTART, then the entries again) up to
 * NETLINK_DUMP_RETRIES times. -EBUSY while one is pending. */
int netlink_request_link_dump(Netlink *nl);
bool netlink_dump_pending(const Netlink *nl);

/* Read and dispatch every message queued on both sockets now, without blocking.
 * Returns 0 when drained; -ENOBUFS when the kernel dropped messages because the
 * socket overflowed (the caller must netlink_drain(), then resync); another -errno
 * on failure. */
int netlink_receive(Netlink *nl, netlink_handler_t handler, void *userdata);

/* After an overflow: read and discard every notification queued, until none is
 * left. The kernel reports no further overflow until the queue has been emptied
 * once, so anything dropped meanwhile would be lost without a word; whatever was
 * queued is older than the dump that must follow. Dump replies are not touched.
 * Returns the number of datagrams discarded, or -errno. */
int netlink_drain(Netlink *nl);

/* The current name of IFINDEX (SIOCGIFNAME on the socket: one syscall, no
 * allocation) into RET (IFNAMSIZ bytes). 0, or -ENODEV when there is no such
 * interface any more. */
int netlink_get_ifname(Netlink *nl, int ifindex, char *ret);

/* Block up to TIMEOUT_MS for the socket to become readable; 0 on timeout, 1 when
 * readable, -errno. For the one-shot commands, which have no event loop. */
int netlink_wait(Netlink *nl, int timeout_ms);

/* Dump every link and wait for the end of it, dispatching everything that arrives
 * meanwhile (notifications included). 0; -ENOBUFS when notifications were lost
 * (the dump itself completed; the queue has been drained); -ETIMEDOUT; another
 * -errno. For the one-shot commands, which have no event loop. */
int netlink_dump_links_sync(Netlink *nl, netlink_handler_t handler, void *userdata);

/* Parse and dispatch one buffer of rtnetlink messages as received from the kernel.
 * Malformed messages are skipped. Exposed for fuzzing and tests. */
void netlink_dispatch(Netlink *nl, const void *buf, size_t len, netlink_handler_t handler, void *userdata);
