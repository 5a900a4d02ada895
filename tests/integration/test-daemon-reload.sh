#!/bin/bash
# SIGHUP reload: RELOADING=1 with MONOTONIC_USEC, then READY=1; a bad file keeps
# the running rules and names its line; a good file applies to every existing
# interface.
. "$(dirname "$0")/lib.sh"

ns_defaults 2 2
veth cali0001 host0001
veth eth1 eth1peer
start_notify_listener
write_conf <<'CONF'
[global]
all = 0
[interfaces]
cali* = strict
CONF
start_daemon
expect_notify_count '^READY=1$' 1
expect_notify_count '^STATUS=Enforcing 1 interfaces' 1
expect_rp cali0001 1

# A bad file: rejected with its line, the old rules stay in force.
write_conf <<'CONF'
[global]
all = 0
[interfaces]
cali* = strict
eth* = bogus
CONF
kill -HUP "$DAEMON_PID"
expect_notify_count '^RELOADING=1|.*MONOTONIC_USEC=[0-9][0-9]*' 1
expect_notify_count '^READY=1$' 2
expect_log "rpfguard.conf:5: error: invalid value 'bogus' for 'eth*'"
expect_log "rpfguard.conf rejected, keeping the running configuration"
kill -0 "$DAEMON_PID" || fail "daemon exited on a bad reload"
ok "still running after a bad reload"
rp_set cali0001 2
expect_rp cali0001 1
stays_rp eth1 2 0.3

# A good file: applied to the interfaces that already exist.
write_conf <<'CONF'
[global]
all = 0
[interfaces]
cali* = loose
eth* = strict
CONF
kill -HUP "$DAEMON_PID"
expect_notify_count '^RELOADING=1' 2
expect_notify_count '^READY=1$' 3
expect_log "Configuration reloaded from"
expect_rp cali0001 2
expect_rp eth1 1
expect_rp eth1peer 1
expect_log "eth1: rp_filter 2 -> 1 (rule eth*, reload)"
expect_log "cali0001: rp_filter 1 -> 2 (rule cali*, reload)"
expect_notify_count '^STATUS=Enforcing 3 interfaces' 1

# MONOTONIC_USEC is CLOCK_MONOTONIC in microseconds: compare with /proc/uptime
# (CLOCK_BOOTTIME, never smaller).
usec=$(grep -o 'MONOTONIC_USEC=[0-9]*' "$NOTIFY_LOG" | tail -1 | cut -d= -f2)
up=$(awk '{ printf "%.0f", $1 * 1000000 }' /proc/uptime)
[ "$usec" -gt 0 ] && [ "$usec" -le "$up" ] || fail "MONOTONIC_USEC=$usec implausible (uptime $up us)"
ok "MONOTONIC_USEC plausible"

# A missing file on reload is an error too, and loses nothing.
mv "$TMP/rpfguard.conf" "$TMP/rpfguard.conf.moved"
kill -HUP "$DAEMON_PID"
expect_notify_count '^READY=1$' 4
expect_log "cannot read the configuration: No such file or directory"
rp_set eth1 2
expect_rp eth1 1

stop_daemon
expect_notify_count '^STOPPING=1' 1

# Start-up and reload warn about each sysctl.d line that udev's systemd-sysctl run
# applies to new interfaces against a rule (the test's own tree, via --root).
mkdir -p "$TMP/sysctld-root/usr/lib/sysctl.d"
printf 'net.ipv4.conf.*.rp_filter = 2\n' > "$TMP/sysctld-root/usr/lib/sysctl.d/50-default.conf"
mv "$TMP/rpfguard.conf.moved" "$TMP/rpfguard.conf"
start_daemon
expect_log "/usr/lib/sysctl.d/50-default.conf:1: net.ipv4.conf.*.rp_filter = 2 is applied by udev to every new interface"
n=$(log_count "is applied by udev")
kill -HUP "$DAEMON_PID"
expect_log_count "is applied by udev" $((n * 2))
stop_daemon
done_testing
