#!/bin/bash
# The daemon enforces at start-up and on every new, renamed or re-addressed
# interface, by name rule, and leaves unmanaged and ignored interfaces alone.
. "$(dirname "$0")/lib.sh"

ns_defaults 2 2
nsx ip link set lo up
veth cali0001 host0001           # exists before the daemon
veth eth7 eth7peer               # unmanaged

write_conf <<'CONF'
[global]
all = 1
[interfaces]
lo = ignore
cali* = strict
tunl0 = strict
vxlan.calico = strict
CONF
lo_before=$(rp_get lo)

start_daemon
expect_rp all 1
expect_rp cali0001 1
expect_log "cali0001: rp_filter 2 -> 1 (rule cali*, start-up)"

# New links, as a CNI creates them.
veth cali0002 host0002
expect_rp cali0002 1
expect_log "cali0002: rp_filter 2 -> 1 (rule cali*, new link)"
veth tunl0 tunl0peer
expect_rp tunl0 1
nsx ip link add vxlan.calico type vxlan id 4096 dstport 4789
expect_rp vxlan.calico 1
expect_log "vxlan.calico: rp_filter 2 -> 1 (rule vxlan.calico, new link)"

# A veth born under a temporary name and renamed, as CNI plugins do.
veth tmp12345 host0003
stays_rp tmp12345 2 0.3
nsx ip link set tmp12345 name cali0003
expect_rp cali0003 1
expect_log "cali0003: rp_filter 2 -> 1 (rule cali*, renamed)"

# Renamed away from a managed name: the new name is unmanaged, left alone.
rp_set cali0002 1
nsx ip link set cali0002 name other02
rp_set other02 2
stays_rp other02 2 0.5

# An interface that has no IPv4 configuration when it gets its managed name and
# gains one later: below IPv4's minimum MTU (68) the kernel drops an interface's
# IPv4 configuration and its conf directory, and creates both again (rp_filter
# from conf/default) when the MTU is raised. An ifb device, because veth refuses
# an MTU below 68.
nsx ip link add tmp0004 type ifb || fail "setup: cannot create an ifb device (kernel module ifb)"
nsx ip link set tmp0004 mtu 60
nsx ip link set tmp0004 name cali0004
nsx test ! -e /proc/sys/net/ipv4/conf/cali0004 || fail "setup: cali0004 has a conf directory at MTU 60"
ok "cali0004 at MTU 60: no conf/cali0004"
sleep 0.3
kill -0 "$DAEMON_PID" || fail "daemon died on an interface without IPv4 configuration"
nsx ip link set cali0004 mtu 1500
nsx test -e /proc/sys/net/ipv4/conf/cali0004 || fail "setup: no conf/cali0004 at MTU 1500"
ok "cali0004 at MTU 1500: conf/cali0004 exists"
nsx ip addr add 10.250.0.1/30 dev cali0004
expect_rp cali0004 1
expect_log "cali0004: rp_filter 2 -> 1 (rule cali*, "

# Unmanaged and ignored interfaces keep their values.
stays_rp eth7 2 0.3
stays_rp host0002 2 0.1
[ "$(rp_get lo)" = "$lo_before" ] || fail "lo changed"
ok "lo (ignore) untouched"
grep -q "eth7:" "$DAEMON_LOG" && fail "the daemon logged about unmanaged eth7"
ok "no log line about unmanaged eth7"

# Deleting interfaces is not an error.
nsx ip link del cali0001
nsx ip link del tunl0
sleep 0.3
kill -0 "$DAEMON_PID" || fail "daemon died after deletions"
grep -qiE "error|warning" "$DAEMON_LOG" && fail "errors or warnings logged: $(grep -iE 'error|warning' "$DAEMON_LOG")"
ok "no errors or warnings logged"

stop_daemon
done_testing
