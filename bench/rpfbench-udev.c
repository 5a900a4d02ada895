/* SPDX-License-Identifier: MIT */
/* rpfbench-udev: the stock path of a systemd node, without udevd around it. For every
 * new interface (RTM_NEWLINK of an ifindex not seen before) it runs what udev's
 * 99-systemd.rules runs on ACTION=="add", SUBSYSTEM=="net", KERNEL!="lo":
 *   systemd-sysctl --prefix=/net/ipv4/conf/$name --prefix=/net/ipv4/neigh/$name
 *                  --prefix=/net/ipv6/conf/$name --prefix=/net/ipv6/neigh/$name
 * at most JOBS at a time (default 1: one event after the other), in arrival order.
 * It is a lower bound of udev's cost: no udevd worker, rule matching or sysfs reads. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtnl.h"

extern char **environ;

#define DUMP_SEQ 4242

static const char *sysctl_bin = "/lib/systemd/systemd-sysctl";

static unsigned char *seen;     /* by ifindex: 1 once its "add" was queued */
static size_t n_seen;
static char (*queue)[IFNAMSIZ]; /* ring of names waiting for a job */
static size_t q_head, q_len, q_alloc;
static unsigned long n_spawned, n_failed, n_enobufs;

static void die(const char *what) {
        perror(what);
        exit(1);
}

static void queue_push(const char *name) {
        if (q_len == q_alloc) {
                size_t n = q_alloc ? 2 * q_alloc : 1024;
                char (*q)[IFNAMSIZ] = malloc(n * IFNAMSIZ);

                if (!q)
                        die("malloc");
                for (size_t k = 0; k < q_len; k++)
                        memcpy(q[k], queue[(q_head + k) % q_alloc], IFNAMSIZ);
                free(queue);
                queue = q;
                q_alloc = n;
                q_head = 0;
        }
        (void) snprintf(queue[(q_head + q_len) % q_alloc], IFNAMSIZ, "%s", name);
        q_len++;
}

static bool mark_seen(int ifindex) {
        if ((size_t) ifindex >= n_seen) {
                size_t n = (size_t) ifindex * 2 + 64;

                seen = realloc(seen, n);
                if (!seen)
                        die("realloc");
                memset(seen + n_seen, 0, n - n_seen);
                n_seen = n;
        }
        if (seen[ifindex])
                return false;
        seen[ifindex] = 1;
        return true;
}

static void on_link(const struct nlmsghdr *h, bool startup) {
        const struct ifinfomsg *ifi = NLMSG_DATA(h);
        const struct nlattr *name;
        char buf[IFNAMSIZ];
        int len;

        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)) || ifi->ifi_index <= 0)
                return;
        if (h->nlmsg_type == RTM_DELLINK) {
                if ((size_t) ifi->ifi_index < n_seen)
                        seen[ifi->ifi_index] = 0; /* "remove": a later ifindex reuse is an "add" */
                return;
        }
        len = (int) h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*ifi)));
        name = rtnl_attr_find((const char *) ifi + NLMSG_ALIGN(sizeof(*ifi)), len, IFLA_IFNAME);
        if (!name || name->nla_len <= NLA_HDRLEN)
                return;
        (void) snprintf(buf, sizeof(buf), "%.*s", (int) (name->nla_len - NLA_HDRLEN), (const char *) (name + 1));
        if (!mark_seen(ifi->ifi_index) || startup)
                return; /* already there: no "add" event */
        if (strcmp(buf, "lo") != 0)
                queue_push(buf);
}

/* Returns true once the start-up dump is complete. */
static bool drain(int fd, bool startup) {
        static _Alignas(struct nlmsghdr) char buf[65536];
        bool done = false;

        for (;;) {
                ssize_t n = rtnl_recv(fd, buf, sizeof(buf), &n_enobufs);
                int rem;

                if (n == 0)
                        return done;
                rem = (int) n;
                for (const struct nlmsghdr *h = (const void *) buf; NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem)) {
                        if (h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK)
                                /* Our dump's replies: interfaces that were there before us. */
                                on_link(h, startup && (h->nlmsg_flags & NLM_F_MULTI) && h->nlmsg_seq == DUMP_SEQ);
                        else if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
                                done = true;
                }
        }
}

static void spawn(const char *name) {
        char p[4][64];
        char *argv[] = { (char *) sysctl_bin, p[0], p[1], p[2], p[3], NULL };
        posix_spawnattr_t attr;
        sigset_t none;
        pid_t pid;

        (void) snprintf(p[0], sizeof(p[0]), "--prefix=/net/ipv4/conf/%s", name);
        (void) snprintf(p[1], sizeof(p[1]), "--prefix=/net/ipv4/neigh/%s", name);
        (void) snprintf(p[2], sizeof(p[2]), "--prefix=/net/ipv6/conf/%s", name);
        (void) snprintf(p[3], sizeof(p[3]), "--prefix=/net/ipv6/neigh/%s", name);
        /* posix_spawn: vfork+exec, the cheapest way a daemon can start a program. */
        sigemptyset(&none);
        if (posix_spawnattr_init(&attr) != 0 || posix_spawnattr_setsigmask(&attr, &none) != 0 ||
            posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK) != 0)
                die("posix_spawnattr");
        if (posix_spawn(&pid, sysctl_bin, NULL, &attr, argv, environ) != 0)
                die("posix_spawn");
        (void) posix_spawnattr_destroy(&attr);
        n_spawned++;
}

static unsigned reap(void) {
        unsigned n = 0;
        int status;

        while (waitpid(-1, &status, WNOHANG) > 0) {
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        n_failed++;
                n++;
        }
        return n;
}

int main(int argc, char *argv[]) {
        static const int groups[] = { RTNLGRP_LINK, 0 };
        unsigned jobs = 1, running = 0;
        const char *ready = NULL;
        struct pollfd p[2];
        bool stop = false;
        sigset_t mask;
        int fd, opt;

        while ((opt = getopt(argc, argv, "j:s:r:")) != -1) {
                switch (opt) {
                case 'j': jobs = (unsigned) atoi(optarg); break;
                case 's': sysctl_bin = optarg; break;
                case 'r': ready = optarg; break;
                default:
                        fprintf(stderr, "usage: rpfbench-udev [-j JOBS] [-s SYSTEMD-SYSCTL] [-r READY-FILE]\n");
                        return 2;
                }
        }
        if (jobs < 1)
                jobs = 1;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGCHLD);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);

        /* Subscribe first, dump second: the interfaces already there get no "add". */
        fd = rtnl_open(groups);
        if (fd < 0) {
                errno = -fd;
                die("rtnetlink");
        }
        if (rtnl_request_link_dump(fd, DUMP_SEQ) < 0)
                die("link dump");
        p[0] = (struct pollfd) { .fd = fd, .events = POLLIN };
        p[1] = (struct pollfd) { .fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK), .events = POLLIN };
        if (p[1].fd < 0)
                die("signalfd");
        while (!drain(fd, true))
                (void) poll(p, 1, 1000);
        if (ready)
                (void) close(open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));

        while (!stop || running > 0) {
                struct signalfd_siginfo si;

                while (!stop && running < jobs && q_len > 0) {
                        spawn(queue[q_head]);
                        q_head = (q_head + 1) % q_alloc;
                        q_len--;
                        running++;
                }
                if (poll(p, 2, -1) < 0 && errno != EINTR)
                        die("poll");
                if (p[0].revents)
                        (void) drain(fd, false);
                if (p[1].revents) {
                        while (read(p[1].fd, &si, sizeof(si)) == sizeof(si))
                                if (si.ssi_signo != SIGCHLD)
                                        stop = true;
                        running -= reap();
                }
        }
        fprintf(stderr, "rpfbench-udev: %lu runs of %s, %lu failed, %lu overflows, %zu not run\n", n_spawned,
                sysctl_bin, n_failed, n_enobufs, q_len);
        return 0;
}
