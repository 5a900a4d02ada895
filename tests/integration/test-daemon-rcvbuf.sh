#!/bin/bash
# The netlink receive buffer: where SO_RCVBUFFORCE is refused (no CAP_NET_ADMIN in
# the initial user namespace) SO_RCVBUF is capped at net.core.rmem_max; the daemon
# logs the effective size and warns that it is smaller than asked. A normal start
# (root) gets what it asks for and does not warn.
. "$(dirname "$0")/lib.sh"

command -v unshare >/dev/null || fail "unshare (util-linux) is required"
command -v nsenter >/dev/null || fail "nsenter (util-linux) is required"
ASK=33554432   # what the daemon asks for (NETLINK_RCVBUF_DEFAULT, 32 MiB)
write_conf <<'CONF'
[interfaces]
cali* = strict
CONF

# --- a normal start: no warning -------------------------------------------------
ns_defaults 2 2
veth cali1 host1
start_daemon
expect_rp cali1 1
grep -iE "warning.*receive buffer" "$DAEMON_LOG" && fail "a receive-buffer warning in a normal start"
ok "normal start: no receive-buffer warning"
stop_daemon

# --- root in a new user namespace that owns a new network namespace -------------
# CAP_NET_ADMIN over that network namespace (rp_filter is writable there), but not
# in the initial user namespace: SO_RCVBUFFORCE fails with EPERM, and SO_RCVBUF is
# capped at net.core.rmem_max (the kernel doubles it: what getsockopt reports).
cat > "$TMP/inner.sh" <<'EOF'
set -eu
sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2
ip link add cali1 type veth peer name host1
echo 1 > /proc/sys/net/ipv4/conf/host1/rp_filter   # rp_filter is writable here
cat /proc/sys/net/core/rmem_max > "$1"
shift
exec "$@"
EOF
DAEMON_LOG=$TMP/daemon.userns.log
unshare --user --map-root-user --net bash "$TMP/inner.sh" "$TMP/rmem_max" \
        "$RPFGUARD" -c "$TMP/rpfguard.conf" --log-format=text > "$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
PIDS+=("$DAEMON_PID")
wait_until 10 grep -q "^Started" "$DAEMON_LOG" || fail "daemon did not start in the user namespace"
unx() { nsenter -t "$DAEMON_PID" -n "$@"; }
[ "$(unx cat /proc/sys/net/ipv4/conf/host1/rp_filter)" = 1 ] || fail "setup: rp_filter not writable in the user namespace"
rmem_max=$(cat "$TMP/rmem_max")
[ "$rmem_max" -lt "$ASK" ] || fail "setup: net.core.rmem_max is $rmem_max, not below $ASK: the cap cannot be shown here"
effective=$(( 2 * rmem_max ))
echo "# net.core.rmem_max $rmem_max: SO_RCVBUF gives $effective bytes"

# The warning names the effective size and the one asked for.
warning=$(grep -E "^warning: .*receive buffer" "$DAEMON_LOG" || true)
[ -n "$warning" ] || fail "no receive-buffer warning where SO_RCVBUFFORCE is refused"
ok "warning: $warning"
case $warning in *"$effective"*) ;; *) fail "the warning lacks the effective size $effective" ;; esac
ok "the warning names the effective size $effective"
case $warning in *"$ASK"*) ;; *) fail "the warning lacks the asked size $ASK" ;; esac
ok "the warning names the asked size $ASK"

# It still does its job there.
[ "$(unx cat /proc/sys/net/ipv4/conf/cali1/rp_filter)" = 1 ] || fail "cali1 not enforced at start-up"
ok "cali1 rp_filter = 1 (start-up)"
unx ip link add cali2 type veth peer name host2
wait_until 5 sh -c '[ "$(nsenter -t "$1" -n cat /proc/sys/net/ipv4/conf/cali2/rp_filter)" = 1 ]' sh "$DAEMON_PID" ||
        fail "new link cali2 not enforced"
ok "cali2 rp_filter = 1 (new link)"
unx sh -c 'echo 2 > /proc/sys/net/ipv4/conf/cali1/rp_filter'
wait_until 5 sh -c '[ "$(nsenter -t "$1" -n cat /proc/sys/net/ipv4/conf/cali1/rp_filter)" = 1 ]' sh "$DAEMON_PID" ||
        fail "drift on cali1 not corrected"
ok "cali1 drift corrected"
stop_daemon
done_testing
