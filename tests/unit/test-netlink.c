/* SPDX-License-Identifier: MIT */
/* Unit tests of daemon/netlink's dispatch: datagrams as the kernel sends them, the
 * events they must (and must not) become. Table-driven, no socket, no root: a
 * detached Netlink, or one with a scripted NetlinkTransport for dump retries. */
#include <check.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netconf.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netlink.h"
#include "util.h"

#define PORTID 777
#define SEQ 42

/* ---- building datagrams ------------------------------------------------------------ */

typedef struct Buf {
        _Alignas(struct nlmsghdr) uint8_t b[1024];
        size_t len;
        struct nlmsghdr *h;
} Buf;

static void *msg(Buf *d, uint16_t type, uint16_t flags, uint32_t seq, uint32_t pid, size_t body) {
        d->h = (struct nlmsghdr *) (d->b + d->len);
        memset(d->h, 0, NLMSG_LENGTH(body));
        d->h->nlmsg_type = type;
        d->h->nlmsg_flags = flags;
        d->h->nlmsg_seq = seq;
        d->h->nlmsg_pid = pid;
        d->h->nlmsg_len = NLMSG_LENGTH(body);
        return NLMSG_DATA(d->h);
}

static void attr(Buf *d, uint16_t type, const void *data, size_t len) {
        struct rtattr *a = (struct rtattr *) ((uint8_t *) d->h + NLMSG_ALIGN(d->h->nlmsg_len));

        a->rta_type = type;
        a->rta_len = (unsigned short) RTA_LENGTH(len);
        memcpy(RTA_DATA(a), data, len);
        d->h->nlmsg_len = NLMSG_ALIGN(d->h->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static void end(Buf *d) {
        d->len += NLMSG_ALIGN(d->h->nlmsg_len);
}

static void link_msg(Buf *d, uint16_t type, unsigned char family, int ifindex, const char *name, uint16_t flags,
                     uint32_t seq, uint32_t pid) {
        struct ifinfomsg *ifi = msg(d, type, flags, seq, pid, sizeof(*ifi));

        ifi->ifi_family = family;
        ifi->ifi_index = ifindex;
        attr(d, IFLA_IFNAME, name, strlen(name) + 1);
        end(d);
}

static void netconf_msg(Buf *d, int ifindex, uint32_t rp_filter) {
        struct netconfmsg *ncm = msg(d, RTM_NEWNETCONF, 0, 0, 0, sizeof(*ncm));
        uint32_t v = (uint32_t) ifindex;

        ncm->ncm_family = AF_INET;
        attr(d, NETCONFA_IFINDEX, &v, sizeof(v));
        attr(d, NETCONFA_RP_FILTER, &rp_filter, sizeof(rp_filter));
        end(d);
}

static void done_msg(Buf *d, uint16_t flags, int error) {
        int *p = msg(d, NLMSG_DONE, NLM_F_MULTI | flags, SEQ, PORTID, sizeof(int));

        *p = error;
        end(d);
}

/* ---- recording events --------------------------------------------------------------- */

typedef struct Seen {
        NetlinkEventType type[64];
        int ifindex[64], rp_filter[64], error[64];
        bool dump[64], inconsistent[64];
        char name[64][IFNAMSIZ];
        unsigned n;
} Seen;

static void on_event(const NetlinkEvent *ev, void *userdata) {
        Seen *s = userdata;

        ck_assert_uint_lt(s->n, 64);
        s->type[s->n] = ev->type;
        s->ifindex[s->n] = ev->ifindex;
        s->rp_filter[s->n] = ev->rp_filter;
        s->error[s->n] = ev->error;
        s->dump[s->n] = ev->dump;
        s->inconsistent[s->n] = ev->inconsistent;
        if (ev->ifname)
                (void) snprintf(s->name[s->n], IFNAMSIZ, "%s", ev->ifname);
        s->n++;
}

static void dispatch(Netlink *nl, const Buf *d, Seen *s) {
        *s = (Seen) {};
        netlink_dispatch(nl, d->b, d->len, on_event, s);
}

/* ---- cases ------------------------------------------------------------------------- */

/* Link messages of the bridge family: a port joining or leaving a bridge is not a
 * link created or deleted (issue 9, defect 3). */
START_TEST(test_bridge_family) {
        static const struct {
                uint16_t type;
                unsigned char family;
                unsigned expect;       /* events */
                NetlinkEventType ev;
        } cases[] = {
                { RTM_NEWLINK, AF_UNSPEC, 1, NETLINK_EVENT_LINK_NEW },
                { RTM_DELLINK, AF_UNSPEC, 1, NETLINK_EVENT_LINK_DEL },
                { RTM_NEWLINK, AF_BRIDGE, 0, 0 },
                { RTM_DELLINK, AF_BRIDGE, 0, 0 },
                { RTM_DELLINK, AF_INET6, 0, 0 },
        };
        Netlink *nl = NULL;
        Buf d = {};
        Seen s;

        ck_assert_int_eq(netlink_new_detached(PORTID, 0, &nl), 0);
        link_msg(&d, cases[_i].type, cases[_i].family, 7, "cali1", 0, 0, 0);
        dispatch(nl, &d, &s);
        ck_assert_uint_eq(s.n, cases[_i].expect);
        if (s.n > 0) {
                ck_assert_int_eq(s.type[0], cases[_i].ev);
                ck_assert_int_eq(s.ifindex[0], 7);
                ck_assert_str_eq(s.name[0], "cali1");
        }
        netlink_free(nl);
}
END_TEST

/* Any int the kernel holds is reported as it is (issue 9, defect 6). */
START_TEST(test_netconf_values) {
        static const struct {
                uint32_t wire;
                int value;
        } cases[] = {
                { 0, 0 }, { 1, 1 }, { 2, 2 }, { 3, 3 }, { 100, 100 }, { UINT32_MAX, -1 }, { 0x80000000u, INT32_MIN },
        };
        Netlink *nl = NULL;
        Buf d = {};
        Seen s;

        ck_assert_int_eq(netlink_new_detached(PORTID, 0, &nl), 0);
        netconf_msg(&d, 9, cases[_i].wire);
        dispatch(nl, &d, &s);
        ck_assert_uint_eq(s.n, 1);
        ck_assert_int_eq(s.type[0], NETLINK_EVENT_NETCONF);
        ck_assert_int_eq(s.rp_filter[0], cases[_i].value);
        netlink_free(nl);
}
END_TEST

/* A dump that ends with an error in NLMSG_DONE failed (issue 9, defect 8). */
START_TEST(test_done_error) {
        static const struct {
                int payload;
                int error;
        } cases[] = {
                { 0, 0 }, { -EINTR, -EINTR }, { -ENOBUFS, -ENOBUFS }, { -EMSGSIZE, -EMSGSIZE },
                { -100000, -EIO }, /* not an errno: still a failure */
                { 5, 0 },          /* positive: no error */
        };
        Netlink *nl = NULL;
        Buf d = {};
        Seen s;

        ck_assert_int_eq(netlink_new_detached(PORTID, SEQ, &nl), 0);
        link_msg(&d, RTM_NEWLINK, AF_UNSPEC, 3, "eth0", NLM_F_MULTI, SEQ, PORTID);
        done_msg(&d, 0, cases[_i].payload);
        dispatch(nl, &d, &s);
        ck_assert_uint_eq(s.n, 2);
        ck_assert_int_eq(s.type[0], NETLINK_EVENT_LINK_NEW);
        ck_assert(s.dump[0]);
        ck_assert_int_eq(s.type[1], NETLINK_EVENT_DUMP_DONE);
        ck_assert_int_eq(s.error[1], cases[_i].error);
        ck_assert(!netlink_dump_pending(nl));
        netlink_free(nl);
}
END_TEST

/* Messages of another sequence or port are not our dump's. */
START_TEST(test_not_ours) {
        Netlink *nl = NULL;
        Buf d = {};
        Seen s;

        ck_assert_int_eq(netlink_new_detached(PORTID, SEQ, &nl), 0);
        link_msg(&d, RTM_NEWLINK, AF_UNSPEC, 3, "eth0", NLM_F_MULTI, SEQ + 1, PORTID);
        link_msg(&d, RTM_NEWLINK, AF_UNSPEC, 4, "eth1", NLM_F_MULTI, SEQ, PORTID + 1);
        dispatch(nl, &d, &s);
        ck_assert_uint_eq(s.n, 2);
        ck_assert(!s.dump[0] && !s.dump[1]);
        ck_assert(netlink_dump_pending(nl));
        netlink_free(nl);
}
END_TEST

/* ---- dumps the kernel flags inconsistent: retried, a bounded number of times ---------- */

typedef struct Script {
        unsigned requests;
        unsigned intr_until;   /* dumps 1..intr_until are flagged NLM_F_DUMP_INTR */
        uint32_t seq;
        bool pending;
} Script;

static ssize_t s_recv(void *userdata, NetlinkSocket socket, void *buf, size_t size) {
        Script *sc = userdata;
        Buf d = {};

        if (socket != NETLINK_SOCKET_DUMP || !sc->pending)
                return -EAGAIN;
        sc->pending = false;
        link_msg(&d, RTM_NEWLINK, AF_UNSPEC, 5, "cali5",
                 NLM_F_MULTI | (sc->requests <= sc->intr_until ? NLM_F_DUMP_INTR : 0), sc->seq, PORTID);
        {
                int *p = msg(&d, NLMSG_DONE, NLM_F_MULTI | (sc->requests <= sc->intr_until ? NLM_F_DUMP_INTR : 0),
                             sc->seq, PORTID, sizeof(int));
                *p = 0;
                end(&d);
        }
        ck_assert_uint_le(d.len, size);
        memcpy(buf, d.b, d.len);
        return (ssize_t) d.len;
}

static int s_request(void *userdata, uint32_t seq) {
        Script *sc = userdata;

        sc->requests++;
        sc->seq = seq;
        sc->pending = true;
        return 0;
}

static int s_ifname(void *userdata, int ifindex, char *ret) {
        (void) userdata, (void) ifindex, (void) ret;
        return -ENODEV;
}

static const NetlinkTransport script_transport = { .recv = s_recv, .request_dump = s_request, .get_ifname = s_ifname };

START_TEST(test_dump_retries) {
        /* How many dumps come flagged inconsistent, and what the caller must see. */
        static const struct {
                unsigned intr;
                unsigned requests, restarts;
                bool inconsistent;
        } cases[] = {
                { 0, 1, 0, false },
                { 1, 2, 1, false },
                { 3, 4, 3, false },
                { NETLINK_DUMP_RETRIES, NETLINK_DUMP_RETRIES + 1, NETLINK_DUMP_RETRIES, false },
                { NETLINK_DUMP_RETRIES + 1, NETLINK_DUMP_RETRIES + 1, NETLINK_DUMP_RETRIES, true },
                { 1000, NETLINK_DUMP_RETRIES + 1, NETLINK_DUMP_RETRIES, true },
        };
        Script sc = { .intr_until = cases[_i].intr };
        unsigned restarts = 0, dones = 0, entries = 0;
        Netlink *nl = NULL;
        Seen s;

        ck_assert_int_eq(netlink_new_transport(&script_transport, &sc, PORTID, &nl), 0);
        ck_assert_int_eq(netlink_request_link_dump(nl), 0);
        for (unsigned k = 0; k < 100 && netlink_dump_pending(nl); k++) {
                s = (Seen) {};
                ck_assert_int_eq(netlink_receive(nl, on_event, &s), 0);
                for (unsigned j = 0; j < s.n; j++) {
                        if (s.type[j] == NETLINK_EVENT_DUMP_RESTART)
                                restarts++;
                        else if (s.type[j] == NETLINK_EVENT_DUMP_DONE) {
                                dones++;
                                ck_assert_int_eq(s.error[j], 0);
                                ck_assert_int_eq(s.inconsistent[j], cases[_i].inconsistent);
                        } else if (s.type[j] == NETLINK_EVENT_LINK_NEW && s.dump[j])
                                entries++;
                }
        }
        ck_assert(!netlink_dump_pending(nl));
        ck_assert_uint_eq(sc.requests, cases[_i].requests);
        ck_assert_uint_eq(restarts, cases[_i].restarts);
        ck_assert_uint_eq(dones, 1);
        ck_assert_uint_eq(entries, cases[_i].requests);
        netlink_free(nl);
}
END_TEST

/* After an overflow, netlink_drain() empties the queue: everything, errors included. */
typedef struct Queue {
        unsigned n;         /* datagrams queued */
        bool enobufs;       /* one ENOBUFS in the middle */
        unsigned read;
} Queue;

static ssize_t q_recv(void *userdata, NetlinkSocket socket, void *buf, size_t size) {
        Queue *q = userdata;
        Buf d = {};

        if (socket != NETLINK_SOCKET_EVENTS || q->read >= q->n)
                return -EAGAIN;
        q->read++;
        if (q->enobufs && q->read == q->n / 2)
                return -ENOBUFS;
        netconf_msg(&d, 3, 2);
        ck_assert_uint_le(d.len, size);
        memcpy(buf, d.b, d.len);
        return (ssize_t) d.len;
}

static const NetlinkTransport queue_transport = { .recv = q_recv, .request_dump = s_request, .get_ifname = s_ifname };

START_TEST(test_drain) {
        static const struct {
                unsigned n;
                bool enobufs;
                int discarded;
        } cases[] = {
                { 0, false, 0 }, { 1, false, 1 }, { 500, false, 500 }, { 10, true, 9 }, { 3000, true, 2999 },
        };
        Queue q = { .n = cases[_i].n, .enobufs = cases[_i].enobufs };
        Netlink *nl = NULL;

        ck_assert_int_eq(netlink_new_transport(&queue_transport, &q, PORTID, &nl), 0);
        ck_assert_int_eq(netlink_drain(nl), cases[_i].discarded);
        ck_assert_uint_eq(q.read, q.n);
        netlink_free(nl);
}
END_TEST

static Suite *netlink_suite(void) {
        Suite *s = suite_create("netlink");
        TCase *tc = tcase_create("dispatch");

        tcase_add_loop_test(tc, test_bridge_family, 0, 5);
        tcase_add_loop_test(tc, test_netconf_values, 0, 7);
        tcase_add_loop_test(tc, test_done_error, 0, 6);
        tcase_add_test(tc, test_not_ours);
        tcase_add_loop_test(tc, test_dump_retries, 0, 6);
        tcase_add_loop_test(tc, test_drain, 0, 5);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(netlink_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
