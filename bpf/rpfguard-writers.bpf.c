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

/* Set before loading. rpfguard's own process: its writes are not reported. */
const volatile __u32 ignore_tgid = 0;
/* rpfguard's network namespace (the inode of /proc/self/ns/net): the sysctl path
 * names no namespace, and eth0 of another one is another interface. */
const volatile __u32 netns_inum = 0;

/* The few kernel fields read, relocated against the running kernel's BTF (CO-RE):
 * current->nsproxy->net_ns->ns.inum. */
struct ns_common {
        unsigned int inum;
} __attribute__((preserve_access_index));
struct net {
        struct ns_common ns;
} __attribute__((preserve_access_index));
struct nsproxy {
        struct net *net_ns;
} __attribute__((preserve_access_index));
struct task_struct {
        struct nsproxy *nsproxy;
} __attribute__((preserve_access_index));

struct {
        __uint(type, BPF_MAP_TYPE_RINGBUF);
        __uint(max_entries, 64 * 1024); /* ~400 events; a lost one only costs a name */
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
        char base[16] = {}; /* initialised: the verifier wants it so without CAP_PERFMON */
        __u64 id;

        /* Every read and write of any sysctl by a process below the cgroup comes
         * here: the cheapest tests first. */
        if (!ctx->write)
                return 1;
        if (bpf_sysctl_get_name(ctx, base, sizeof(base), BPF_F_SYSCTL_BASE_NAME) != sizeof("rp_filter") - 1 ||
            !is_rp_filter(base))
                return 1;
        id = bpf_get_current_pid_tgid();
        if ((__u32) (id >> 32) == ignore_tgid)
                return 1;
        task = (struct task_struct *) bpf_get_current_task();
        if (BPF_CORE_READ(task, nsproxy, net_ns, ns.inum) != netns_inum)
                return 1;

        e = bpf_ringbuf_reserve(&writes, sizeof(*e), 0);
        if (!e)
                return 1;
        e->time_ns = bpf_ktime_get_ns();
        e->cgroup_id = bpf_get_current_cgroup_id();
        e->tgid = (__u32) (id >> 32);
        e->tid = (__u32) id;
        bpf_get_current_comm(e->comm, sizeof(e->comm));
        e->name_len = (int) bpf_sysctl_get_name(ctx, e->name, sizeof(e->name), 0);
        e->value_len = (int) bpf_sysctl_get_new_value(ctx, e->value, sizeof(e->value));
        bpf_ringbuf_submit(e, 0);
        return 1;
}
