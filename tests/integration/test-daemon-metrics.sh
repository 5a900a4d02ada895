#!/bin/bash
# The daemon's metrics as a fleet sees them: the real rpfguard in a throwaway namespace
# writes metrics_file, Debian's prometheus-node-exporter (as user prometheus) reads it
# through a symlink in its textfile directory (the documented setup), curl scrapes it.
# Scripted events — start-up drift, new interfaces, drift, a fight and its back-off, a
# rejected and a good reload, a write error — must show as the values they imply; the
# file passes promtool; it is not rewritten while idle; 2,000 interfaces created and
# deleted keep it small. --status and --check show the running daemon's state.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"

NODE_EXPORTER=/usr/bin/prometheus-node-exporter
command -v promtool > /dev/null || fail "promtool not installed (.ci/install-deps)"
command -v curl > /dev/null || fail "curl not installed (.ci/install-deps)"
[ -x "$NODE_EXPORTER" ] || fail "prometheus-node-exporter not installed (.ci/install-deps)"
id prometheus > /dev/null 2>&1 || fail "no user prometheus (the package creates it)"
command -v nsenter > /dev/null || fail "nsenter (util-linux) is required"

# Documented bounds (README "Metrics, state and monitoring"): whatever the number of
# interfaces, at most 145 series plus one per rule, and 18 KiB plus 60 bytes per rule.
N_RULES=4
MAX_SERIES=$((145 + N_RULES))
MAX_BYTES=$((18 * 1024 + 60 * N_RULES))

# --- the production layout under $TMP ------------------------------------------------
# The daemon's RuntimeDirectory (0755) holds metrics.prom and state.json; node_exporter's
# textfile directory (0755 root) only a symlink to metrics.prom.
chmod 755 "$TMP"
RUNDIR=$TMP/run/rpfguard
TEXTFILE_DIR=$TMP/node-exporter
mkdir -p "$RUNDIR" "$TEXTFILE_DIR"
chmod 755 "$TMP/run" "$RUNDIR" "$TEXTFILE_DIR"
METRICS=$RUNDIR/metrics.prom
STATE=$RUNDIR/state.json
ln -s "$METRICS" "$TEXTFILE_DIR/rpfguard.prom"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
setpriv --reuid=prometheus --regid=prometheus --clear-groups "$NODE_EXPORTER" \
        --web.listen-address="127.0.0.1:$PORT" --collector.disable-defaults --collector.textfile \
        --collector.textfile.directory="$TEXTFILE_DIR" > "$TMP/node-exporter.log" 2>&1 &
PIDS+=("$!")
URL=http://127.0.0.1:$PORT/metrics
SCRAPE=$TMP/scrape.txt
scrape() { curl -sf --max-time 5 "$URL" > "$SCRAPE"; }
wait_until 10 scrape || { cat "$TMP/node-exporter.log" >&2; fail "node_exporter does not answer on $URL"; }
ok "node_exporter $("$NODE_EXPORTER" --version 2>&1 | awk 'NR == 1 { print $3 }') as prometheus on 127.0.0.1:$PORT"

# value SERIES: its value in the last scrape (node_exporter sorts labels, Go's floats).
value() { awk -v s="$1" '$1 == s { print $2 }' "$SCRAPE"; }
has_value() { scrape && [ "$(value "$1")" = "$2" ]; }
# expect_metric SERIES VALUE [SECONDS]: the scrape shows it within SECONDS (default 5;
# the daemon writes at most once a second).
expect_metric() {
        wait_until "${3:-5}" has_value "$1" "$2" ||
                { grep -E "^(${1%%\{*}|node_textfile)" "$SCRAPE" >&2; fail "scrape: $1 is '$(value "$1")', expected $2"; }
        ok "scrape: $1 $2"
}
# promtool_clean: the file as it is now parses, and has no lint finding (exit 3 on those).
promtool_clean() {
        local rc=0
        promtool check metrics < "$METRICS" > "$TMP/promtool.out" 2>&1 || rc=$?
        [ $rc = 0 ] && [ ! -s "$TMP/promtool.out" ] || { cat "$TMP/promtool.out" >&2; fail "promtool check metrics ($1): exit $rc"; }
        ok "promtool check metrics ($1): no finding"
}
series() { grep -c '^rpfguard_' "$METRICS"; }
switches() { awk '/^(voluntary|nonvoluntary)_ctxt_switches/ { n += $2 } END { print n }' "/proc/$DAEMON_PID/status"; }

# --- the daemon ------------------------------------------------------------------------
ns_defaults 2 2
veth cali1 host1
veth tunl0 tpeer0
write_conf <<EOF
[daemon]
metrics_file = $METRICS
flap_limit = 3
flap_window = 20
flap_backoff = 40
[global]
all = strict
[interfaces]
lo = ignore
cali* = strict
tunl0 = strict
eth9 = loose
EOF
cp "$TMP/rpfguard.conf" "$TMP/good.conf"
# Its own mount namespace, so that one conf directory can be made read-only for it alone.
DAEMON_WRAPPER=(unshare -m)
start_daemon --runtime-dir "$RUNDIR"
[ -s "$METRICS" ] && [ -s "$STATE" ] || fail "no metrics or state file once started"
ok "metrics file and state file exist once the daemon has started"
[ "$(stat -c %a "$METRICS") $(stat -c %a "$STATE")" = "644 644" ] || fail "metrics/state mode: $(stat -c %a "$METRICS" "$STATE")"
ok "metrics file and state file mode 0644"

# --- 1. start-up: all and cali1, tunl0 corrected ----------------------------------------
expect_metric 'node_textfile_scrape_error' 0
expect_metric 'rpfguard_build_info{version="'"$("$RPFGUARD" --version | awk '{ print $2 }')"'"}' 1
expect_metric 'rpfguard_corrections_total' 3
expect_metric 'rpfguard_drift_events_total{trigger="startup"}' 3
expect_metric 'rpfguard_interfaces{state="ok"}' 2
expect_metric 'rpfguard_interfaces{state="ignored"}' 1
expect_metric 'rpfguard_interfaces{state="unmanaged"}' 2
expect_metric 'rpfguard_managed_interfaces{rule="cali*"}' 1
expect_metric 'rpfguard_managed_interfaces{rule="tunl0"}' 1
expect_metric 'rpfguard_managed_interfaces{rule="eth9"}' 0
expect_metric 'rpfguard_rp_filter{interface="all",kind="current"}' 1
expect_metric 'rpfguard_rp_filter{interface="all",kind="wanted"}' 1
expect_metric 'rpfguard_rp_filter{interface="default",kind="current"}' 2
expect_metric 'rpfguard_config_last_reload_successful' 1
start=$(value rpfguard_start_time_seconds)
awk -v s="$start" -v now="$(date +%s)" 'BEGIN { exit !(s > now - 60 && s <= now + 1) }' || fail "start_time_seconds $start"
ok "scrape: rpfguard_start_time_seconds $start (now: $(date +%s))"

# --- 2. new interfaces, and drift ------------------------------------------------------
veth cali2 host2
veth cali3 host3
expect_rp cali2 1
expect_rp cali3 1
expect_metric 'rpfguard_drift_events_total{trigger="link-new"}' 2
expect_metric 'rpfguard_managed_interfaces{rule="cali*"}' 3
expect_metric 'rpfguard_interfaces{state="unmanaged"}' 4
rp_set cali2 0
expect_rp cali2 1
expect_metric 'rpfguard_drift_events_total{trigger="netconf"}' 1
expect_metric 'rpfguard_corrections_total' 6
expect_metric 'rpfguard_interfaces{state="ok"}' 4
# Every correction that followed a kernel event is timed: all but all's at start-up.
expect_metric 'rpfguard_correction_latency_seconds_count' 5
expect_metric 'rpfguard_correction_latency_seconds_bucket{le="+Inf"}' 5
python3 - "$SCRAPE" <<'PY' || fail "the latency histogram is not cumulative"
import sys
b = [(l.split('le="')[1].split('"')[0], float(l.split()[-1])) for l in open(sys.argv[1])
     if l.startswith('rpfguard_correction_latency_seconds_bucket')]
assert len(b) == 14 and b[0][0] == "1e-05" and b[-1][0] == "+Inf", b
assert all(x[1] <= y[1] for x, y in zip(b, b[1:])), b
PY
ok "scrape: 14 latency buckets from 1e-05 to +Inf, cumulative"
[ "$(value rpfguard_rp_filter'{interface="cali2",kind="current"}')" = "" ] || fail "cali2 is shown although it is ok"
ok "scrape: no rp_filter series for an interface that is ok"
promtool_clean "after start-up, new interfaces and drift"
python3 - "$STATE" <<'PY' || { cat "$STATE" >&2; fail "state.json: last correction"; }
import json, sys
l = json.load(open(sys.argv[1]))["last_correction"]
assert (l["name"], l["old"], l["new"], l["trigger"]) == ("cali2", 0, 1, "netconf"), l
PY
ok "state.json: last correction cali2 0 -> 1, netconf"
cli status-last --status -c "$TMP/rpfguard.conf" --runtime-dir "$RUNDIR"
expect_rc 0 "--status with everything corrected"
grep -qE '^daemon: last correction: cali2 0 off -> 1 strict \(netconf\) at ' "$OUT" || { show_output; fail "--status: no last correction"; }
ok "--status: daemon: last correction: cali2 0 off -> 1 strict (netconf)"

# --- 3. idle: no write, no wake-up ------------------------------------------------------
sleep 1.5 # the last write, if one was still due
mtime=$(stat -c %.9Y "$METRICS")
smtime=$(stat -c %.9Y "$STATE")
before=$(switches)
sleep 3
after=$(switches)
[ "$after" = "$before" ] || fail "idle with metrics_file: $((after - before)) wake-ups in 3 s"
ok "idle for 3 s with metrics_file: 0 wake-ups (context switches $before -> $after)"
[ "$(stat -c %.9Y "$METRICS")" = "$mtime" ] && [ "$(stat -c %.9Y "$STATE")" = "$smtime" ] ||
        fail "the metrics or state file was rewritten while idle"
ok "idle for 3 s: metrics file and state file not rewritten"

# --- 4. a fight: another writer keeps setting cali3 to 2 --------------------------------
fight() { for _ in $(seq 8); do rp_set cali3 2; sleep 0.15; log_has "cali3: another writer keeps setting" && return 0; done; return 1; }
fight || fail "no back-off after 8 writes of cali3"
expect_log "cali3: another writer keeps setting rp_filter to 2 (wanted 1)"
rp_set cali3 2
expect_metric 'rpfguard_fights_total' 1
expect_metric 'rpfguard_interfaces{state="backoff"}' 1
expect_metric 'rpfguard_rp_filter{interface="cali3",kind="current"}' 2
expect_metric 'rpfguard_rp_filter{interface="cali3",kind="wanted"}' 1
expect_metric 'rpfguard_rp_filter{interface="cali3",kind="effective"}' 2
promtool_clean "during a back-off"

cli status-backoff --status -c "$TMP/good.conf" --runtime-dir "$RUNDIR"
expect_rc 3 "--status with cali3 backing off"
grep -qE '^daemon: PID '"$DAEMON_PID"', mode enforce since ' "$OUT" || { show_output; fail "--status: no daemon line"; }
ok "--status: daemon: PID $DAEMON_PID, mode enforce"
grep -qE '^INTERFACE .* STATE +DAEMON$' "$OUT" || { show_output; fail "--status: no DAEMON column"; }
ok "--status: a DAEMON column"
row=$(grep -E '^cali3 ' "$OUT")
[[ $row =~ \ 1\ strict\ +2\ loose\ +2\ loose\ +drift\ +backoff\ ([0-9]+)s\ \(theirs\ 2\ loose\)$ ]] ||
        { show_output; fail "--status: cali3's row: $row"; }
left=${BASH_REMATCH[1]}
[ "$left" -gt 0 ] && [ "$left" -le 41 ] || fail "--status: back-off of $left s left, expected 1..41 (40 s, rounded up twice)"
ok "--status: cali3 ... drift  backoff ${left}s (theirs 2 loose)"
grep -qE '^cali1 .* ok +-$' "$OUT" || { show_output; fail "--status: cali1's DAEMON column is not -"; }
ok "--status: nothing held back on cali1"

cli status-backoff-json --status --json -c "$TMP/good.conf" --runtime-dir "$RUNDIR" cali3
expect_rc 3 "--status --json cali3"
python3 - "$OUT" "$DAEMON_PID" <<'PY' > "$TMP/json.checks" 2>&1 || { cat "$TMP/json.checks" >&2; show_output; fail "--status --json with a back-off"; }
import json, sys
d = json.load(open(sys.argv[1]))
assert d["daemon"]["running"] is True and d["daemon"]["pid"] == int(sys.argv[2]), d["daemon"]
assert [i["name"] for i in d["interfaces"]] == ["cali3"], d["interfaces"]
h = d["interfaces"][0]["daemon"]
assert h["state"] == "backoff" and h["theirs"] == 2 and h["wanted"] == 1 and 0 < h["seconds_left"] <= 41, h
assert d["daemon"]["counts"]["fights"] == 1 and d["daemon"]["counts"]["backoff"] == 1, d["daemon"]["counts"]
print("daemon.pid, cali3 daemon.state backoff, theirs 2, %d s left, counts.fights 1" % h["seconds_left"])
PY
ok "--status --json: $(cat "$TMP/json.checks")"
python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); b = s["backoff"]; assert len(b) == 1 and b[0]["name"] == "cali3" and b[0]["theirs"] == 2, b' "$STATE" ||
        { cat "$STATE" >&2; fail "state.json: no back-off of cali3"; }
ok "state.json: cali3 backing off against 2"

cli check-backoff --check -c "$TMP/good.conf" --runtime-dir "$RUNDIR"
expect_rc 1 "--check during a back-off"
expect_line "$OUT" "not compliant: 1 backing off from a fight (cali3: another writer sets 2 loose)" "--check during a back-off"

# --- 5. a rejected reload, then a good one ---------------------------------------------
loaded=$(value rpfguard_config_last_reload_success_timestamp_seconds)
printf '[interfaces]\nbogus\n' >> "$TMP/rpfguard.conf"
bad_line=$(grep -n '^bogus$' "$TMP/rpfguard.conf" | cut -d: -f1)
kill -HUP "$DAEMON_PID"
expect_log "rejected, keeping the running configuration"
expect_metric 'rpfguard_config_last_reload_successful' 0
[ "$(value rpfguard_config_last_reload_success_timestamp_seconds)" = "$loaded" ] || fail "the success timestamp moved"
ok "scrape: rpfguard_config_last_reload_success_timestamp_seconds unchanged ($loaded)"
cli status-rejected --status -c "$TMP/good.conf" --runtime-dir "$RUNDIR"
grep -qE "^daemon: reload rejected: $TMP/rpfguard.conf:$bad_line \(at .*\); the configuration loaded .* stays in force$" "$OUT" ||
        { show_output; fail "--status: no rejected reload"; }
ok "--status: daemon: reload rejected: $TMP/rpfguard.conf:$bad_line"
cli check-rejected --check -c "$TMP/rpfguard.conf" --runtime-dir "$RUNDIR"
expect_rc 2 "--check with the rejected configuration"
grep -qE "^unknown: configuration error: $TMP/rpfguard.conf:$bad_line: " "$OUT" && [ "$(wc -l < "$OUT")" = 1 ] ||
        { show_output; fail "--check with the rejected configuration: not one line naming FILE:LINE"; }
ok "--check with the rejected configuration: $(cat "$OUT")"

cp "$TMP/good.conf" "$TMP/rpfguard.conf"
kill -HUP "$DAEMON_PID"
# A reload forgets the back-offs and re-checks everything: cali3 is corrected again.
expect_rp cali3 1
expect_metric 'rpfguard_config_last_reload_successful' 1
expect_metric 'rpfguard_resyncs_total{reason="reload"}' 1
expect_metric 'rpfguard_drift_events_total{trigger="reload"}' 1
expect_metric 'rpfguard_interfaces{state="backoff"}' 0
awk -v a="$loaded" -v b="$(value rpfguard_config_last_reload_success_timestamp_seconds)" 'BEGIN { exit !(b > a) }' ||
        fail "the success timestamp did not move on a good reload"
ok "scrape: the success timestamp moved on the good reload"
cli status-reloaded --status -c "$TMP/good.conf" --runtime-dir "$RUNDIR"
expect_rc 0 "--status after the good reload"
expect_no_match "$OUT" "reload rejected" "--status after the good reload"

# --- 6. a write error: cali2's conf directory read-only for the daemon alone ------------
conf2=/proc/sys/net/ipv4/conf/cali2
nsenter -t "$DAEMON_PID" -m -n mount --bind -o ro "$conf2" "$conf2" || fail "setup: cannot bind-mount $conf2 read-only"
rp_set cali2 2
expect_log "cali2: cannot write rp_filter 1: Read-only file system"
expect_metric 'rpfguard_write_errors_total{errno="EROFS"}' 1
expect_metric 'rpfguard_interfaces{state="error"}' 1
expect_metric 'rpfguard_rp_filter{interface="cali2",kind="current"}' 2
cli status-error --status -c "$TMP/good.conf" --runtime-dir "$RUNDIR" cali2
expect_rc 3 "--status cali2 while its write fails"
grep -qE '^cali2 .* drift +error EROFS(, retry in [0-9]+s)?$' "$OUT" || { show_output; fail "--status: cali2 is not shown failing with EROFS"; }
ok "--status: $(grep -E '^cali2 ' "$OUT" | tr -s ' ')"
cli check-error --check -c "$TMP/good.conf" --runtime-dir "$RUNDIR"
expect_rc 1 "--check while a write fails"
expect_line "$OUT" "not compliant: 1 write failing (cali2: EROFS)" "--check while a write fails"
promtool_clean "with a write error"
nsenter -t "$DAEMON_PID" -m -n umount "$conf2" || fail "setup: cannot unmount $conf2"
expect_rp cali2 1 10
expect_metric 'rpfguard_interfaces{state="error"}' 0 10
cli check-ok --check -c "$TMP/good.conf" --runtime-dir "$RUNDIR"
expect_rc 0 "--check once everything is corrected"
expect_line "$OUT" "compliant: 4 managed interfaces as configured, all 1 strict; rpfguard PID $DAEMON_PID, mode enforce" "--check"

# The scrape after the scripted events: every rpfguard_ series of the file, same value.
scrape
python3 - "$METRICS" "$SCRAPE" <<'PY' || fail "file and scrape differ"
import re, sys
line = re.compile(r'^(rpfguard_[a-z_]+)(\{(.*)\})? (\S+)$')
label = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')
def samples(path):
    out = {}
    for l in open(path, encoding="utf-8"):
        m = line.match(l.rstrip("\n"))
        if m:
            out[(m.group(1), tuple(sorted(label.findall(m.group(3) or ""))))] = float(m.group(4))
    return out
a, b = samples(sys.argv[1]), samples(sys.argv[2])
assert a == b, (sorted(set(a) ^ set(b)), [k for k in a if k in b and a[k] != b[k]])
print(len(a))
PY
ok "every rpfguard_ series of the file is in node_exporter's scrape, same value"
expect_metric 'node_textfile_scrape_error' 0
[ -z "${METRICS_SCRAPE_OUT:-}" ] || cp "$SCRAPE" "$METRICS_SCRAPE_OUT"

# --- 7. churn: 2,000 interfaces created and deleted --------------------------------------
# In audit mode, the worst case: every new cali* stays in drift, and each would be a
# series of rpfguard_rp_filter but for the cap.
sed 's/^\[daemon\]$/[daemon]\nmode = audit/' "$TMP/good.conf" > "$TMP/rpfguard.conf"
kill -HUP "$DAEMON_PID"
expect_log "4 rules, mode audit"
for i in $(seq 1000); do echo "link add cali-c$i type veth peer name h-c$i"; done > "$TMP/add.batch"
for i in $(seq 1000); do echo "link del cali-c$i"; done > "$TMP/del.batch"
max_series=0 max_bytes=0 max_drift=0 max_omitted=0
sample() {
        local n b d o
        cp "$METRICS" "$TMP/sample.prom" 2>/dev/null || return 0
        n=$(grep -c '^rpfguard_' "$TMP/sample.prom") b=$(stat -c %s "$TMP/sample.prom")
        d=$(awk '$1 == "rpfguard_interfaces{state=\"drift\"}" { print $2 }' "$TMP/sample.prom")
        o=$(awk '$1 == "rpfguard_rp_filter_omitted_interfaces" { print $2 }' "$TMP/sample.prom")
        [ "$n" -le "$max_series" ] || max_series=$n
        [ "$b" -le "$max_bytes" ] || max_bytes=$b
        [ "$d" -le "$max_drift" ] || max_drift=$d
        [ "$o" -le "$max_omitted" ] || max_omitted=$o
}
( nsx ip -batch "$TMP/add.batch" && sleep 2 && nsx ip -batch "$TMP/del.batch" ) &
churn=$!
while kill -0 "$churn" 2>/dev/null; do sample; sleep 0.1; done
wait "$churn" || fail "setup: the churn's ip -batch failed"
expect_metric 'rpfguard_managed_interfaces{rule="cali*"}' 3 10
expect_metric 'rpfguard_interfaces{state="unmanaged"}' 4
sample
[ "$max_series" -le "$MAX_SERIES" ] || fail "churn: $max_series series, documented at most $MAX_SERIES"
[ "$max_bytes" -le "$MAX_BYTES" ] || fail "churn: $max_bytes bytes, documented at most $MAX_BYTES"
ok "churn of 2,000 interfaces: at most $max_series series (bound $MAX_SERIES), $max_bytes bytes (bound $MAX_BYTES)"
[ "$max_drift" -ge 900 ] && [ "$max_omitted" -ge 800 ] ||
        fail "churn: at most $max_drift in drift and $max_omitted omitted seen: the worst case was not reached"
ok "churn: up to $max_drift interfaces in drift at once, $max_omitted of them left out of rpfguard_rp_filter"
expect_metric 'rpfguard_interfaces{state="drift"}' 0
expect_metric 'rpfguard_rp_filter_omitted_interfaces' 0
expect_metric 'node_textfile_scrape_error' 0
promtool_clean "after the churn"
cp "$TMP/good.conf" "$TMP/rpfguard.conf"
kill -HUP "$DAEMON_PID"
expect_log_count "4 rules, mode enforce" 3

# --- 8. without a daemon ---------------------------------------------------------------------
stop_daemon
[ ! -e "$STATE" ] && [ ! -e "$METRICS" ] || fail "state or metrics file left after a clean exit: $(ls "$RUNDIR")"
ok "clean exit: state file and metrics file removed"
expect_metric 'node_textfile_scrape_error' 1
grep -q '^rpfguard_' "$SCRAPE" && fail "rpfguard_ series exported with no daemon"
ok "scrape without a daemon: no rpfguard_ series (what RPFilterMetricsAbsent alerts on)"
cli status-none --status -c "$TMP/good.conf" --runtime-dir "$RUNDIR"
expect_rc 0 "--status without a daemon"
expect_line "$OUT" "no rpfguard daemon is running: values are the kernel's only (no state file $STATE)" "--status without a daemon"
cli check-none --check -c "$TMP/good.conf" --runtime-dir "$RUNDIR"
expect_rc 1 "--check without a daemon"
expect_line "$OUT" "not compliant: no rpfguard daemon is running (no state file $STATE)" "--check without a daemon"
done_testing
