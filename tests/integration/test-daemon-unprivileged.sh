#!/bin/bash
# Least privilege: the daemon works as an unprivileged uid whose only capability
# is CAP_NET_ADMIN (what DynamicUser= + AmbientCapabilities= give it under systemd).
. "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || fail "setpriv (util-linux) is required"
chmod 755 "$TMP"
ns_defaults 2 2
veth cali0001 host0001
write_conf <<'CONF'
[global]
all = 1
[interfaces]
cali* = strict
CONF
chmod 644 "$TMP/rpfguard.conf"

# As start_daemon, but through setpriv: uid/gid 65534, no supplementary groups,
# CAP_NET_ADMIN inheritable + ambient, and nothing else in the bounding set.
DAEMON_LOG=$TMP/daemon.1.log
ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
        --inh-caps=-all,+net_admin --ambient-caps=-all,+net_admin --bounding-set=-all,+net_admin \
        "$RPFGUARD" -c "$TMP/rpfguard.conf" --log-format=text > "$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
PIDS+=("$DAEMON_PID")
wait_until 10 grep -q "^Started" "$DAEMON_LOG" || fail "daemon did not start"

status=/proc/$DAEMON_PID/status
[ "$(awk '/^Uid:/ { print $2 $3 $4 $5 }' "$status")" = 65534655346553465534 ] || fail "not running as uid 65534"
ok "runs as uid 65534"
# CAP_NET_ADMIN is bit 12: effective set 0x1000 and nothing else.
[ "$(awk '/^CapEff:/ { print $2 }' "$status")" = 0000000000001000 ] || fail "effective caps: $(grep CapEff "$status")"
ok "effective capabilities: CAP_NET_ADMIN only"

expect_rp all 1
expect_rp cali0001 1
veth cali0002 host0002
expect_rp cali0002 1
rp_set cali0001 2
expect_rp cali0001 1
grep -qiE "error|warning" "$DAEMON_LOG" && fail "errors logged: $(grep -iE 'error|warning' "$DAEMON_LOG")"
ok "no errors or warnings"
stop_daemon
done_testing
