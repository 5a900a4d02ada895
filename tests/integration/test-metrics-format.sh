#!/bin/bash
# The metrics file as the real consumers see it: promtool check metrics finds nothing,
# and Debian's prometheus-node-exporter, run as user prometheus, reads it through a
# symlink in its textfile directory (the documented setup), while it is rewritten.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"

SAMPLE=$HELPERS/metrics-sample
NODE_EXPORTER=/usr/bin/prometheus-node-exporter
command -v promtool > /dev/null || fail "promtool not installed (.ci/install-deps)"
[ -x "$NODE_EXPORTER" ] || fail "prometheus-node-exporter not installed (.ci/install-deps)"
id prometheus > /dev/null 2>&1 || fail "no user prometheus (the package creates it)"
[ -x "$SAMPLE" ] || fail "no $SAMPLE"

# The production layout under $TMP: the daemon's RuntimeDirectory (0755, owned by a
# user that is not prometheus, as a DynamicUser's is) and node_exporter's textfile
# directory (0755 root) holding only a symlink to the daemon's file.
chmod 755 "$TMP"
RUNDIR=$TMP/run/rpfguard
TEXTFILE_DIR=$TMP/node-exporter
mkdir -p "$RUNDIR" "$TEXTFILE_DIR"
chmod 755 "$TMP/run" "$RUNDIR" "$TEXTFILE_DIR"
chown nobody:nogroup "$RUNDIR"
ln -s "$RUNDIR/metrics.prom" "$TEXTFILE_DIR/rpfguard.prom"

# Written as that other user, with a umask that would make it private: the writer's
# fchmod(0644) must win.
write_sample() { (umask 077 && setpriv --reuid=nobody --regid=nogroup --clear-groups "$SAMPLE" "$RUNDIR/metrics.prom"); }
write_sample || fail "metrics-sample failed"
[ "$(stat -c '%a %U' "$RUNDIR/metrics.prom")" = "644 nobody" ] ||
        fail "metrics file is $(stat -c '%a %U' "$RUNDIR/metrics.prom"), expected 644 nobody"
ok "metrics file mode 0644, owned by its writer"
[ "$(ls -A "$RUNDIR")" = metrics.prom ] || fail "left beside the file: $(ls -A "$RUNDIR")"
ok "no temporary file left"

# --- promtool: parses, and no lint finding (it exits 3 on those) ---------------------
rc=0
promtool check metrics < "$RUNDIR/metrics.prom" > "$TMP/promtool.out" 2>&1 || rc=$?
if [ $rc -ne 0 ] || [ -s "$TMP/promtool.out" ]; then
        cat "$TMP/promtool.out" >&2
        fail "promtool check metrics: exit status $rc"
fi
ok "promtool check metrics: no finding"
# ... and it does complain about a broken file, so the check above means something.
printf '# TYPE rpfguard_x counter\nrpfguard_x{interface="a\\xff"} 1\n' > "$TMP/bad.prom"
! promtool check metrics < "$TMP/bad.prom" > /dev/null 2>&1 || fail "promtool accepted a broken file"
ok "promtool rejects a broken file"

# --- the real node_exporter -----------------------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
setpriv --reuid=prometheus --regid=prometheus --clear-groups "$NODE_EXPORTER" \
        --web.listen-address="127.0.0.1:$PORT" --collector.disable-defaults --collector.textfile \
        --collector.textfile.directory="$TEXTFILE_DIR" > "$TMP/node-exporter.log" 2>&1 &
NE_PID=$!
PIDS+=("$NE_PID")
URL=http://127.0.0.1:$PORT/metrics
scrape() { curl -sf --max-time 5 "$URL" > "$1"; }
wait_until 10 scrape "$TMP/scrape.txt" || { cat "$TMP/node-exporter.log" >&2; fail "node_exporter does not answer on $URL"; }
[ "$(ps -o user= -p "$NE_PID")" = prometheus ] || fail "node_exporter runs as $(ps -o user= -p "$NE_PID")"
ok "node_exporter $($NODE_EXPORTER --version 2>&1 | head -1 | awk '{print $3}') runs as prometheus on 127.0.0.1:$PORT"

expect_file_has "$TMP/scrape.txt" "node_textfile_scrape_error 0" "scrape"
grep -qE "^node_textfile_mtime_seconds\{file=\"$TEXTFILE_DIR/rpfguard.prom\"\} " "$TMP/scrape.txt" ||
        fail "no node_textfile_mtime_seconds for $TEXTFILE_DIR/rpfguard.prom"
ok "node_textfile_mtime_seconds{file=\"$TEXTFILE_DIR/rpfguard.prom\"}: the symlink's path, full"

# RPFilterMetricsAbsent keys on node_exporter's own build info, present on every scrape.
grep -q '^node_exporter_build_info{' "$TMP/scrape.txt" || fail "no node_exporter_build_info"
ok "node_exporter_build_info present"

# The values metrics-sample sets, as node_exporter re-exposes them (labels sorted,
# floats in Go's format).
while IFS= read -r line; do
        expect_file_has "$TMP/scrape.txt" "$line" "scrape"
done <<'EOF'
rpfguard_build_info{version="0.1.0-sample"} 1
rpfguard_start_time_seconds 1.70000000025e+09
rpfguard_config_last_reload_successful 1
rpfguard_config_last_reload_success_timestamp_seconds 1.7000001005e+09
rpfguard_interfaces{state="ok"} 42
rpfguard_interfaces{state="drift"} 1
rpfguard_interfaces{state="unmanaged"} 5
rpfguard_interfaces{state="backoff"} 1
rpfguard_interfaces{state="error"} 1
rpfguard_managed_interfaces{rule="veth*"} 38
rpfguard_managed_interfaces{rule="br-\"q\"\\\\x"} 2
rpfguard_rp_filter{interface="veth7",kind="current"} 2
rpfguard_rp_filter{interface="veth7",kind="wanted"} 1
rpfguard_rp_filter{interface="eth\\xff",kind="wanted"} 1
rpfguard_rp_filter{interface="all",kind="current"} 0
rpfguard_corrections_total 7
rpfguard_drift_events_total{trigger="link-new"} 3
rpfguard_drift_events_total{trigger="link-rename"} 0
rpfguard_fights_total 1
rpfguard_resyncs_total{reason="overflow"} 1
rpfguard_write_errors_total{errno="EROFS"} 2
rpfguard_write_errors_total{errno="other"} 1
rpfguard_correction_latency_seconds_bucket{le="1e-05"} 1
rpfguard_correction_latency_seconds_bucket{le="0.001"} 4
rpfguard_correction_latency_seconds_bucket{le="+Inf"} 6
rpfguard_correction_latency_seconds_sum 3.002961
rpfguard_correction_latency_seconds_count 6
EOF
grep -q 'interface="tunl0",kind="wanted"' "$TMP/scrape.txt" && fail "a value < 0 was exported"
ok "no sample for a value the caller left out"

# Every rpfguard_ sample of the file, and no other, comes back with the same value.
python3 - "$RUNDIR/metrics.prom" "$TMP/scrape.txt" <<'EOF' || fail "file and scrape differ"
import re, sys
line = re.compile(r'^(rpfguard_[a-z_]+)(\{(.*)\})? (\S+)$')
label = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')
def samples(path):
    out = {}
    for l in open(path, encoding="utf-8"):
        m = line.match(l.rstrip("\n"))
        if m:
            key = (m.group(1), tuple(sorted(label.findall(m.group(3) or ""))))
            assert key not in out, f"duplicate series {key}"
            out[key] = float(m.group(4))
    return out
a, b = samples(sys.argv[1]), samples(sys.argv[2])
if a != b:
    print("only in file:", sorted(set(a) - set(b)), "only in scrape:", sorted(set(b) - set(a)),
          "differ:", [k for k in a if k in b and a[k] != b[k]], file=sys.stderr)
    sys.exit(1)
print(f"{len(a)} series equal")
EOF
ok "every rpfguard_ series of the file is in the scrape, same value"

# --- rewritten while scraped: never a torn or missing file ------------------------------
( for _ in $(seq 300); do write_sample || exit 1; done ) &
WRITER=$!
torn=0 scrapes=0
while kill -0 "$WRITER" 2>/dev/null && [ $scrapes -lt 200 ]; do
        scrape "$TMP/during.txt" || fail "scrape failed while the file was rewritten"
        scrapes=$((scrapes + 1))
        grep -qx "node_textfile_scrape_error 0" "$TMP/during.txt" &&
                grep -qx "rpfguard_correction_latency_seconds_count 6" "$TMP/during.txt" || torn=$((torn + 1))
done
wait "$WRITER" || fail "metrics-sample failed while rewriting"
[ $scrapes -ge 10 ] || fail "only $scrapes scrapes overlapped the rewrites"
[ $torn -eq 0 ] || fail "$torn of $scrapes scrapes saw a torn or missing file"
ok "$scrapes scrapes during 300 rewrites: every one complete, scrape_error 0"
[ "$(ls -A "$RUNDIR")" = metrics.prom ] || fail "left beside the file: $(ls -A "$RUNDIR")"
ok "still no temporary file left"

# --- the daemon stopped: systemd removes its RuntimeDirectory ---------------------------
rm -rf "$RUNDIR"
scrape "$TMP/stopped.txt" || fail "scrape failed"
expect_file_has "$TMP/stopped.txt" "node_textfile_scrape_error 1" "dangling symlink"
grep -q '^rpfguard_' "$TMP/stopped.txt" && fail "rpfguard_ series still exported with the file gone"
grep -q '^node_textfile_mtime_seconds' "$TMP/stopped.txt" && fail "an mtime exported with the file gone"
ok "dangling symlink: no rpfguard_ series, no mtime (what RPFilterMetricsAbsent alerts on)"

kill -TERM "$NE_PID"
wait "$NE_PID" 2>/dev/null || true
ok "node_exporter stopped"
done_testing
