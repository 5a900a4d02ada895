#!/bin/bash
# --status on a busy node: a link dump the kernel flags as interrupted
# (NLM_F_DUMP_INTR, interfaces created and deleted meanwhile) is retried, never
# reported as a runtime failure. A monitor must never see exit 1 from churn.
. "$(dirname "$0")/lib.sh"

PAIRS=400   # a link dump of 800 interfaces spans many netlink messages
RUNS=40
ns_defaults 2 2
for i in $(seq "$PAIRS"); do echo "link add cali$i type veth peer name peer$i"; done | nsx ip -batch - ||
        fail "setup: cannot create $PAIRS veth pairs"
write_conf <<'CONF'
[interfaces]
cali* = strict
CONF

# Churn: an unmanaged veth pair created and deleted about every 0.2 s, bounded
# to 60 s; it changes the namespace's link list while the dumps run. (Fast enough
# that 10-25% of the old code's runs failed, slow enough that a bounded retry
# gets a consistent dump.)
timeout 60 bash -c '
        i=0
        while :; do
                i=$((i + 1))
                ip -n "$1" link add "ch$i" type veth peer name "chp$i" || exit 1
                sleep 0.1
                ip -n "$1" link del "ch$i" || exit 1
                sleep 0.1
                echo "$i" > "$2"
        done' churn "$NS" "$TMP/churn.count" &
CHURN_PID=$!
PIDS+=("$CHURN_PID")
wait_until 5 test -s "$TMP/churn.count" || fail "setup: the churn loop does not run"

# count_cali FILE MODE: how many cali<N> interfaces the table or JSON lists.
count_cali() {
        if [ "$2" = json ]; then
                python3 -c 'import json, re, sys
d = json.load(open(sys.argv[1]))
print(sum(1 for i in d["interfaces"] if re.fullmatch(r"cali[0-9]+", i["name"])))' "$1"
        else
                awk '$1 ~ /^cali[0-9]+$/ { n++ } END { print n + 0 }' "$1"
        fi
}

# All runs first, then the verdict: the counts are part of the report.
bad=0
summaries=()
for mode in table json; do
        args=(--status)
        [ "$mode" = table ] || args+=(--json)
        declare -A seen=()
        for k in $(seq "$RUNS"); do
                cli "status-$mode-$k" -c "$TMP/rpfguard.conf" "${args[@]}"
                seen[$RC]=$(( ${seen[$RC]:-0} + 1 ))
                what="rpfguard ${args[*]}, run $k"
                if [ "$RC" != 0 ] && [ "$RC" != 3 ] || grep -q "Resource temporarily unavailable" "$ERR"; then
                        bad=$((bad + 1))
                        [ "$bad" -gt 3 ] || echo "# $what: exit status $RC: $(head -c 300 "$ERR")" >&2
                else
                        n=$(count_cali "$OUT" "$mode")
                        [ "$n" = "$PAIRS" ] || { show_output; fail "$what: $n cali interfaces listed, expected $PAIRS"; }
                fi
        done
        summary="rpfguard ${args[*]}: $RUNS runs under churn: exit 0: ${seen[0]:-0}, exit 3: ${seen[3]:-0}, other: $(( RUNS - ${seen[0]:-0} - ${seen[3]:-0} ))"
        echo "# $summary"
        summaries+=("$summary")
        unset seen
done
[ "$bad" = 0 ] || fail "$bad of $((2 * RUNS)) runs failed (${summaries[0]}; ${summaries[1]}); expected exit 0 or 3 only, never 'Resource temporarily unavailable'"
ok "${summaries[0]}; all $PAIRS cali* listed each time"
ok "${summaries[1]}; all $PAIRS cali* listed each time"

kill -0 "$CHURN_PID" || fail "setup: the churn loop stopped early"
ok "churn ran throughout: $(cat "$TMP/churn.count") create/delete cycles"
kill -TERM "$CHURN_PID"
wait "$CHURN_PID" || true
done_testing
