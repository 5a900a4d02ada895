/* SPDX-License-Identifier: MIT */
/* rpfbench-notify: a NOTIFY_SOCKET that swallows sd_notify() datagrams, as PID 1
 * would, and on SIGTERM prints how many it got. Measures nothing else. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        unsigned long n = 0;
        struct pollfd p[2];
        char buf[4096];
        sigset_t mask;

        if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "usage: rpfbench-notify PATH\n");
                return 2;
        }
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);
        strcpy(sa.sun_path, argv[1]);
        p[0] = (struct pollfd) { .fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), .events = POLLIN };
        p[1] = (struct pollfd) { .fd = signalfd(-1, &mask, SFD_CLOEXEC), .events = POLLIN };
        if (p[0].fd < 0 || p[1].fd < 0 || bind(p[0].fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                perror("rpfbench-notify");
                return 1;
        }
        /* As PID 1 does: a big buffer, so a burst of STATUS= never blocks the sender. */
        {
                int size = 8 * 1024 * 1024;
                (void) setsockopt(p[0].fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
        }
        for (;;) {
                if (poll(p, 2, -1) < 0 && errno != EINTR)
                        break;
                while (recv(p[0].fd, buf, sizeof(buf), 0) >= 0)
                        n++;
                if (p[1].revents)
                        break;
        }
        printf("%lu\n", n);
        return 0;
}
