/* SPDX-License-Identifier: MIT */
/* fuzz-netlink: libFuzzer target for the rtnetlink receive path. The input bytes are
 * one datagram as recvmsg() would return it; netlink_dispatch() must parse whatever it
 * holds without crashing, and hand out only events that keep netlink.h's promises. */
#define _GNU_SOURCE
#undef NDEBUG /* the asserts are the oracle */
#include <assert.h>
#include <linux/netconf.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>

#include "netlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The receive buffer of netlink.c: the same size and alignment, so that parsing sees
 * what it would see after a real recvmsg(); longer datagrams would be truncated and
 * reported as an overflow before parsing. */
static _Alignas(struct nlmsghdr) uint8_t buf[32768];

typedef struct State {
        Netlink *nl;
        bool dump;          /* a dump was pending when the datagram arrived */
        unsigned n_done;
} State;

static void on_event(const NetlinkEvent *ev, void *userdata) {
        State *s = userdata;
        size_t n;

        switch (ev->type) {
        case NETLINK_EVENT_LINK_NEW:
        case NETLINK_EVENT_LINK_DEL:
                assert(ev->ifindex > 0);
                assert(ev->ifname);
                /* NUL-terminated within IFNAMSIZ, not empty. */
                n = strnlen(ev->ifname, IFNAMSIZ);
                assert(n > 0 && n < IFNAMSIZ);
                /* Only replies to a pending dump are marked as such. */
                assert(!ev->dump || (s->dump && s->n_done == 0));
                break;
        case NETLINK_EVENT_ADDR_NEW:
                assert(ev->ifindex > 0);
                break;
        case NETLINK_EVENT_NETCONF:
                assert(ev->ifindex > 0 || ev->ifindex == NETCONFA_IFINDEX_ALL ||
                       ev->ifindex == NETCONFA_IFINDEX_DEFAULT);
                /* Any int: the kernel accepts any, and every other value is drift. */
                break;
        case NETLINK_EVENT_DUMP_RESTART:
                /* Detached: a repeat cannot be sent, so an inconsistent dump ends as DONE. */
                assert(false);
                break;
        case NETLINK_EVENT_DUMP_DONE:
                /* Once per dump, and only for ours. */
                assert(s->dump && s->n_done == 0);
                s->n_done++;
                assert(!netlink_dump_pending(s->nl));
                /* 0 or a -errno that log.c can hand to strerror() and abs(). */
                assert(ev->error <= 0 && ev->error > -4096);
                break;
        default:
                assert(!"unknown event type");
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        State s = {};
        uint32_t portid = 0, seq = 0;

        if (size > sizeof(buf))
                return 0;
        memcpy(buf, data, size);

        /* A datagram that starts with a multi-part message is taken for the reply to
         * our own dump, as the captured dumps in the corpus are: its sequence number and
         * port become the pending dump's, so the dump paths are reached too. */
        if (size >= sizeof(struct nlmsghdr)) {
                const struct nlmsghdr *h = (const struct nlmsghdr *) buf;

                if ((h->nlmsg_flags & NLM_F_MULTI) && h->nlmsg_seq != 0) {
                        portid = h->nlmsg_pid;
                        seq = h->nlmsg_seq;
                }
        }
        if (netlink_new_detached(portid, seq, &s.nl) < 0)
                return 0;
        s.dump = seq != 0;
        assert(netlink_dump_pending(s.nl) == s.dump);

        netlink_dispatch(s.nl, buf, size, on_event, &s);

        netlink_free(s.nl);
        return 0;
}
