#!/bin/bash
# Never silent about failing to do the job (SPEC §4.13): with a read-only /proc/sys
# or without CAP_NET_ADMIN the daemon exits 1 at start-up, even when nothing needs
# correcting, and says why and how to fix it; --once exits 1 on a failed write; a
# transient per-interface write failure is an error, counted in STATUS=, retried.
. "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || fail "setpriv (util-linux) is required"
command -v unshare >/dev/null || fail "unshare (util-linux) is required"
command -v nsenter >/dev/null || fail "nsenter (util-linux) is required"
chmod 755 "$TMP"   # uid 65534 reads the configuration below it
ALL=/proc/sys/net/ipv4/conf/all/rp_filter
# ... and runs the binary from there: a clone in /root (0700 on Debian) is out of
# its reach, and with no capability at all it cannot search that directory.
cp "$RPFGUARD" "$TMP/rpfguard"
chmod 755 "$TMP/rpfguard"
RPFGUARD=$TMP/rpfguard

# Everything already compliant: nothing would need writing.
ns_defaults 1 1
veth cali1 host1
rp_set cali1 1
write_conf <<'CONF'
[global]
all = 1
[interfaces]
cali* = strict
CONF
chmod 644 "$TMP/rpfguard.conf"
start_notify_listener
chmod 666 "$NOTIFY_SOCK"   # uid 65534 may send to it too

# A private mount namespace (unshare -m) in which /proc/sys is a read-only bind mount,
# as in an unprivileged container. The recipe really yields EROFS:
RO_PROC_SYS='mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys'
err=$(nsx unshare -m sh -c "$RO_PROC_SYS"' && echo 1 > '"$ALL" 2>&1) && fail "setup: $ALL writable under a read-only bind mount"
case $err in *"Read-only file system"*) ;; *) fail "setup: writing $ALL read-only: $err" ;; esac
# ... and so does this one EACCES: uid 65534, no capabilities at all.
NOCAPS=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
err=$(nsx "${NOCAPS[@]}" sh -c 'echo 1 > '"$ALL" 2>&1) && fail "setup: $ALL writable without CAP_NET_ADMIN"
case $err in *"Permission denied"*) ;; *) fail "setup: writing $ALL without CAP_NET_ADMIN: $err" ;; esac
require_rp all 1
require_rp cali1 1

# run_bg NAME CMD...: CMD in the namespace (execs, so $! is the daemon), output in
# $OUT and $ERR ($TMP/daemon-NAME.out.log, .err.log); sets BG_PID.
run_bg() {
        OUT=$TMP/daemon-$1.out.log ERR=$TMP/daemon-$1.err.log
        shift
        : > "$NOTIFY_LOG"
        ip netns exec "$NS" "$@" > "$OUT" 2> "$ERR" &
        BG_PID=$!
        PIDS+=("$BG_PID")
}

# --- a. read-only /proc/sys, daemon -------------------------------------------
run_bg ro unshare -m sh -c "$RO_PROC_SYS"' && exec env "$@"' sh \
        "NOTIFY_SOCKET=$NOTIFY_SOCK" "$RPFGUARD" -c "$TMP/rpfguard.conf" --log-format=text
wait_exit "$BG_PID" 10 "read-only /proc/sys: daemon"
[ "$EXIT_RC" = 1 ] || { cat "$TMP/daemon-ro.err.log" >&2; fail "read-only /proc/sys: daemon exited $EXIT_RC, expected 1"; }
ok "read-only /proc/sys: daemon exits 1 within 10 s although nothing needed correcting"
[ "$(notify_count '^READY=1')" = 0 ] || fail "read-only /proc/sys: sent READY=1: $(tr '\n' ' ' < "$NOTIFY_LOG")"
ok "read-only /proc/sys: no READY=1"
expect_file_has "$TMP/daemon-ro.err.log" "$ALL" "read-only /proc/sys: stderr names the file"
expect_file_has "$TMP/daemon-ro.err.log" "Read-only file system" "read-only /proc/sys: stderr names the cause"
expect_file_has "$TMP/daemon-ro.err.log" "CAP_NET_ADMIN" "read-only /proc/sys: stderr hints at the fix"
expect_file_has "$TMP/daemon-ro.err.log" "--sysctl-root" "read-only /proc/sys: stderr hints at the fix"
require_rp cali1 1

# --- b. no CAP_NET_ADMIN, daemon ----------------------------------------------
run_bg nocap "${NOCAPS[@]}" env "NOTIFY_SOCKET=$NOTIFY_SOCK" "$RPFGUARD" -c "$TMP/rpfguard.conf" --log-format=text
wait_exit "$BG_PID" 10 "no CAP_NET_ADMIN: daemon"
[ "$EXIT_RC" = 1 ] || { cat "$TMP/daemon-nocap.err.log" >&2; fail "no CAP_NET_ADMIN: daemon exited $EXIT_RC, expected 1"; }
ok "no CAP_NET_ADMIN: daemon exits 1 within 10 s although nothing needed correcting"
[ "$(notify_count '^READY=1')" = 0 ] || fail "no CAP_NET_ADMIN: sent READY=1: $(tr '\n' ' ' < "$NOTIFY_LOG")"
ok "no CAP_NET_ADMIN: no READY=1"
expect_file_has "$TMP/daemon-nocap.err.log" "$ALL" "no CAP_NET_ADMIN: stderr names the file"
expect_file_has "$TMP/daemon-nocap.err.log" "Permission denied" "no CAP_NET_ADMIN: stderr names the cause"
expect_file_has "$TMP/daemon-nocap.err.log" "CAP_NET_ADMIN" "no CAP_NET_ADMIN: stderr hints at the fix"

# --- c. --once with drift, in both situations ---------------------------------
rp_set cali1 2
run_bg once-ro unshare -m sh -c "$RO_PROC_SYS"' && exec "$@"' sh "$RPFGUARD" -c "$TMP/rpfguard.conf" --once
wait_exit "$BG_PID" 20 "read-only /proc/sys: --once"
[ "$EXIT_RC" = 1 ] || { cat "$TMP/daemon-once-ro.out.log" "$TMP/daemon-once-ro.err.log" >&2; fail "read-only /proc/sys: --once exited $EXIT_RC, expected 1"; }
ok "read-only /proc/sys: --once exits 1"
expect_file_has "$TMP/daemon-once-ro.err.log" "Read-only file system" "read-only /proc/sys: --once stderr"
expect_no_match "$TMP/daemon-once-ro.out.log" "error" "read-only /proc/sys: --once stdout"
require_rp cali1 2

run_bg once-nocap "${NOCAPS[@]}" "$RPFGUARD" -c "$TMP/rpfguard.conf" --once
wait_exit "$BG_PID" 20 "no CAP_NET_ADMIN: --once"
[ "$EXIT_RC" = 1 ] || { cat "$TMP/daemon-once-nocap.out.log" "$TMP/daemon-once-nocap.err.log" >&2; fail "no CAP_NET_ADMIN: --once exited $EXIT_RC, expected 1"; }
ok "no CAP_NET_ADMIN: --once exits 1"
expect_file_has "$TMP/daemon-once-nocap.err.log" "Permission denied" "no CAP_NET_ADMIN: --once stderr"
expect_no_match "$TMP/daemon-once-nocap.out.log" "error" "no CAP_NET_ADMIN: --once stdout"
require_rp cali1 2

# --- d. a transient write failure on one interface, running daemon ------------
# The daemon in its own mount namespace with /proc/sys writable; then cali1's conf
# directory becomes read-only there (and only there), and another writer (outside
# that mount namespace) makes cali1 drift.
DAEMON_LOG=$TMP/daemon.transient.log
: > "$NOTIFY_LOG"
ip netns exec "$NS" unshare -m env "NOTIFY_SOCKET=$NOTIFY_SOCK" "$RPFGUARD" -c "$TMP/rpfguard.conf" --log-format=text \
        > "$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
PIDS+=("$DAEMON_PID")
wait_until 10 grep -q "^Started" "$DAEMON_LOG" || fail "daemon did not start"
expect_rp cali1 1
expect_notify_count '^READY=1' 1
conf1=/proc/sys/net/ipv4/conf/cali1
# -n too: /proc/sys/net shows the network namespace of whoever opens it.
nsenter -t "$DAEMON_PID" -m -n mount --bind -o ro "$conf1" "$conf1" || fail "setup: cannot bind-mount $conf1 read-only"
err=$(nsenter -t "$DAEMON_PID" -m -n sh -c "echo 1 > $conf1/rp_filter" 2>&1) && fail "setup: $conf1 still writable"
case $err in *"Read-only file system"*) ;; *) fail "setup: writing $conf1: $err" ;; esac
rp_set cali1 2

write_error_logged() { grep -F cali1 "$DAEMON_LOG" | grep -F "Read-only file system" | grep -q "error"; }
wait_until 5 write_error_logged || fail "no error line for cali1 with 'Read-only file system' in the log"
ok "log: $(grep -F cali1 "$DAEMON_LOG" | grep -F "Read-only file system" | grep "error" | head -n 1)"
expect_notify_count '^STATUS=.*1 write error' 1
kill -0 "$DAEMON_PID" || fail "daemon exited after a write error"
ok "daemon still running after a write error"

nsenter -t "$DAEMON_PID" -m -n umount "$conf1" || fail "setup: cannot unmount $conf1"
expect_rp cali1 1 10
last_status_clean() { ! grep '^STATUS=' "$NOTIFY_LOG" | tail -n 1 | grep -q "write error"; }
wait_until 5 last_status_clean ||
        fail "STATUS= still reports write errors: $(grep '^STATUS=' "$NOTIFY_LOG" | tail -n 1)"
ok "STATUS= no longer mentions write errors: $(grep '^STATUS=' "$NOTIFY_LOG" | tail -n 1)"
kill -0 "$DAEMON_PID" || fail "daemon exited"
ok "daemon still running"
stop_daemon
done_testing
