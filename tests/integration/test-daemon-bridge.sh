#!/bin/bash
# Bridge port messages (RTM_NEWLINK/RTM_DELLINK with ifi_family AF_BRIDGE, sent when
# a port leaves or joins a bridge) are not deletions or creations: a bridge CNI's
# pod veth keeps its state, in particular a back-off from a fight.
. "$(dirname "$0")/lib.sh"

ns_defaults 2 2
nsx ip link add br0 type bridge
veth cali1 h1
nsx ip link set cali1 master br0
nsx ip link set br0 up
nsx ip link set cali1 up
write_conf <<'CONF'
[daemon]
flap_limit = 2
flap_window = 10
flap_backoff = 4
[interfaces]
cali* = strict
CONF
start_daemon
expect_rp cali1 1
expect_log "cali1: rp_filter 2 -> 1 (rule cali*, start-up)"

# A fight: another writer keeps setting loose until the daemon backs off.
fight_until_backoff() {
        local end
        end=$(deadline_ns 10)
        while ! log_has "cali1: another writer keeps setting rp_filter to 2"; do
                [ "$(date +%s%N)" -lt "$end" ] || fail "no back-off after 10 s of fighting"
                rp_set cali1 2
                sleep 0.05
        done
}
fight_until_backoff
expect_log "backing off for 4s"
rp_set cali1 2

# During the back-off the port leaves the bridge and joins it again (AF_BRIDGE
# RTM_DELLINK, then RTM_NEWLINK), and the other writer sets loose once more.
nsx ip link set cali1 nomaster
nsx ip link set cali1 master br0
rp_set cali1 2
stays_rp cali1 2 2
log_has "cali1: back-off over" && fail "setup: the back-off was over before the bridge test finished"
kill -0 "$DAEMON_PID" || fail "daemon died"

# The back-off ends on time, then cali1 is enforced again.
expect_log "cali1: back-off over, enforcing again" 6
expect_rp cali1 1 2
expect_log "cali1: rp_filter 2 -> 1 (rule cali*, after back-off)"

# No correction of cali1 between "backing off" and "back-off over", and never a
# "new link" for the interface that was tracked all along.
corrections_in_backoff=$(awk '/cali1: another writer keeps setting/ { on = 1; next }
                              /cali1: back-off over/ { on = 0 }
                              on && /cali1: rp_filter [-0-9]+ -> / { print }' "$DAEMON_LOG")
[ -z "$corrections_in_backoff" ] || fail "cali1 corrected during its back-off: $corrections_in_backoff"
ok "no correction of cali1 during its back-off"
! log_has "cali1: rp_filter 2 -> 1 (rule cali*, new link)" ||
        fail "a bridge port message re-learnt cali1 as a new link: $(grep -F 'new link' "$DAEMON_LOG")"
ok "no 'new link' for cali1 after bridge port messages"

# A new port joining the bridge is still a new link, enforced once.
veth cali2 h2
expect_rp cali2 1
nsx ip link set cali2 master br0
nsx ip link set cali2 up
sleep 0.3
[ "$(log_count "cali2: rp_filter 2 -> 1 (rule cali*, new link)")" = 1 ] ||
        fail "cali2: expected exactly one 'new link' correction: $(grep -F cali2 "$DAEMON_LOG")"
ok "cali2: one 'new link' correction, none when it joins the bridge"
rp_set cali2 2
expect_rp cali2 1
grep -q "error" "$DAEMON_LOG" && fail "errors logged: $(grep error "$DAEMON_LOG")"
ok "no errors logged"
stop_daemon
done_testing
