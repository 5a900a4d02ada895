/* SPDX-License-Identifier: MIT */
/* rpfguard-writers: the event the cgroup/sysctl program sends for each write to an
 * rp_filter file, shared by the BPF program and the daemon. Layout only, no code. */
#pragma once

#define WRITER_COMM_LEN 16
#define WRITER_NAME_LEN 64   /* "net/ipv4/conf/" + IFNAMSIZ - 1 + "/rp_filter" = 39 */
#define WRITER_VALUE_LEN 16

struct writer_event {
        unsigned long long time_ns;    /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
        unsigned long long cgroup_id;  /* the writer's cgroup2 id (its directory's inode) */
        unsigned int tgid;             /* the process, in rpfguard's PID namespace; 0: not in it */
        unsigned int reserved;
        int name_len;                  /* bpf_sysctl_get_name(): length, or -E2BIG */
        int value_len;                 /* bpf_sysctl_get_new_value(): length, or -errno */
        char comm[WRITER_COMM_LEN];    /* the thread's command */
        char name[WRITER_NAME_LEN];    /* "net/ipv4/conf/IFNAME/rp_filter" */
        char value[WRITER_VALUE_LEN];  /* what was written, e.g. "2\n" (not terminated) */
};
