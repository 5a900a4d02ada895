#!/bin/bash
# Fight detection: a writer that keeps resetting one interface gets a bounded
# number of corrections, one warning naming the interface and its value, a
# back-off that doubles while the fight goes on; other interfaces stay enforced.
. "$(dirname "$0")/lib.sh"

ns_defaults 2 2
veth cali0001 host0001
veth cali0002 host0002
write_conf <<'CONF'
[daemon]
flap_limit = 3
flap_window = 10
flap_backoff = 2
[interfaces]
cali* = strict
CONF
start_daemon
expect_rp cali0001 1
expect_rp cali0002 1

# fighter IFACE SECONDS: set loose every 50 ms, like a misconfigured agent.
fighter() {
        local end
        end=$(deadline_ns "$2")
        while [ "$(date +%s%N)" -lt "$end" ]; do rp_set "$1" 2; sleep 0.05; done
}

fighter cali0001 1.5
expect_log "cali0001: another writer keeps setting rp_filter to 2 (wanted 1): more than 3 corrections within 10s, backing off for 2s"
n=$(log_count "cali0001: rp_filter 2 -> 1")
[ "$n" -le 3 ] || fail "$n corrections of cali0001 within the window, limit 3"
ok "corrections bounded: $n <= 3 within flap_window"
[ "$(log_count "cali0001: another writer keeps")" = 1 ] || fail "more than one fight warning"
ok "exactly one fight warning"

# While cali0001 is left alone, other interfaces are still enforced.
rp_is cali0001 2 || fail "cali0001 was corrected during its back-off"
ok "cali0001 left alone during the back-off"
rp_set cali0002 2
expect_rp cali0002 1 2

# The back-off ends after 2 s: enforcement resumes.
expect_log "cali0001: back-off over, enforcing again" 4
expect_rp cali0001 1 2
expect_log "cali0001: rp_filter 2 -> 1 (rule cali*, after back-off)"

# The fight goes on right after the back-off: the back-off doubles.
fighter cali0001 1.5
expect_log "backing off for 4s"
[ "$(log_count "cali0001: another writer keeps")" = 2 ] || fail "expected a second fight warning"
ok "second fight warned once"
expect_log_count "cali0001: back-off over, enforcing again" 2 6
expect_rp cali0001 1 2

grep -q "error" "$DAEMON_LOG" && fail "errors logged"
ok "no errors logged"
stop_daemon
done_testing
