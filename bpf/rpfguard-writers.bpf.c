/* SPDX-License-Identifier: MIT */
/* rpfguard-writers: a cgroup/sysctl program that reports every write to an rp_filter
 * file (who, what, which cgroup) through a ring buffer. It observes only: every
 * access is allowed, reads and all other sysctls pass untouched. */
#include <linux/bpf.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "rpfguard-writers.h"

/* "Dual MIT/GPL": the project's licence, and one the kernel takes as GPL-compatible. */
char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Set before loading. rpfguard's own process (as its PID namespace numbers it):
 * its writes are not reported. */
const volatile __u32 ignore_tgid = 0;
/* rpfguard's PID namespace (the inode of /proc/self/ns/pid): process IDs are
 * reported as rpfguard and its journal see them, not as the initial namespace does. */
const volatile __u32 pidns_inum = 0;
/* Levels of nested PID namespaces looked through (the kernel allows 32). */
#define PIDNS_LEVELS_MAX 8
/* rpfguard's network namespace (the inode of /proc/self/ns/net): the sysctl path
 * names no namespace, and eth0 of another one is another interface. */
const volatile __u32 netns_inum = 0;

/* The few kernel fields read, relocated against the running kernel's BTF (CO-RE):
 * current->nsproxy->net_ns->ns.inum, and the process's struct pid. */
struct ns_common {
        unsigned int inum;
} __attribute__((preserve_access_index));
struct net {
        struct ns_common ns;
} __attribute__((preserve_access_index));
struct nsproxy {
        struct net *net_ns;
} __attribute__((preserve_access_index));
struct pid_namespace {
        struct ns_common ns;
} __attribute__((preserve_access_index));
struct upid {
        int nr;
        struct pid_namespace *ns;
} __attribute__((preserve_access_index));
struct pid {
        unsigned int level;
        struct upid numbers[1];
} __attribute__((preserve_access_index));
struct task_struct {
        struct nsproxy *nsproxy;
        struct task_struct *group_leader;
        struct pid *thread_pid;
} __attribute__((preserve_access_index));

/* TASK's process ID in rpfguard's PID namespace, looked up by the namespace's inode
 * among the levels TASK's struct pid has (a nested namespace cannot tell its own
 * level: its /proc shows the levels from itself down); 0 when it has none there. */
static __always_inline __u32 ns_tgid(struct task_struct *task) {
        struct pid *pid = BPF_CORE_READ(task, group_leader, thread_pid);
        unsigned int level = BPF_CORE_READ(pid, level);

#pragma unroll
        for (unsigned int k = 0; k < PIDNS_LEVELS_MAX; k++) {
                unsigned long upid = (unsigned long) pid + bpf_core_field_offset(struct pid, numbers) +
                                     k * bpf_core_type_size(struct upid);
                struct pid_namespace *ns = NULL;
                int nr = 0;

                if (k > level)
                        break;
                if (bpf_probe_read_kernel(&ns, sizeof(ns), (void *) (upid + bpf_core_field_offset(struct upid, ns))) < 0)
                        break;
                if (BPF_CORE_READ(ns, ns.inum) != pidns_inum)
                        continue;
                if (bpf_probe_read_kernel(&nr, sizeof(nr), (void *) (upid + bpf_core_field_offset(struct upid, nr))) < 0)
                        break;
                return (__u32) nr;
        }
        return 0;
}

struct {
        __uint(type, BPF_MAP_TYPE_RINGBUF);
        __uint(max_entries, 64 * 1024); /* ~500 events; a lost one only costs a name */
} writes SEC(".maps");

static __always_inline int is_rp_filter(const char *s) {
        static const char want[] = "rp_filter";

#pragma unroll
        for (int k = 0; k < (int) sizeof(want); k++)
                if (s[k] != want[k])
                        return 0;
        return 1;
}

SEC("cgroup/sysctl")
int rpfguard_writers(struct bpf_sysctl *ctx) {
        struct writer_event *e;
        struct task_struct *task;
        __u32 tgid;
        char base[16] = {}; /* initialised: the verifier wants it so without CAP_PERFMON */

        /* Every read and write of any sysctl by a process below the cgroup comes
         * here: the cheapest tests first. */
        if (!ctx->write)
                return 1;
        if (bpf_sysctl_get_name(ctx, base, sizeof(base), BPF_F_SYSCTL_BASE_NAME) != sizeof("rp_filter") - 1 ||
            !is_rp_filter(base))
                return 1;
        task = (struct task_struct *) bpf_get_current_task();
        if (BPF_CORE_READ(task, nsproxy, net_ns, ns.inum) != netns_inum)
                return 1;
        tgid = ns_tgid(task);
        if (tgid != 0 && tgid == ignore_tgid)
                return 1;

        e = bpf_ringbuf_reserve(&writes, sizeof(*e), 0);
        if (!e)
                return 1;
        e->time_ns = bpf_ktime_get_ns();
        e->cgroup_id = bpf_get_current_cgroup_id();
        e->tgid = tgid;
        bpf_get_current_comm(e->comm, sizeof(e->comm));
        e->name_len = (int) bpf_sysctl_get_name(ctx, e->name, sizeof(e->name), 0);
        e->value_len = (int) bpf_sysctl_get_new_value(ctx, e->value, sizeof(e->value));
        bpf_ringbuf_submit(e, 0);
        return 1;
}
