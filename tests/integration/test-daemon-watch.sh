#!/bin/bash
# watch_config = yes: the daemon reloads by itself when its files change — an
# editor's write-and-rename of the main file, a ConfigMap-like drop-in directory
# created after start-up whose "..data" symlink the kubelet swaps with rename(2), a
# bad file (the running configuration stays) — within a second, with the same rule
# as SIGHUP, and sleeps while nothing changes.
. "$(dirname "$0")/lib.sh"

ns_defaults 2 2
veth cali1 host1
veth eth9 host9
write_conf <<'CONF'
[daemon]
watch_config = yes
[interfaces]
cali* = strict
CONF
start_notify_listener
start_daemon
expect_rp cali1 1
reloads() { log_count "Configuration reloaded from"; }

# --- an editor: the new text is written to another file, renamed over the old one
cat > "$TMP/rpfguard.conf.new" <<'CONF'
[daemon]
watch_config = yes
[interfaces]
cali* = loose
eth9 = strict
CONF
t0=$(date +%s%N)
mv "$TMP/rpfguard.conf.new" "$TMP/rpfguard.conf"
expect_rp cali1 2 2
expect_rp eth9 1 2
ok "write-and-rename applied in $(( ($(date +%s%N) - t0) / 1000000 )) ms (debounce 200 ms)"
expect_log "Configuration reloaded from $TMP/rpfguard.conf"
[ "$(reloads)" = 1 ] || fail "one rename gave $(reloads) reloads, expected 1"
ok "one change, one reload"

# --- in place: truncate and write (a plain "cat > file")
printf '[daemon]\nwatch_config = yes\n[interfaces]\ncali* = strict\neth9 = strict\n' > "$TMP/rpfguard.conf"
expect_rp cali1 1 2
ok "a file rewritten in place is applied"

# --- a bad file: the running configuration stays, and says where the error is
printf '[daemon]\nwatch_config = yes\n[interfaces]\ncali* = sloppy\n' > "$TMP/rpfguard.conf"
expect_log "rpfguard.conf:4: error: invalid value 'sloppy'" 2
expect_log "rejected, keeping the running configuration"
expect_notify_count "reload rejected: $TMP/rpfguard.conf:4" 1 2
rp_set cali1 2
expect_rp cali1 1
rp_set eth9 0
expect_rp eth9 1
ok "the running rules are still enforced after a rejected change"

# --- a ConfigMap-like directory created after start-up, as the kubelet lays it out:
# the files are symlinks through "..data", itself a symlink to a timestamped
# directory, swapped atomically with rename(2).
printf '[daemon]\nwatch_config = yes\n[interfaces]\ncali* = strict\n' > "$TMP/rpfguard.conf"
wait_until 2 log_count_ge "Configuration reloaded from" 3 || fail "the good file after the bad one was not applied"
ok "a good file after a bad one is applied"
n=$(reloads)
d=$TMP/rpfguard.conf.d
mkdir -p "$d/..2026_12_01_00_00_00.1"
printf '[interfaces]\neth9 = strict\n' > "$d/..2026_12_01_00_00_00.1/50-pool.conf"
ln -s ..2026_12_01_00_00_00.1 "$d/..data"
ln -s ..data/50-pool.conf "$d/50-pool.conf"
wait_until 2 log_count_ge "Configuration reloaded from" $((n + 1)) || fail "a drop-in directory created after start-up was not seen"
ok "a drop-in directory created after start-up is watched"
rp_set eth9 0
expect_rp eth9 1 2
ok "its rule is in force"
sleep 0.5
n=$(reloads)
mkdir "$d/..2026_12_01_00_00_00.2"
printf '[interfaces]\neth9 = loose\n' > "$d/..2026_12_01_00_00_00.2/50-pool.conf"
ln -s ..2026_12_01_00_00_00.2 "$d/..data_tmp"
mv -T "$d/..data_tmp" "$d/..data"
rm -rf "$d/..2026_12_01_00_00_00.1"
wait_until 2 log_count_ge "Configuration reloaded from" $((n + 1)) || fail "the ..data swap was not seen"
ok "the kubelet's ..data swap triggers a reload"
expect_rp eth9 2 2
ok "the swapped drop-in's rule is applied"
sleep 0.5
[ "$(reloads)" = $((n + 1)) ] || fail "the swap gave $(( $(reloads) - n )) reloads, expected 1"
ok "one swap, one reload"

# The main file itself in a ConfigMap volume: a symlink through ..data, swapped.
n=$(reloads)
cm=$TMP/cm
mkdir -p "$cm/..v1" "$cm/..v2"
printf '[daemon]\nwatch_config = yes\n[interfaces]\ncali* = strict\n' > "$cm/..v1/rpfguard.conf"
printf '[daemon]\nwatch_config = yes\n[interfaces]\ncali* = loose\n' > "$cm/..v2/rpfguard.conf"
ln -s ..v1 "$cm/..data"
ln -s ..data/rpfguard.conf "$cm/rpfguard.conf"
stop_daemon
ip netns exec "$NS" "$RPFGUARD" -c "$cm/rpfguard.conf" --log-format=text --root="$TMP/sysctld-root" > "$TMP/daemon.cm.log" 2>&1 &
DAEMON_PID=$!
PIDS+=("$DAEMON_PID")
DAEMON_LOG=$TMP/daemon.cm.log
wait_until 10 grep -q "^Started" "$DAEMON_LOG" || fail "daemon did not start"
expect_rp cali1 1
ln -s ..v2 "$cm/..data_tmp"
mv -T "$cm/..data_tmp" "$cm/..data"
expect_rp cali1 2 2
ok "a main file in a ConfigMap volume: the ..data swap is applied"
printf '[daemon]\nwatch_config = yes\n[interfaces]\ncali* = strict\n' > "$TMP/rpfguard.conf"
stop_daemon
start_daemon
d=$TMP/rpfguard.conf.d

# Files that are not configuration do not wake a reload.
n=$(reloads)
touch "$d/README" "$TMP/other.txt"
sleep 0.5
[ "$(reloads)" = "$n" ] || fail "an unrelated file caused a reload"
ok "unrelated files are ignored"

# --- idle means asleep, watch or not
switches() { awk '/^(voluntary|nonvoluntary)_ctxt_switches/ { n += $2 } END { print n }' "/proc/$DAEMON_PID/status"; }
before=$(switches)
sleep 3
after=$(switches)
[ "$before" = "$after" ] || fail "idle with watch_config: $((after - before)) wake-ups in 3 s"
ok "idle for 3 s with watch_config: 0 wake-ups"

# --- watch_config = no: changes wait for SIGHUP
printf '[interfaces]\ncali* = strict\n' > "$TMP/rpfguard.conf"
wait_until 2 log_count_ge "Configuration reloaded from" $((n + 1)) || fail "turning the watch off was not applied"
n=$(reloads)
printf '[interfaces]\ncali* = loose\n' > "$TMP/rpfguard.conf"
stays_rp cali1 1 1
[ "$(reloads)" = "$n" ] || fail "reloaded although watch_config is off"
ok "watch_config = no: no reload by itself"
kill -HUP "$DAEMON_PID"
expect_rp cali1 2 2

stop_daemon
done_testing
