#!/bin/bash
# --log-format: the daemon's stderr, a file (not a terminal, not the journal),
# gets one JSON object per line with the journald fields in lower case; every
# line parses, names with any byte stay valid JSON; "text" gives plain lines.
source "$(dirname "$0")/lib.sh"

# json_check FILE: every line is one JSON object with known, well-typed fields;
# the file as a whole is valid UTF-8. Prints the number of lines.
json_check() {
        python3 - "$1" <<'EOF'
import datetime, json, re, sys
raw = open(sys.argv[1], "rb").read()
text = raw.decode("utf-8")  # strict: invalid UTF-8 fails here
ints = {"priority", "errno", "rpfguard_ifindex", "rpfguard_old", "rpfguard_new", "object_pid"}
strs = {"timestamp", "message", "message_id", "syslog_identifier", "rpfguard_ifname",
        "rpfguard_rule", "rpfguard_event", "object_comm", "rpfguard_writer_unit"}
now = datetime.datetime.now(datetime.timezone.utc)
n = 0
for k, line in enumerate(text.splitlines(), 1):
    where = f"line {k}: {line!r}"
    o = json.loads(line)
    assert isinstance(o, dict), where
    assert set(o) <= ints | strs, f"{where}: unknown keys {set(o) - ints - strs}"
    for key in ("timestamp", "priority", "message", "syslog_identifier"):
        assert key in o, f"{where}: no {key}"
    for key in set(o) & ints:
        assert type(o[key]) is int, f"{where}: {key} not a number"
    for key in set(o) & strs:
        assert isinstance(o[key], str), f"{where}: {key} not a string"
    assert 0 <= o["priority"] <= 7, where
    assert o["syslog_identifier"] == "rpfguard", where
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", o["timestamp"]), where
    t = datetime.datetime.strptime(o["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    assert abs((now - t).total_seconds()) < 600, f"{where}: timestamp not now"
    if "message_id" in o:
        assert re.fullmatch(r"[0-9a-f]{32}", o["message_id"]), where
    n += 1
assert n > 0, "no lines"
print(n)
EOF
}

# json_has FILE KEY=VALUE...: some line has all these fields (values compared as
# text; a number matches its digits).
json_has() {
        python3 - "$@" <<'EOF'
import json, sys
want = dict(a.split("=", 1) for a in sys.argv[2:])
for line in open(sys.argv[1], encoding="utf-8", errors="strict"):
    try:
        o = json.loads(line)
    except ValueError:
        continue  # a line being written; json_check judges the complete file
    if all(k in o and str(o[k]) == v for k, v in want.items()):
        sys.exit(0)
sys.exit(1)
EOF
}
expect_json() {
        local file=$1
        shift
        wait_until 5 json_has "$file" "$@" || { cat "$file" >&2; fail "no JSON line with $*"; }
        ok "JSON line: $*"
}

CORRECTION=9f91a0ce2e1d456799d57be58936ef14
LOADED=2d35438401544c44bd78ef06a51908ef
REJECTED=ffd87f57c3084a84a9be9890f904cbc9

ns_defaults 0 0
write_conf <<'CONF'
[interfaces]
cali* = strict
CONF
veth cali0001 host0001
require_rp cali0001 0

# No --log-format, stderr a regular file: JSON.
LOG=$TMP/daemon.json.log
ip netns exec "$NS" "$RPFGUARD" -c "$TMP/rpfguard.conf" > "$TMP/daemon.stdout" 2> "$LOG" &
DAEMON_PID=$!
PIDS+=("$DAEMON_PID")
wait_until 10 json_has "$LOG" message="Started: enforcing 1 interfaces, 1 corrections" ||
        { cat "$LOG" >&2; fail "daemon did not start"; }
ok "auto: JSON lines when stderr is a file"
expect_json "$LOG" message_id=$LOADED priority=5 rpfguard_event=startup
expect_json "$LOG" message_id=$CORRECTION priority=6 rpfguard_ifname=cali0001 \
        rpfguard_ifindex="$(nsx cat /sys/class/net/cali0001/ifindex)" rpfguard_rule='cali*' \
        rpfguard_old=0 rpfguard_new=1 rpfguard_event=startup
expect_rp cali0001 1

# A new cali* veth, then drift on the first.
veth cali0002 host0002
expect_rp cali0002 1
expect_json "$LOG" message_id=$CORRECTION rpfguard_ifname=cali0002 rpfguard_new=1
rp_set cali0001 0
expect_rp cali0001 1
expect_json "$LOG" message_id=$CORRECTION rpfguard_ifname=cali0001 rpfguard_old=0 rpfguard_new=1 \
        rpfguard_event=netconf

# Names are bytes: a lone Latin-1 byte (invalid UTF-8) becomes U+FFFD, valid UTF-8
# stays as it is, quotes, backslashes and control characters are escaped.
veth $'cali\xe9' peer0003
veth $'cali\xc3\xa9' peer0004
veth 'cali"q\' peer0005
veth $'cali\x01' peer0006
expect_rp $'cali\xe9' 1
expect_rp $'cali\xc3\xa9' 1
expect_rp 'cali"q\' 1
expect_rp $'cali\x01' 1
expect_json "$LOG" rpfguard_ifname=$'cali\xef\xbf\xbd' rpfguard_new=1
expect_json "$LOG" rpfguard_ifname=$'cali\xc3\xa9' rpfguard_new=1
expect_json "$LOG" rpfguard_ifname='cali"q\' rpfguard_new=1
grep -qF '"rpfguard_ifname":"cali\ufffd"' "$LOG" || fail "the invalid byte is not written as \\ufffd"
ok "an invalid UTF-8 byte is written as \\ufffd"
grep -qF '"rpfguard_ifname":"cali\"q\\"' "$LOG" || fail "quote and backslash not escaped"
ok "quote and backslash escaped"
grep -qF '"rpfguard_ifname":"cali\u0001"' "$LOG" || fail "control character not escaped"
ok "control character escaped"

# A rejected reload: error priority, its MESSAGE_ID.
printf '[interfaces]\ncali* = sideways\n' > "$TMP/rpfguard.conf"
kill -HUP "$DAEMON_PID"
expect_json "$LOG" message_id=$REJECTED priority=3 rpfguard_event=reload

stop_daemon
[ ! -s "$TMP/daemon.stdout" ] || fail "stdout is not empty: $(head -c 300 "$TMP/daemon.stdout")"
ok "nothing on stdout"
n=$(json_check "$LOG") || fail "invalid JSON log"
ok "all $n lines are valid JSON objects with well-typed journald fields"

# errno: as uid 65534 without capabilities every write fails (EACCES).
write_conf <<'CONF'
[interfaces]
cali* = strict
CONF
chmod 755 "$TMP"
chmod 644 "$TMP/rpfguard.conf"
rp_set cali0001 0
LOG=$TMP/daemon.errno.log
ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
        "$RPFGUARD" -c "$TMP/rpfguard.conf" 2> "$LOG" &
pid=$!
PIDS+=("$pid")
expect_json "$LOG" errno=13
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" || true
json_check "$LOG" > /dev/null || fail "invalid JSON log (errno run)"
ok "errno run: valid JSON"

# Given explicitly, the format wins even over a journal stream (nothing goes to the journal).
LOG=$TMP/daemon.stream.log
: > "$LOG"
ip netns exec "$NS" sh -c 'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$0" "$@"' \
        "$RPFGUARD" -c "$TMP/rpfguard.conf" --log-format=json 2>> "$LOG" &
DAEMON_PID=$!
PIDS+=("$DAEMON_PID")
expect_json "$LOG" message_id=$CORRECTION rpfguard_ifname=cali0001 rpfguard_new=1
stop_daemon

# --log-format text: plain lines, as on a terminal.
rp_set cali0001 0
start_daemon  # lib.sh passes --log-format=text
expect_log "cali0001: rp_filter 0 -> 1 (rule cali*, start-up)"
grep -q '^{' "$DAEMON_LOG" && fail "a JSON line with --log-format text"
ok "--log-format text: no JSON line"
stop_daemon

# One-shot commands are read by people: text unless asked for.
printf '[interfaces]\ncali* = sideways\n' > "$TMP/bad.conf"
cli t-auto -c "$TMP/bad.conf" --test-config
expect_rc 2 "--test-config, bad file"
expect_file_has "$ERR" "$TMP/bad.conf:2: error:" "--test-config: text by default"
cli t-json -c "$TMP/bad.conf" --test-config --log-format json
expect_rc 2 "--test-config --log-format json, bad file"
json_has "$ERR" message_id=$REJECTED priority=3 || { show_output; fail "--test-config: no JSON error"; }
ok "--test-config --log-format json: the error as JSON"
cli bad-format --log-format xml
expect_rc 2 "--log-format xml"
expect_file_has "$ERR" "invalid --log-format 'xml'" "--log-format xml"

done_testing
