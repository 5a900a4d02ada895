#!/bin/bash
# Lifecycle: READY=1 and STATUS=, watchdog pings from the event loop when
# WATCHDOG_USEC asks for them, no wake-ups at all while idle, SIGTERM and SIGINT
# end with STOPPING=1 and exit status 0; audit mode and --dry-run write nothing.
. "$(dirname "$0")/lib.sh"

ns_defaults 2 2
veth cali0001 host0001
write_conf <<'CONF'
[interfaces]
cali* = strict
CONF

# --- watchdog
start_notify_listener
DAEMON_ENV+=("WATCHDOG_USEC=200000")
start_daemon
expect_notify_count '^READY=1$' 1
sleep 1
n=$(notify_count '^WATCHDOG=1$')
[ "$n" -ge 3 ] || fail "only $n watchdog pings in 1 s with WATCHDOG_USEC=200000"
ok "watchdog fed: $n pings in 1 s (WATCHDOG_USEC=200 ms)"
stop_daemon
expect_notify_count '^STOPPING=1' 1

# --- idle means asleep: no timers, no wake-ups
DAEMON_ENV=()
start_daemon
expect_rp cali0001 1
switches() { awk '/^(voluntary|nonvoluntary)_ctxt_switches/ { n += $2 } END { print n }' "/proc/$DAEMON_PID/status"; }
sleep 0.5
before=$(switches)
sleep 3
after=$(switches)
[ "$after" = "$before" ] || fail "the idle daemon woke up $((after - before)) times in 3 s"
ok "idle for 3 s: 0 wake-ups (context switches $before -> $after)"
# The measure does see wake-ups: one event, at least one.
rp_set cali0001 2
expect_rp cali0001 1
[ "$(switches)" -gt "$after" ] || fail "the wake-up measure saw nothing for an event"
ok "an event is seen as a wake-up"

# SIGINT ends it as cleanly as SIGTERM.
kill -INT "$DAEMON_PID"
rc=0; wait "$DAEMON_PID" || rc=$?
[ $rc = 0 ] || fail "exit status $rc after SIGINT"
ok "daemon exits 0 on SIGINT"

# --- resync_interval: the only timer of an idle daemon, and it does re-check.
write_conf <<'CONF'
[daemon]
resync_interval = 1
[interfaces]
cali* = strict
CONF
start_daemon -v
sleep 0.3
before=$(switches)
sleep 2.5
after=$(switches)
[ "$after" -ge $((before + 2)) ] || fail "resync_interval = 1: only $((after - before)) wake-ups in 2.5 s"
ok "resync_interval = 1 wakes the daemon ($((after - before)) wake-ups in 2.5 s)"
expect_log "Periodic re-check of every interface"
stop_daemon

# --- audit mode and --dry-run: drift is reported, nothing is written.
write_conf <<'CONF'
[daemon]
mode = audit
[interfaces]
cali* = strict
CONF
rp_set cali0001 2
start_notify_listener
start_daemon
expect_log "cali0001: rp_filter is 2, wanted 1 (rule cali*, start-up); not changed: audit mode"
veth cali0002 host0002
expect_log "cali0002: rp_filter is 2, wanted 1 (rule cali*, new link); not changed: audit mode"
stays_rp cali0001 2 0.3
stays_rp cali0002 2 0.1
expect_notify_count '^STATUS=Auditing 2 interfaces, 2 drifts seen' 1
stop_daemon

write_conf <<'CONF'
[interfaces]
cali* = strict
CONF
start_daemon --dry-run
expect_log "cali0001: rp_filter is 2, wanted 1 (rule cali*, start-up); not changed: dry run"
rp_set cali0002 0
expect_log "cali0002: rp_filter is 0, wanted 1 (rule cali*, changed by another writer); not changed: dry run"
stays_rp cali0001 2 0.3
stop_daemon
done_testing
