#!/bin/bash
# --ping, the liveness probe (the DaemonSet's livenessProbe): the running daemon's
# event loop answers SIGUSR1 in its state file; a stopped (stuck) loop does not, and
# neither does a daemon that is gone. Idle stays asleep between probes.
. "$(dirname "$0")/lib.sh"

ns_defaults 2 2
veth cali1 host1
write_conf <<'CONF'
[interfaces]
cali* = strict
CONF
mkdir -p "$TMP/run"
start_daemon --runtime-dir "$TMP/run"
expect_rp cali1 1
wait_until 5 test -s "$TMP/run/state.json" || fail "no state file"

ping() { cli ping --ping --runtime-dir "$TMP/run"; }

ping
expect_rc 0 "--ping of a running daemon"
grep -qE "^alive: rpfguard PID $DAEMON_PID answered in [0-9.]+ ms$" "$OUT" || { show_output; fail "--ping's line"; }
ok "--ping: $(cat "$OUT")"
ping
expect_rc 0 "--ping again (each answer is new)"

# Between probes the daemon sleeps: a probe is the only thing that wakes it.
switches() { awk '/^(voluntary|nonvoluntary)_ctxt_switches/ { n += $2 } END { print n }' "/proc/$DAEMON_PID/status"; }
before=$(switches)
sleep 2
[ "$(switches)" = "$before" ] || fail "the daemon woke up while idle"
ok "idle between probes: 0 wake-ups"

# A loop that does not turn (SIGSTOP stands in for a system call that never returns).
kill -STOP "$DAEMON_PID"
t0=$(date +%s)
ping
kill -CONT "$DAEMON_PID"
expect_rc 1 "--ping of a stuck daemon"
grep -q "^not responding: rpfguard PID $DAEMON_PID did not answer within 5 s$" "$OUT" || { show_output; fail "--ping's line when stuck"; }
ok "--ping when stuck: $(cat "$OUT") (after $(( $(date +%s) - t0 )) s)"
ping
expect_rc 0 "--ping once it runs again"
expect_rp cali1 1

stop_daemon
ping
expect_rc 1 "--ping without a daemon"
grep -q "^not running: " "$OUT" || { show_output; fail "--ping's line without a daemon"; }
ok "--ping without a daemon: $(cat "$OUT")"
done_testing
