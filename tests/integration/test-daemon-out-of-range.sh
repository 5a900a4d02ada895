#!/bin/bash
# The kernel accepts any integer in rp_filter: -1, 3 and 100 written by another
# agent are drift like any other wrong value — in --status, at start-up and on the
# netconf event path, for interfaces and for conf/all.
. "$(dirname "$0")/lib.sh"

ns_defaults 2 2
veth cali1 host1
write_conf <<'CONF'
[daemon]
flap_limit = 20
[global]
all = 1
[interfaces]
cali* = strict
CONF

# The kernel really takes these values.
for v in -1 3 100; do
        rp_set cali1 "$v"
        require_rp cali1 "$v"
done
rp_set cali1 -1
rp_set all -1
require_rp all -1

# --- a. --status before the daemon runs ---------------------------------------
cli status -c "$TMP/rpfguard.conf" --status
expect_rc 3 "--status with cali1 = -1 and all = -1"
row=$(awk '$1 == "cali1"' "$OUT")
# (WANTED is "1 strict": two fields; CURRENT, a value without a word, is the sixth.)
[ "$(awk '{ print $6 }' <<< "$row")" = -1 ] || { show_output; fail "--status: cali1's current value is not -1: $row"; }
ok "--status: cali1 current -1"
[ "$(awk '{ print $NF }' <<< "$row")" = drift ] || { show_output; fail "--status: cali1 is not in state drift: $row"; }
ok "--status: cali1 state drift"
row=$(awk '$1 == "all"' "$OUT")
[ "$(awk '{ print $NF }' <<< "$row")" = drift ] || { show_output; fail "--status: all is not in state drift: $row"; }
ok "--status: all state drift"

cli status-json -c "$TMP/rpfguard.conf" --status --json
expect_rc 3 "--status --json with cali1 = -1 and all = -1"
got=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
i = [i for i in d["interfaces"] if i["name"] == "cali1"][0]
print(i["current"], i["state"], d["all"]["current"], d["all"]["state"])' "$OUT") || { show_output; fail "--status --json: no valid JSON"; }
[ "$got" = "-1 drift -1 drift" ] || { show_output; fail "--status --json: cali1 and all: current, state = $got, expected -1 drift -1 drift"; }
ok "--status --json: cali1 and all \"current\": -1, \"state\": \"drift\""

# --- b. the daemon: start-up and the netconf path ------------------------------
start_daemon
expect_rp all 1
expect_rp cali1 1
expect_log "all: rp_filter -1 -> 1 (rule all, start-up)"
expect_log "cali1: rp_filter -1 -> 1 (rule cali*, start-up)"
for v in -1 3 100; do
        rp_set cali1 "$v"
        expect_rp cali1 1
        expect_log "cali1: rp_filter $v -> 1 (rule cali*, changed by another writer)"
done

# --- c. the same for conf/all --------------------------------------------------
for v in -1 3; do
        rp_set all "$v"
        expect_rp all 1
        expect_log "all: rp_filter $v -> 1 (rule all, changed by another writer)"
done
expect_rp cali1 1

cli status-after -c "$TMP/rpfguard.conf" --status
expect_rc 0 "--status after the daemon corrected everything"
grep -q "error" "$DAEMON_LOG" && fail "errors logged: $(grep error "$DAEMON_LOG")"
ok "no errors logged"
stop_daemon
done_testing
