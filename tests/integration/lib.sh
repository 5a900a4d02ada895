# shellcheck shell=bash
# Integration harness: every test runs the real rpfguard binary against the real
# kernel inside a network namespace it creates here and always deletes. It never
# touches the host's interfaces or sysctls, and stops only processes it started.
set -euo pipefail

RPFGUARD=${RPFGUARD:?set RPFGUARD to the rpfguard binary}
HELPERS=${RPFGUARD_HELPERS:-$(dirname "$RPFGUARD")/../tests/helpers}
TEST_NAME=$(basename "$0" .sh)

if [ "$(id -u)" != 0 ]; then
        # A test that cannot run where it must fails; it never skips silently.
        echo "FAIL: $TEST_NAME needs root (it creates network namespaces)" >&2
        exit 1
fi

NS="rpfg-${TEST_NAME#test-}-$$"
NS=${NS:0:40}
TMP=$(mktemp -d /tmp/rpfguard-test.XXXXXX)
PIDS=()
CHECKS=0
DAEMON_ENV=()      # VAR=VALUE words for the daemon's environment
DAEMON_WRAPPER=()  # a command the daemon runs under (valgrind)
DAEMON_START_TIMEOUT=10

cleanup() {
        local rc=$? p
        set +e
        for p in "${PIDS[@]}"; do
                kill -CONT "$p" 2>/dev/null
                kill -TERM "$p" 2>/dev/null
        done
        for p in "${PIDS[@]}"; do
                for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
                kill -KILL "$p" 2>/dev/null
                wait "$p" 2>/dev/null
        done
        ip netns del "$NS" 2>/dev/null
        if [ $rc -ne 0 ]; then
                echo "--- $TEST_NAME failed (rc=$rc); daemon log:" >&2
                tail -n 60 "$TMP"/daemon*.log >&2 2>/dev/null
        fi
        [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
        exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS"

# Run a command inside the test's namespace.
nsx() { ip netns exec "$NS" "$@"; }

fail() { echo "FAIL: $TEST_NAME: $*" >&2; exit 1; }
ok() { CHECKS=$((CHECKS + 1)); echo "ok $CHECKS - $*"; }
done_testing() { echo "PASS: $TEST_NAME: $CHECKS checks"; }

rp_get() { nsx cat "/proc/sys/net/ipv4/conf/$1/rp_filter"; }
rp_set() { nsx sh -c 'echo "$2" > "/proc/sys/net/ipv4/conf/$1/rp_filter"' sh "$1" "$2"; }

# A veth pair; both ends are new interfaces.
veth() { nsx ip link add "$1" type veth peer name "$2"; }

# Nanoseconds from now, for a duration in (possibly fractional) seconds.
# (%.0f of milliseconds: mawk's %d saturates at 2^31.)
deadline_ns() { echo $(( $(date +%s%N) + $(awk -v s="$1" 'BEGIN { printf "%.0f", s * 1000 }') * 1000000 )); }

# wait_until SECONDS CMD...: poll CMD every 20 ms until it succeeds.
wait_until() {
        local deadline
        deadline=$(deadline_ns "$1")
        shift
        while ! "$@" >/dev/null 2>&1; do
                [ "$(date +%s%N)" -lt "$deadline" ] || return 1
                sleep 0.02
        done
}

rp_is() { [ "$(rp_get "$1")" = "$2" ]; }

# expect_rp IFACE VALUE [SECONDS]: the value arrives within SECONDS (default 5).
expect_rp() {
        wait_until "${3:-5}" rp_is "$1" "$2" || fail "$1: rp_filter is $(rp_get "$1" 2>&1), expected $2"
        ok "$1 rp_filter = $2"
}

# stays_rp IFACE VALUE SECONDS: the value does not change for SECONDS.
stays_rp() {
        local deadline
        deadline=$(deadline_ns "$3")
        while [ "$(date +%s%N)" -lt "$deadline" ]; do
                rp_is "$1" "$2" || fail "$1: rp_filter changed to $(rp_get "$1"), expected it to stay $2"
                sleep 0.05
        done
        ok "$1 rp_filter stays $2"
}

# The namespace's own starting point: every new interface is born loose.
ns_defaults() {
        nsx sysctl -qw net.ipv4.conf.all.rp_filter="${1:-2}" net.ipv4.conf.default.rp_filter="${2:-2}"
}

write_conf() { cat > "$TMP/${1:-rpfguard.conf}"; }

# start_daemon [ARGS...]: run rpfguard in the namespace in the background with
# $TMP/rpfguard.conf; its output goes to $DAEMON_LOG (a new file per start). Sets DAEMON_PID. Waits until
# the daemon has finished its start-up ("Started" in the log).
start_daemon() {
        DAEMON_STARTS=$(( ${DAEMON_STARTS:-0} + 1 ))
        DAEMON_LOG=$TMP/daemon.$DAEMON_STARTS.log
        : > "$DAEMON_LOG"
        # A simple command, not the nsx function: $! must be the daemon itself
        # (ip netns exec execs it), not a subshell.
        # --root: the sysctl.d files the start-up warnings read are the test's (an empty
        # tree unless it writes some), never the host's.
        mkdir -p "$TMP/sysctld-root"
        ip netns exec "$NS" env "${DAEMON_ENV[@]}" "${DAEMON_WRAPPER[@]}" "$RPFGUARD" -c "$TMP/rpfguard.conf" --log-format=text --root="$TMP/sysctld-root" "$@" >> "$DAEMON_LOG" 2>&1 &
        DAEMON_PID=$!
        PIDS+=("$DAEMON_PID")
        wait_until "$DAEMON_START_TIMEOUT" grep -q "^Started" "$DAEMON_LOG" || fail "daemon did not start"
}

# stop_daemon: SIGTERM, expect exit status 0.
stop_daemon() {
        local rc=0
        kill -TERM "$DAEMON_PID"
        wait "$DAEMON_PID" || rc=$?
        [ $rc -eq 0 ] || fail "daemon exited with $rc after SIGTERM"
        ok "daemon exits 0 on SIGTERM"
}

log_has() { grep -qF -- "$1" "$DAEMON_LOG"; }
expect_log() {
        wait_until "${2:-5}" log_has "$1" || fail "log lacks: $1"
        ok "log: $1"
}
log_count() { grep -cF -- "$1" "$DAEMON_LOG" || true; }

# expect_log_count TEXT N [SECONDS]: TEXT appears at least N times in the log.
log_count_ge() { [ "$(log_count "$1")" -ge "$2" ]; }
expect_log_count() {
        wait_until "${3:-5}" log_count_ge "$1" "$2" || fail "log has $(log_count "$1") x '$1', expected $2"
        ok "log: $2 x $1"
}

# start_notify_listener: a NOTIFY_SOCKET the test owns; messages land in
# $NOTIFY_LOG, one line per datagram ("|" for newlines). Adds it to DAEMON_ENV.
start_notify_listener() {
        NOTIFY_SOCK=$TMP/notify.sock
        NOTIFY_LOG=$TMP/notify.log
        : > "$NOTIFY_LOG"
        "$HELPERS/notify-listen" "$NOTIFY_SOCK" > "$NOTIFY_LOG" 2>&1 &
        PIDS+=("$!")
        wait_until 5 test -S "$NOTIFY_SOCK" || fail "notify listener did not start"
        DAEMON_ENV+=("NOTIFY_SOCKET=$NOTIFY_SOCK")
}
notify_count() { grep -c -- "$1" "$NOTIFY_LOG" || true; }
notify_count_ge() { [ "$(notify_count "$1")" -ge "$2" ]; }
expect_notify_count() {
        wait_until "${3:-5}" notify_count_ge "$1" "$2" ||
                fail "sd_notify: $(notify_count "$1") x '$1', expected $2; got: $(tr '\n' ' ' < "$NOTIFY_LOG")"
        ok "sd_notify: $2 x $1"
}

# --- the one-shot command line ------------------------------------------------

# cli NAME ARGS...: run rpfguard in the namespace; stdout in $OUT, stderr in $ERR,
# exit status in $RC. A hung binary is killed after 20 s (exit 124).
cli() {
        local name=$1
        shift
        OUT=$TMP/$name.out ERR=$TMP/$name.err RC=0
        nsx timeout 20 "$RPFGUARD" "$@" >"$OUT" 2>"$ERR" || RC=$?
}

# show_output: what the last cli call printed, for a failure message.
show_output() {
        { echo "--- stdout:"; cat "$OUT"; echo "--- stderr:"; cat "$ERR"; } >&2
}

# expect_rc STATUS WHAT: the last cli call exited with STATUS.
expect_rc() {
        [ "$RC" = "$1" ] || { show_output; fail "$2: exit status $RC, expected $1"; }
        ok "$2: exit status $1"
}

# expect_line FILE LINE WHAT: FILE has exactly this line.
expect_line() {
        grep -qxF -- "$2" "$1" || { show_output; fail "$3: no line '$2'"; }
        ok "$3: '$2'"
}

# expect_no_match FILE ERE WHAT: no line of FILE matches ERE.
expect_no_match() {
        ! grep -qE -- "$2" "$1" || { show_output; fail "$3: unexpected line matching '$2'"; }
        ok "$3: nothing matches '$2'"
}

# expect_empty FILE WHAT
expect_empty() {
        [ ! -s "$1" ] || { show_output; fail "$2: $(basename "$1") is not empty"; }
        ok "$2: $(basename "$1") is empty"
}

# require_rp IFACE VALUE: a precondition of the test itself, not a check of rpfguard.
require_rp() {
        rp_is "$1" "$2" || fail "setup: $1 rp_filter is $(rp_get "$1"), expected $2"
}

# rp_now IFACE VALUE: the value is VALUE right now (the CLI has already exited).
rp_now() {
        rp_is "$1" "$2" || fail "$1: rp_filter is $(rp_get "$1"), expected $2"
        ok "$1 rp_filter = $2"
}

# --- helpers for daemons started by hand (not start_daemon) --------------------

not_running() { ! kill -0 "$1" 2>/dev/null; }

# wait_exit PID SECONDS [WHAT]: the background child PID exits within SECONDS; its
# exit status in $EXIT_RC. Fails the test if it is still running then.
# shellcheck disable=SC2034 # EXIT_RC is read by the tests
wait_exit() {
        wait_until "$2" not_running "$1" || fail "${3:-process $1}: still running after $2 s, expected it to exit"
        EXIT_RC=0
        wait "$1" || EXIT_RC=$?
}

# file_has FILE TEXT / expect_file_has FILE TEXT WHAT: FILE contains TEXT (fixed string).
file_has() { grep -qF -- "$2" "$1"; }
expect_file_has() {
        file_has "$1" "$2" || { echo "--- $(basename "$1"):" >&2; cat "$1" >&2; fail "$3: no '$2'"; }
        ok "$3: '$2'"
}
