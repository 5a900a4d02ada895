#!/bin/bash
# Logging through a real journald: a private systemd-journald in a mount
# namespace of its own (tmpfs over /run/systemd/journal and /run/log/journal),
# the daemon's stderr a journal stream named by $JOURNAL_STREAM, as under
# systemd. Every event carries its MESSAGE_ID and RPFGUARD_* fields.
if [ -z "${RPFGUARD_IN_MOUNTNS:-}" ]; then
        [ "$(id -u)" = 0 ] || { echo "FAIL: $0 needs root" >&2; exit 1; }
        exec unshare --mount --propagation private env RPFGUARD_IN_MOUNTNS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

ID_CORRECTION=9f91a0ce2e1d456799d57be58936ef14
ID_FIGHT=b94b360337ad4c99848d0dc3b0c2cc8d
ID_LOADED=2d35438401544c44bd78ef06a51908ef
ID_REJECTED=ffd87f57c3084a84a9be9890f904cbc9
ID_INEFFECTIVE=1db677f451f44a00bd4d817b166ed5ac

. "$(dirname "$0")/journal.sh"
start_private_journald

ns_defaults 2 2
write_conf <<'CONF'
[daemon]
flap_limit = 2
flap_window = 10
flap_backoff = 60
[global]
all = 1
[interfaces]
lo = off
cali* = strict
CONF

# As systemd runs a service: stdout/stderr a journal stream, $JOURNAL_STREAM set.
ip netns exec "$NS" systemd-cat -t rpfguard sh -c \
        'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$0" "$@"' \
        "$RPFGUARD" -c "$TMP/rpfguard.conf" &
DAEMON_PID=$!
PIDS+=("$DAEMON_PID")
started() { j -o cat SYSLOG_IDENTIFIER=rpfguard | grep -q '^Started'; }
wait_until 10 started || fail "daemon did not start: $(j -o cat | tail -5)"
ok "daemon started, logging to the journal"

# Start-up: configuration loaded, and the ineffective rule reported as such.
expect_field startup MESSAGE_ID=$ID_LOADED RPFGUARD_EVENT
expect_field 4 MESSAGE_ID=$ID_INEFFECTIVE PRIORITY
j -o cat MESSAGE_ID=$ID_INEFFECTIVE | grep -q "rpfguard.conf:8: warning: rule 'lo = off' is below all = strict" ||
        fail "ineffective rule entry: $(j -o cat MESSAGE_ID=$ID_INEFFECTIVE)"
ok "journal: ineffective rule named with its line"

# A correction, with every structured field.
nsx ip link add cali0001 type veth peer name host0001
expect_rp cali0001 1
ifindex=$(nsx cat /sys/class/net/cali0001/ifindex)
wait_until 5 jcount_gt 0 RPFGUARD_IFNAME=cali0001 || fail "no journal entry for cali0001"
expect_field $ID_CORRECTION RPFGUARD_IFNAME=cali0001 MESSAGE_ID
expect_field "$ifindex" RPFGUARD_IFNAME=cali0001 RPFGUARD_IFINDEX
expect_field 'cali*' RPFGUARD_IFNAME=cali0001 RPFGUARD_RULE
expect_field 2 RPFGUARD_IFNAME=cali0001 RPFGUARD_OLD
expect_field 1 RPFGUARD_IFNAME=cali0001 RPFGUARD_NEW
expect_field link-new RPFGUARD_IFNAME=cali0001 RPFGUARD_EVENT
expect_field 6 RPFGUARD_IFNAME=cali0001 PRIORITY
expect_field rpfguard RPFGUARD_IFNAME=cali0001 SYSLOG_IDENTIFIER
expect_field 'cali0001: rp_filter 2 -> 1 (rule cali*, new link)' RPFGUARD_IFNAME=cali0001 MESSAGE
# all, at start-up, under its own name.
expect_field startup RPFGUARD_IFNAME=all RPFGUARD_EVENT

# Drift by another writer: event netconf.
rp_set cali0001 2
expect_rp cali0001 1
wait_until 5 jcount_gt 0 RPFGUARD_IFNAME=cali0001 RPFGUARD_EVENT=netconf || fail "no netconf entry"
ok "journal: drift repair logged with RPFGUARD_EVENT=netconf"

# A fight: one warning with its own MESSAGE_ID, naming the interface and the
# value the other party keeps setting.
for _ in $(seq 20); do rp_set cali0001 2; sleep 0.03; done
wait_until 5 jcount_gt 0 MESSAGE_ID=$ID_FIGHT || fail "no fight entry"
expect_field cali0001 MESSAGE_ID=$ID_FIGHT RPFGUARD_IFNAME
expect_field 2 MESSAGE_ID=$ID_FIGHT RPFGUARD_OLD
expect_field 4 MESSAGE_ID=$ID_FIGHT PRIORITY
[ "$(jcount MESSAGE_ID=$ID_FIGHT)" = 1 ] || fail "more than one fight entry"
ok "journal: exactly one fight entry"

# A rejected reload: error entries with the file and line.
echo "bogus line" >> "$TMP/rpfguard.conf"
kill -HUP "$DAEMON_PID"
wait_until 5 jcount_gt 0 MESSAGE_ID=$ID_REJECTED || fail "no config-rejected entry"
j -o cat MESSAGE_ID=$ID_REJECTED | grep -q "rpfguard.conf:10: error: malformed line" ||
        fail "rejected entry lacks FILE:LINE: $(j -o cat MESSAGE_ID=$ID_REJECTED)"
ok "journal: rejected configuration names rpfguard.conf:10"
expect_field 3 MESSAGE_ID=$ID_REJECTED PRIORITY
expect_field reload MESSAGE_ID=$ID_REJECTED RPFGUARD_EVENT

# Operators' queries work: by interface, by MESSAGE_ID.
[ "$(jcount RPFGUARD_IFNAME=cali0001 MESSAGE_ID=$ID_CORRECTION)" -ge 2 ] || fail "query by IFNAME + MESSAGE_ID"
ok "journalctl RPFGUARD_IFNAME=cali0001 MESSAGE_ID=… finds the corrections"

# Everything went through the native protocol: nothing on the stderr stream.
n=$(jcount _TRANSPORT=stdout SYSLOG_IDENTIFIER=rpfguard)
[ "$n" = 0 ] || fail "$n plain lines on the stream: $(j -o cat _TRANSPORT=stdout SYSLOG_IDENTIFIER=rpfguard | head -3)"
ok "no unstructured lines on the stderr stream"

stop_daemon
wait_until 5 jcount_gt 0 SYSLOG_IDENTIFIER=rpfguard MESSAGE='Received SIGTERM, stopping' ||
        fail "no stop entry"
ok "journal: stop logged"
done_testing
