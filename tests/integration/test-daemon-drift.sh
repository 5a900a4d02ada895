#!/bin/bash
# Drift is an event: another writer's change to a managed interface, to all or to
# default is seen through RTM_NEWNETCONF and repaired, without polling.
. "$(dirname "$0")/lib.sh"

# --- default changes: the kernel copies the new default onto every interface
# whose rp_filter was never written, and tells no one about those interfaces.
# A fresh namespace: default was never written, interfaces are born with 0 and
# count as never written.
veth cali0003 host0003
veth eth6 eth6peer
write_conf <<'CONF'
[interfaces]
cali* = off
CONF
start_daemon
stays_rp cali0003 0 0.3            # already right: rpfguard does not write it
rp_set default 2                   # e.g. systemd-sysctl applying a distribution default
[ "$(rp_get eth6)" = 2 ] || fail "the kernel did not copy default onto eth6: test premise broken"
ok "the kernel copied default 2 onto never-written interfaces"
expect_rp cali0003 0 2
expect_log "cali0003: rp_filter 2 -> 0 (rule cali*, changed by another writer)"
[ "$(rp_get default)" = 2 ] || fail "default is not configured here but was changed"
ok "default (not configured) left alone"
[ "$(rp_get eth6)" = 2 ] || fail "unmanaged eth6 was changed"
ok "unmanaged eth6 keeps what the kernel gave it"
stop_daemon

# --- another writer on a managed interface, on all and on default.
ns_defaults 2 2
veth cali0001 host0001
veth cali0002 host0002
write_conf <<'CONF'
[global]
all = 1
default = 1
[interfaces]
cali* = strict
CONF
start_daemon
expect_rp all 1
expect_rp default 1
expect_rp cali0001 1
expect_rp cali0002 1

rp_set cali0001 2
expect_rp cali0001 1 2
expect_log "cali0001: rp_filter 2 -> 1 (rule cali*, changed by another writer)"

rp_set all 2
expect_rp all 1 2
expect_log "all: rp_filter 2 -> 1 (rule all, changed by another writer)"
rp_set all 0
expect_rp all 1 2

rp_set default 0
expect_rp default 1 2
expect_log "default: rp_filter 0 -> 1 (rule default, changed by another writer)"

# Repair costs one write per drift; interfaces that are right are never written.
n=$(grep -c "cali0002: rp_filter" "$DAEMON_LOG" || true)
[ "$n" = 1 ] || fail "cali0002 written $n times, expected once (start-up)"
ok "cali0002 written once only"

stop_daemon
done_testing
