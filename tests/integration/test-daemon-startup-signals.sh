#!/bin/bash
# Signals during start-up (SPEC §4.14): a SIGHUP or SIGTERM that arrives between
# loading the configuration and READY=1 is acted on once the loop runs (a reload;
# a clean exit 0 with STOPPING=1), never fatal.
. "$(dirname "$0")/lib.sh"

N=2000   # veth pairs: 2000 start-up corrections, ~100 KB of log lines
ns_defaults 2 2
for i in $(seq "$N"); do echo "link add cali$i type veth peer name peer$i"; done | nsx ip -batch - ||
        fail "setup: cannot create $N veth pairs"
write_conf <<'CONF'
[interfaces]
cali* = strict
CONF
# Every cali* back to loose, so that the next start-up has $N corrections to make.
loosen() { nsx sh -c 'for f in /proc/sys/net/ipv4/conf/cali*/rp_filter; do echo 2 > "$f"; done'; }
loosen
require_rp cali1 2
require_rp "cali$N" 2

# How long the window is when nothing slows the daemon down (for the record).
DAEMON_LOG=$TMP/daemon.measure.log
ip netns exec "$NS" "$RPFGUARD" -c "$TMP/rpfguard.conf" --log-format=text > "$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
PIDS+=("$DAEMON_PID")
wait_until 10 log_has "Configuration loaded from" || fail "daemon did not load its configuration"
t0=$(date +%s%N)
wait_until 30 grep -q "^Started" "$DAEMON_LOG" || fail "daemon did not start"
t1=$(date +%s%N)
echo "# start-up window with $N corrections (Configuration loaded -> Started): $(( (t1 - t0) / 1000000 )) ms"
expect_rp "cali$N" 1
stop_daemon

# start_slow: the daemon's output goes through a FIFO this shell reads; once the
# line "Configuration loaded from" is read, nobody reads any further, so the daemon
# blocks in write(2) on its start-up corrections once the pipe is full (64 KiB, less
# than the $N lines): it is certainly still starting up when the signal arrives,
# however fast the machine. Then drain_log copies the rest to $DAEMON_LOG.
start_slow() {
        DAEMON_STARTS=$(( ${DAEMON_STARTS:-0} + 1 ))
        DAEMON_LOG=$TMP/daemon.$DAEMON_STARTS.log
        : > "$DAEMON_LOG"
        : > "$NOTIFY_LOG"
        rm -f "$TMP/log.fifo"
        mkfifo "$TMP/log.fifo"
        ip netns exec "$NS" env "NOTIFY_SOCKET=$NOTIFY_SOCK" "$RPFGUARD" -c "$TMP/rpfguard.conf" --log-format=text \
                > "$TMP/log.fifo" 2>&1 &
        DAEMON_PID=$!
        PIDS+=("$DAEMON_PID")
        exec 3< "$TMP/log.fifo"
        local line
        while IFS= read -r -t 10 line <&3; do
                printf '%s\n' "$line" >> "$DAEMON_LOG"
                case $line in "Configuration loaded from"*) return 0 ;; esac
        done
        fail "daemon did not print 'Configuration loaded from'"
}
drain_log() {
        cat <&3 >> "$DAEMON_LOG" &
        PIDS+=("$!")
        exec 3<&-
}
# The signal really fell into start-up: no READY=1 yet when it was sent.
in_startup() {
        [ "$(notify_count '^READY=1')" = 0 ] || fail "setup: READY=1 already sent when the signal went out"
        ok "$1 sent during start-up (after 'Configuration loaded', before READY=1)"
}
# first_line FILE ERE: number of the first line matching ERE (0: none); after
# line $3 if given.
first_line() { awk -v re="$2" -v after="${3:-0}" 'NR > after && $0 ~ re { print NR; found = 1; exit } END { if (!found) print 0 }' "$1"; }

start_notify_listener

# --- SIGHUP during start-up: a reload once started ----------------------------
loosen
start_slow
kill -HUP "$DAEMON_PID"
in_startup SIGHUP
drain_log
started_or_gone() { log_has "Started" || not_running "$DAEMON_PID"; }
wait_until 30 started_or_gone || fail "daemon did not start"
if not_running "$DAEMON_PID"; then
        wait_exit "$DAEMON_PID" 0
        fail "daemon died after SIGHUP during start-up: exit status $EXIT_RC (129: killed by SIGHUP)"
fi
expect_log "Started"
expect_log "Configuration reloaded from" 10
kill -0 "$DAEMON_PID" || fail "daemon died after SIGHUP during start-up"
ok "daemon alive after SIGHUP during start-up"
started=$(first_line "$DAEMON_LOG" '^Started')
reloaded=$(first_line "$DAEMON_LOG" '^Configuration reloaded from')
if [ "$started" = 0 ] || [ "$reloaded" -le "$started" ]; then
        fail "log: 'Configuration reloaded' (line $reloaded) not after 'Started' (line $started)"
fi
ok "log: reloaded after Started"
expect_notify_count '^READY=1' 2 10
r1=$(first_line "$NOTIFY_LOG" '^READY=1')
rl=$(first_line "$NOTIFY_LOG" '^RELOADING=1' "$r1")
r2=$(first_line "$NOTIFY_LOG" '^READY=1' "$rl")
if [ "$r1" = 0 ] || [ "$rl" = 0 ] || [ "$r2" = 0 ]; then
        fail "sd_notify: expected READY=1, RELOADING=1, READY=1 in that order; got: $(tr '\n' ' ' < "$NOTIFY_LOG")"
fi
ok "sd_notify: READY=1 (line $r1), RELOADING=1 (line $rl), READY=1 (line $r2)"
expect_rp "cali$N" 1
rp_set cali1 2
expect_rp cali1 1
stop_daemon

# --- SIGTERM during start-up: a clean exit 0 with STOPPING=1 -------------------
loosen
start_slow
kill -TERM "$DAEMON_PID"
in_startup SIGTERM
drain_log
wait_exit "$DAEMON_PID" 30 "daemon after SIGTERM during start-up"
[ "$EXIT_RC" = 0 ] || fail "daemon exited with $EXIT_RC after SIGTERM during start-up, expected 0 (143: killed by the signal)"
ok "daemon exits 0 after SIGTERM during start-up"
expect_notify_count '^STOPPING=1' 1
done_testing
