#!/bin/bash
# Overflow: with a tiny receive buffer and the daemon stopped (SIGSTOP) while
# thousands of veths are created and renamed, the kernel drops notifications and
# the socket reports ENOBUFS. The daemon must warn and resync: every managed
# interface right, renamed-away ones untouched, deleted ones forgotten.
. "$(dirname "$0")/lib.sh"

PAIRS=${OVERFLOW_PAIRS:-1000}

ns_defaults 2 2
veth cali0a host0a
veth cali0b host0b
veth cali0c host0c
write_conf <<'CONF'
[interfaces]
cali* = strict
CONF
start_daemon --netlink-rcvbuf=4096
expect_rp cali0a 1
expect_rp cali0b 1

kill -STOP "$DAEMON_PID"
ok "daemon stopped with SIGSTOP"
{
        for i in $(seq "$PAIRS"); do
                echo "link add tmp$i type veth peer name peer$i"
        done
        # CNIs create under a temporary name and rename; half of them become cali*.
        for i in $(seq 2 2 "$PAIRS"); do
                echo "link set tmp$i name cali$i"
        done
        echo "link set cali0b name away0b"   # renamed away from a managed name
        echo "link del cali0c"                # deleted while events are lost
} > "$TMP/burst.batch"
nsx ip -batch "$TMP/burst.batch"
rp_set away0b 2
ok "created $((PAIRS * 2)) veths, renamed $((PAIRS / 2)) to cali*, while the daemon was stopped"
kill -CONT "$DAEMON_PID"

expect_log "Netlink receive buffer overflowed, events were lost: re-checking every interface" 20

# wrong_count: managed interfaces (cali*) whose rp_filter is not 1.
wrong_count() {
        nsx bash -c 'n=0; for f in /proc/sys/net/ipv4/conf/cali*/rp_filter; do
                [ "$(cat "$f")" = 1 ] || n=$((n + 1)); done; echo $n'
}
wrong_is_zero() { [ "$(wrong_count)" = 0 ]; }
wait_until 60 wrong_is_zero || fail "$(wrong_count) cali* interfaces left wrong after the resync"
ok "every cali* interface is 1 after the resync ($(( PAIRS / 2 + 1 )) interfaces)"

stays_rp away0b 2 0.5
[ "$(rp_get tmp1)" = 2 ] || fail "unmanaged tmp1 changed"
ok "unmanaged tmp* interfaces untouched"

# The daemon is still live and consistent: new events after the resync work.
veth cali9999 host9999
expect_rp cali9999 1 10
kill -0 "$DAEMON_PID" || fail "daemon died"
nsx "$RPFGUARD" -c "$TMP/rpfguard.conf" --status > "$TMP/status.txt" && rc=0 || rc=$?
[ $rc = 0 ] || fail "--status after the resync exits $rc (drift left): $(grep drift "$TMP/status.txt" | head -3)"
ok "--status reports no drift"

stop_daemon
done_testing
