#!/bin/bash
# Writer attribution: the real cgroup/sysctl BPF program, attached to a cgroup this
# test creates under the cgroup2 root (never to the root itself), names the process
# behind each change in the journal (a private journald) — OBJECT_PID, OBJECT_COMM,
# RPFGUARD_WRITER_UNIT and the words — and in the fight warning; rpfguard's own
# writes and writes in other network namespaces are not reported; idle stays asleep.
# Without CAP_BPF/CAP_PERFMON: one notice, and enforcement as before.
if [ -z "${RPFGUARD_IN_MOUNTNS:-}" ]; then
        [ "$(id -u)" = 0 ] || { echo "FAIL: $0 needs root" >&2; exit 1; }
        exec unshare --mount --propagation private env RPFGUARD_IN_MOUNTNS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

ID_CORRECTION=9f91a0ce2e1d456799d57be58936ef14
ID_FIGHT=b94b360337ad4c99848d0dc3b0c2cc8d

# --- the test's own cgroups ----------------------------------------------------
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
        CGROOT=/sys/fs/cgroup
elif [ -d /sys/fs/cgroup/unified ] && [ "$(stat -f -c %T /sys/fs/cgroup/unified)" = cgroup2fs ]; then
        CGROOT=/sys/fs/cgroup/unified
else
        fail "no cgroup2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified"
fi
ORIG_CGROUP=$(sed -n 's/^0:://p' /proc/self/cgroup)
# The attachment point, and below it: the daemon's cgroup (its own writes pass the
# program), a writer's "unit", and a writer's cgroup that is no unit.
TCG_NAME=rpfguard-test-$$.slice
TCG=$CGROOT/$TCG_NAME
OTHER_NS=$NS-other
mkdir "$TCG" "$TCG/rpfguard.service" "$TCG/fake-sysctl.service" "$TCG/plain"
ln -s "$(command -v dash)" "$TMP/fake-sysctl"

# Before lib.sh's cleanup (which stops the daemon and deletes the namespace): move
# whatever still runs in the test's cgroups back where it came from, remove them.
attribution_cleanup() {
        local rc=$? d p
        set +e
        for d in "$TCG"/*/ "$TCG/"; do
                [ -f "$d/cgroup.procs" ] || continue
                while read -r p; do echo "$p" > "$CGROOT$ORIG_CGROUP/cgroup.procs"; done < "$d/cgroup.procs"
        done
        for d in "$TCG"/*/; do rmdir "$d" 2>/dev/null; done
        rmdir "$TCG" 2>/dev/null || echo "warning: could not remove $TCG" >&2
        ip netns del "$OTHER_NS" 2>/dev/null
        (exit $rc)
        cleanup
}
trap attribution_cleanup EXIT
[ -d "$TCG" ] && ok "own cgroup $TCG created"

# --- a private journald (journal.sh) -------------------------------------------
. "$(dirname "$0")/journal.sh"
start_private_journald

ns_defaults 2 2
veth cali0001 host0001
veth cali0002 host0002
veth cali0003 host0003
write_conf <<'CONF'
[daemon]
attribute_writers = yes
log_level = debug
flap_limit = 2
flap_window = 10
flap_backoff = 60
[global]
all = 0
[interfaces]
cali* = strict
CONF
chmod 755 "$TMP"
chmod 644 "$TMP/rpfguard.conf"

# The daemon runs in the test's network namespace through nsenter, not ip netns
# exec, which would mount a new /sys without the cgroup2 hierarchy; it joins its
# cgroup below the attachment point first. Its stderr is a journal stream.
nsenter --net="/run/netns/$NS" systemd-cat -t rpfguard sh -c \
        'echo $$ > "$1/cgroup.procs"; shift; JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$@"' \
        sh "$TCG/rpfguard.service" "$RPFGUARD" -c "$TMP/rpfguard.conf" --attribution-cgroup "$TCG" &
DAEMON_PID=$!
PIDS+=("$DAEMON_PID")
started() { j -o cat SYSLOG_IDENTIFIER=rpfguard | grep -q '^Started'; }
wait_until 10 started || fail "daemon did not start: $(j -o cat | tail -5)"
grep -qx "0::/$TCG_NAME/rpfguard.service" "/proc/$DAEMON_PID/cgroup" || fail "daemon not in its cgroup: $(cat "/proc/$DAEMON_PID/cgroup")"
ok "daemon $DAEMON_PID started in $TCG_NAME/rpfguard.service"
j -o cat SYSLOG_IDENTIFIER=rpfguard | grep -qF "Writer attribution is on: every write to an rp_filter below $TCG is reported" ||
        fail "attribution not on: $(j -o cat SYSLOG_IDENTIFIER=rpfguard | grep -i attribution)"
ok "journal: writer attribution is on, attached to the test's cgroup"
expect_rp cali0001 1
expect_rp all 0

# write_as CGROUP COMM IFACE VALUE [NETNS]: one process joins CGROUP and, as COMM,
# writes VALUE to IFACE's rp_filter in NETNS (default: the test's); its PID in $WPID.
write_as() {
        ln -sf "$(command -v dash)" "$TMP/$2"
        sh -c 'echo $$ > "$1/cgroup.procs"; echo $$ > "$6"
               exec ip netns exec "$5" "$2" -c "echo $4 > /proc/sys/net/ipv4/conf/$3/rp_filter"' \
                sh "$TCG/$1" "$TMP/$2" "$3" "$4" "${5:-$NS}" "$TMP/wpid"
        WPID=$(cat "$TMP/wpid")
}

# 1. A writer in a "unit": named in the correction, with every field.
write_as fake-sysctl.service fake-sysctl cali0001 2
expect_rp cali0001 1
wait_until 5 jcount_gt 0 MESSAGE_ID=$ID_CORRECTION RPFGUARD_IFNAME=cali0001 RPFGUARD_EVENT=netconf ||
        fail "no correction entry for cali0001"
expect_field "cali0001: rp_filter 2 -> 1 (rule cali*, changed by fake-sysctl[$WPID] of fake-sysctl.service)" \
        MESSAGE_ID=$ID_CORRECTION RPFGUARD_IFNAME=cali0001 MESSAGE
expect_field "$WPID" MESSAGE_ID=$ID_CORRECTION RPFGUARD_IFNAME=cali0001 OBJECT_PID
expect_field fake-sysctl MESSAGE_ID=$ID_CORRECTION RPFGUARD_IFNAME=cali0001 OBJECT_COMM
expect_field fake-sysctl.service MESSAGE_ID=$ID_CORRECTION RPFGUARD_IFNAME=cali0001 RPFGUARD_WRITER_UNIT
expect_field 2 MESSAGE_ID=$ID_CORRECTION RPFGUARD_IFNAME=cali0001 RPFGUARD_OLD
# The operator's query.
[ "$(jcount OBJECT_COMM=fake-sysctl MESSAGE_ID=$ID_CORRECTION)" = 1 ] || fail "query by OBJECT_COMM"
ok "journalctl OBJECT_COMM=fake-sysctl MESSAGE_ID=… finds the correction"
echo "--- the journal entry:"
j -o verbose MESSAGE_ID=$ID_CORRECTION OBJECT_PID="$WPID" | grep -E '^    (MESSAGE|PRIORITY|OBJECT|RPFGUARD|MESSAGE_ID|_PID|SYSLOG)'

# 2. A writer outside any unit: its cgroup instead; all, under its own name.
write_as plain writer-plain all 2
expect_rp all 0
wait_until 5 jcount_gt 0 MESSAGE_ID=$ID_CORRECTION RPFGUARD_IFNAME=all RPFGUARD_EVENT=netconf ||
        fail "no correction entry for all"
expect_field "all: rp_filter 2 -> 0 (rule all, changed by writer-plain[$WPID] in cgroup /$TCG_NAME/plain)" \
        MESSAGE_ID=$ID_CORRECTION RPFGUARD_IFNAME=all MESSAGE
expect_field "<missing>" MESSAGE_ID=$ID_CORRECTION RPFGUARD_IFNAME=all RPFGUARD_WRITER_UNIT
expect_field writer-plain MESSAGE_ID=$ID_CORRECTION RPFGUARD_IFNAME=all OBJECT_COMM

# 3. A writer that is gone before its report is read (the daemon stopped meanwhile):
# its cgroup is found by its id.
kill -STOP "$DAEMON_PID"
write_as fake-sysctl.service gone-writer cali0003 2
wait_until 5 not_running "$WPID" || fail "writer $WPID still running"
kill -CONT "$DAEMON_PID"
expect_rp cali0003 1
wait_until 5 jcount_gt 0 MESSAGE_ID=$ID_CORRECTION RPFGUARD_IFNAME=cali0003 RPFGUARD_EVENT=netconf ||
        fail "no correction entry for cali0003"
expect_field "cali0003: rp_filter 2 -> 1 (rule cali*, changed by gone-writer[$WPID] of fake-sysctl.service)" \
        MESSAGE_ID=$ID_CORRECTION RPFGUARD_IFNAME=cali0003 MESSAGE

# 4. Another network namespace's cali0004 is another interface: a write there is not
# reported, so a change here just after it (by a process outside the attachment
# point: the test itself) is "another writer", unnamed.
veth cali0004 host0004
expect_rp cali0004 1
ip netns add "$OTHER_NS"
ip netns exec "$OTHER_NS" ip link add cali0004 type veth peer name host0004
n_before=$(jcount MESSAGE_ID=$ID_CORRECTION RPFGUARD_IFNAME=cali0004)
write_as fake-sysctl.service other-netns cali0004 2 "$OTHER_NS"
rp_set cali0004 2
expect_rp cali0004 1
wait_until 5 jcount_gt "$n_before" MESSAGE_ID=$ID_CORRECTION RPFGUARD_IFNAME=cali0004 ||
        fail "no second correction entry for cali0004"
expect_field "cali0004: rp_filter 2 -> 1 (rule cali*, changed by another writer)" \
        MESSAGE_ID=$ID_CORRECTION RPFGUARD_IFNAME=cali0004 MESSAGE
expect_field "<missing>" MESSAGE_ID=$ID_CORRECTION RPFGUARD_IFNAME=cali0004 OBJECT_PID
[ "$(jcount OBJECT_COMM=other-netns)" = 0 ] || fail "a write in another network namespace was attributed"
ok "a write in another network namespace is not reported"

# 5. A fight: the warning names the writer.
ln -sf "$(command -v dash)" "$TMP/fighter"
sh -c 'echo $$ > "$1/cgroup.procs"; echo $$ > "$3"
       exec ip netns exec "$2" "$4" -c "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
               echo 2 > /proc/sys/net/ipv4/conf/cali0002/rp_filter; sleep 0.05; done"' \
        sh "$TCG/fake-sysctl.service" "$NS" "$TMP/wpid" "$TMP/fighter"
WPID=$(cat "$TMP/wpid")
wait_until 5 jcount_gt 0 MESSAGE_ID=$ID_FIGHT || fail "no fight entry"
expect_field "$WPID" MESSAGE_ID=$ID_FIGHT OBJECT_PID
expect_field fighter MESSAGE_ID=$ID_FIGHT OBJECT_COMM
expect_field fake-sysctl.service MESSAGE_ID=$ID_FIGHT RPFGUARD_WRITER_UNIT
j -o cat MESSAGE_ID=$ID_FIGHT | grep -qF "cali0002: fighter[$WPID] of fake-sysctl.service keeps setting rp_filter to 2 (wanted 1)" ||
        fail "fight warning: $(j -o cat MESSAGE_ID=$ID_FIGHT)"
ok "journal: the fight warning names fighter[$WPID] of fake-sysctl.service"

# 6. rpfguard's own writes (it runs below the attachment point) are never reported.
n_own=$(j -o cat SYSLOG_IDENTIFIER=rpfguard | grep -c "rp_filter written by" || true)
[ "$n_own" -ge 5 ] || fail "only $n_own writes reported at all"
j -o cat SYSLOG_IDENTIFIER=rpfguard | grep "rp_filter written by" | grep -F "[$DAEMON_PID]" &&
        fail "rpfguard's own writes were reported"
[ "$(jcount OBJECT_PID="$DAEMON_PID")" = 0 ] || fail "an entry names rpfguard itself as the writer"
ok "$n_own writes reported, none of them rpfguard's own ($(j -o cat MESSAGE_ID=$ID_CORRECTION | grep -c .) corrections)"

# 7. Idle means asleep, attribution on too: no wake-ups in 3 s.
switches() { awk '/^(voluntary|nonvoluntary)_ctxt_switches/ { n += $2 } END { print n }' "/proc/$DAEMON_PID/status"; }
sleep 0.5
before=$(switches)
sleep 3
after=$(switches)
[ "$after" = "$before" ] || fail "idle with attribution on: $((after - before)) wake-ups in 3 s"
ok "idle for 3 s with attribution on: 0 wake-ups (context switches $before -> $after)"

kill -TERM "$DAEMON_PID"
wait_until 5 not_running "$DAEMON_PID" || fail "daemon did not stop"
ok "daemon stopped"
# The bpf_link went with the process: nothing is attached to the test's cgroup now.
if command -v bpftool > /dev/null; then
        n=$(bpftool cgroup show "$TCG" 2>/dev/null | grep -c sysctl || true)
        [ "$n" = 0 ] || fail "$n programs still attached to $TCG"
        ok "no program attached to $TCG after the daemon exits"
fi

# 8. JSON lines carry the same fields, in lower case.
DAEMON_LOG=$TMP/daemon.json.log
nsenter --net="/run/netns/$NS" sh -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' \
        sh "$TCG/rpfguard.service" "$RPFGUARD" -c "$TMP/rpfguard.conf" --attribution-cgroup "$TCG" \
        --log-format=json > "$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
PIDS+=("$DAEMON_PID")
wait_until 10 grep -q '"message":"Started' "$DAEMON_LOG" || fail "JSON daemon did not start"
write_as fake-sysctl.service json-writer cali0001 2
expect_rp cali0001 1
wait_until 5 grep -q "json-writer\[$WPID\]" "$DAEMON_LOG" || fail "no JSON entry naming json-writer"
python3 - "$DAEMON_LOG" "$WPID" <<'PY' || fail "JSON entry lacks the writer fields"
import json, sys
entries = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
e = [x for x in entries if "json-writer" in x["message"]][-1]
assert e["object_pid"] == int(sys.argv[2]), e
assert e["object_comm"] == "json-writer", e
assert e["rpfguard_writer_unit"] == "fake-sysctl.service", e
PY
ok "JSON: object_pid, object_comm, rpfguard_writer_unit"

# A reload turns it off and on again.
sed -i 's/^attribute_writers = yes$/attribute_writers = no/' "$TMP/rpfguard.conf"
kill -HUP "$DAEMON_PID"
wait_until 5 grep -q '"message":"Writer attribution is off"' "$DAEMON_LOG" || fail "reload did not turn attribution off"
write_as fake-sysctl.service after-reload cali0001 2
expect_rp cali0001 1
wait_until 5 grep -qF 'cali0001: rp_filter 2 -> 1 (rule cali*, changed by another writer)' "$DAEMON_LOG" ||
        fail "after attribute_writers = no: $(tail -3 "$DAEMON_LOG")"
grep -q "after-reload" "$DAEMON_LOG" && fail "a writer was named with attribute_writers = no"
ok "reload with attribute_writers = no: off, the writer is not named"
sed -i 's/^attribute_writers = no$/attribute_writers = yes/' "$TMP/rpfguard.conf"
kill -HUP "$DAEMON_PID"
on_twice() { [ "$(grep -c '"message":"Writer attribution is on' "$DAEMON_LOG")" = 2 ]; }
wait_until 5 on_twice || fail "reload did not turn attribution on again"
write_as fake-sysctl.service on-again cali0003 2
expect_rp cali0003 1
wait_until 5 grep -qF "cali0003: rp_filter 2 -> 1 (rule cali*, changed by on-again[$WPID] of fake-sysctl.service)" "$DAEMON_LOG" ||
        fail "after attribute_writers = yes again: $(tail -3 "$DAEMON_LOG")"
ok "reload with attribute_writers = yes: on again, the writer is named"
stop_daemon

# 9. Without CAP_BPF and CAP_PERFMON (uid 65534, CAP_NET_ADMIN only): one notice,
# and enforcement as before.
# start_unprivileged CAPS: the daemon as uid 65534 with exactly CAPS (setpriv's syntax).
start_unprivileged() {
        DAEMON_STARTS=$(( ${DAEMON_STARTS:-0} + 1 ))
        DAEMON_LOG=$TMP/daemon.$DAEMON_STARTS.log
        nsenter --net="/run/netns/$NS" sh -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' \
                sh "$TCG/rpfguard.service" setpriv --reuid=65534 --regid=65534 --clear-groups \
                --inh-caps="-all,+$1" --ambient-caps="-all,+$1" --bounding-set="-all,+$1" \
                "$RPFGUARD" -c "$TMP/rpfguard.conf" --attribution-cgroup "$TCG" --log-format=text > "$DAEMON_LOG" 2>&1 &
        DAEMON_PID=$!
        PIDS+=("$DAEMON_PID")
        wait_until 10 grep -q "^Started" "$DAEMON_LOG" || fail "daemon ($1) did not start"
}
start_unprivileged net_admin
NOTICE="Writer attribution is off: loading the cgroup/sysctl program needs CAP_BPF and CAP_PERFMON besides CAP_NET_ADMIN, and CAP_BPF and CAP_PERFMON are missing (see rpfguard-attribution.conf): Operation not permitted"
expect_log "$NOTICE"
[ "$(log_count "Writer attribution")" = 1 ] || fail "more than one line about attribution: $(grep attribution "$DAEMON_LOG")"
ok "exactly one notice"
write_as fake-sysctl.service unprivileged cali0001 2
expect_rp cali0001 1
expect_log "cali0001: rp_filter 2 -> 1 (rule cali*, changed by another writer)"
veth cali0005 host0005
expect_rp cali0005 1
grep -qiE "error|warning" "$DAEMON_LOG" && fail "errors logged: $(grep -iE 'error|warning' "$DAEMON_LOG")"
ok "enforcement unchanged, no errors or warnings"
stop_daemon

# CAP_BPF without CAP_PERFMON: still off, and the notice names what is missing.
start_unprivileged net_admin,+bpf
expect_log "and CAP_PERFMON is missing (see rpfguard-attribution.conf)"
stop_daemon

# 10. Exactly the drop-in's capabilities (CAP_NET_ADMIN CAP_BPF CAP_PERFMON) as uid
# 65534 are enough.
start_unprivileged net_admin,+bpf,+perfmon
expect_log "Writer attribution is on"
write_as fake-sysctl.service with-dropin cali0001 2
expect_rp cali0001 1
expect_log "cali0001: rp_filter 2 -> 1 (rule cali*, changed by with-dropin[$WPID] of fake-sysctl.service)"
stop_daemon
done_testing
