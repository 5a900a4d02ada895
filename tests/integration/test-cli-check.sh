#!/bin/bash
# rpfguard --check, node-problem-detector's custom plugin protocol: exactly one line on
# stdout and exit 0 compliant, 1 not compliant, 2 unknown — with a daemon and without,
# after the daemon crashed (its state file left behind), with a daemon of another
# network namespace, with a bad configuration and with rp_filter unreadable. (Back-offs
# and write errors: test-daemon-metrics.sh.) --status says the same about the daemon.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"

RUNDIR=$TMP/run
STATE=$RUNDIR/state.json
NS2=${NS}-2
ip netns add "$NS2"
trap 'rc=$?; ip netns del "$NS2" 2>/dev/null; (exit $rc); cleanup' EXIT

ns_defaults 2 2
veth cali1 host1
write_conf <<'EOF'
[global]
all = strict
[interfaces]
cali* = strict
EOF
CONF=$TMP/rpfguard.conf

# check WHAT RC LINE [ARGS...]: --check exits RC and prints exactly LINE, one line.
check() {
        local what=$1 rc=$2 line=$3
        shift 3
        cli check -c "$CONF" --check --runtime-dir "$RUNDIR" "$@"
        expect_rc "$rc" "--check $what"
        [ "$(wc -l < "$OUT")" = 1 ] || { show_output; fail "--check $what: not one line"; }
        expect_line "$OUT" "$line" "--check $what"
}

# --- no daemon ---------------------------------------------------------------------------
check "without a daemon, drift" 1 "not compliant: no rpfguard daemon is running (no state file $STATE); 2 drifting"
check "--no-daemon, drift" 1 "not compliant: 2 drifting (all 2 loose, cali1 2 loose)" --no-daemon
cli once -c "$CONF" --once
expect_rc 0 "--once"
check "without a daemon, compliant" 1 "not compliant: no rpfguard daemon is running (no state file $STATE)"
check "--no-daemon, compliant" 0 "compliant: 1 managed interface as configured, all 1 strict (no daemon checked)" --no-daemon

# --- a daemon ------------------------------------------------------------------------------
start_daemon --runtime-dir "$RUNDIR"
check "with a daemon" 0 "compliant: 1 managed interface as configured, all 1 strict; rpfguard PID $DAEMON_PID, mode enforce"
# The daemon corrects drift at once; in audit mode it stays, and --check says so.
write_conf audit.conf <<'EOF'
[daemon]
mode = audit
[global]
all = strict
[interfaces]
cali* = strict
EOF
cp "$TMP/audit.conf" "$CONF"
kill -HUP "$DAEMON_PID"
expect_log "mode audit"
rp_set cali1 0
check "with a daemon in audit mode, drift" 1 "not compliant: 1 drifting (cali1 0 off)"

# --- the daemon crashed: its state file stays, its PID is gone --------------------------------
pid=$DAEMON_PID
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
[ -s "$STATE" ] || fail "setup: no state file left by the killed daemon"
check "after the daemon crashed" 1 "not compliant: no rpfguard daemon is running ($STATE names PID $pid, which is no longer rpfguard); 1 drifting"
cli status-crashed -c "$CONF" --status --runtime-dir "$RUNDIR"
expect_rc 3 "--status after the daemon crashed"
expect_line "$OUT" "no rpfguard daemon is running: values are the kernel's only ($STATE names PID $pid, which is no longer rpfguard)" \
        "--status after the daemon crashed"
# The same PID taken by another program is not the daemon either.
sleep 30 &
other=$!
PIDS+=("$other")
python3 - "$STATE" "$other" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["pid"] = int(sys.argv[2])
json.dump(s, open(sys.argv[1], "w"))
PY
check "with the state file naming another program" 1 "not compliant: no rpfguard daemon is running ($STATE names PID $other, which is no longer rpfguard); 1 drifting"

# --- a daemon of another network namespace, same runtime directory ----------------------------
rm -f "$STATE"
ip netns exec "$NS2" "$RPFGUARD" -c "$CONF" --log-format=text --runtime-dir "$RUNDIR" > "$TMP/daemon-ns2.log" 2>&1 &
PIDS+=("$!")
pid2=$!
wait_until 10 grep -q "^Started" "$TMP/daemon-ns2.log" || fail "the second namespace's daemon did not start"
check "with a daemon of another namespace" 1 "not compliant: no rpfguard daemon is running (the daemon (PID $pid2) of $STATE guards another network namespace); 1 drifting"
kill -TERM "$pid2"
wait "$pid2" || fail "the second namespace's daemon exited $?"
[ ! -e "$STATE" ] || fail "the second daemon left its state file"
ok "a daemon that exits cleanly removes its state file"

# --- unknown ---------------------------------------------------------------------------------
printf 'garbage\n' > "$STATE"
check "with a state file that is not one" 2 "unknown: $STATE is not a state document rpfguard wrote"
rm -f "$STATE"
printf '[global]\nall = strict\n[interfaces]\ncali* = sometimes\n' > "$TMP/bad.conf"
cli check-bad -c "$TMP/bad.conf" --check --runtime-dir "$RUNDIR"
expect_rc 2 "--check with a bad configuration"
grep -qxE "unknown: configuration error: $TMP/bad.conf:4: .*" "$OUT" && [ "$(wc -l < "$OUT")" = 1 ] ||
        { show_output; fail "--check with a bad configuration: not one line naming $TMP/bad.conf:4"; }
ok "--check with a bad configuration: $(cat "$OUT")"
cli check-missing -c "$TMP/missing.conf" --check --runtime-dir "$RUNDIR"
expect_rc 2 "--check with a missing configuration"
grep -qxE "unknown: cannot load the configuration $TMP/missing.conf: .*" "$OUT" && [ "$(wc -l < "$OUT")" = 1 ] ||
        { show_output; fail "--check with a missing configuration: not one line naming it"; }
ok "--check with a missing configuration: $(cat "$OUT")"
check "with rp_filter unreadable" 2 "unknown: cannot read the interfaces' rp_filter: No such file or directory" \
        --sysctl-root "$TMP/nonexistent"

# --- usage -----------------------------------------------------------------------------------
cli usage -c "$CONF" --status --no-daemon
expect_rc 2 "--status --no-daemon"
cli usage2 -c "$CONF" --check --status
expect_rc 2 "--check --status"
done_testing
