#!/bin/bash
# Soak: the real daemon in a throwaway network namespace for SECONDS (default 600)
# while thousands of interfaces are created under temporary names, renamed the way
# CNIs do, given drift by "another writer" and deleted, batch after batch, with
# drift of all/default in between. Asserts that every managed interface ends right,
# that nothing but corrections was logged (no error, no warning: drift writes are
# spaced so that no fight is ever detected), and that the daemon's memory is flat:
#   VmRSS at the end <= VmRSS after warm-up + SOAK_RSS_SLACK_KB (default 256 KiB).
# The bound leaves room for what an allocator keeps without leaking: glibc trims the
# top of its heap only past M_TRIM_THRESHOLD (128 KiB), so RSS rises by up to that
# much once, then stays (measured: +128 KiB, then flat for 200 rounds). A leaked
# Iface per deleted interface (about 110 bytes) added 408 KiB in 75 s, and fails it.
#   RPFGUARD=build/daemon/rpfguard tests/soak/soak.sh [SECONDS]
# Needs root; never touches the host's interfaces or sysctls.
SOAK_SECONDS=${1:-600}
# shellcheck source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

BATCH=${SOAK_BATCH:-100}          # veth pairs created, renamed and deleted per round
BASE=${SOAK_BASE:-100}            # veth pairs that live through the whole run
DRIFTS=${SOAK_DRIFTS:-20}         # drift writes per round, each on a different new interface
GLOBAL_EVERY=${SOAK_GLOBAL_EVERY:-4}   # seconds between drift writes on all/default
WARMUP=${SOAK_WARMUP:-3}          # rounds before the first RSS sample
SLACK_KB=${SOAK_RSS_SLACK_KB:-256}

# Under ASan every free() first goes to a quarantine (256 MiB in all, 1 MiB per
# thread, by default) that only fills, so RSS would grow by design for the whole
# run: here freed memory is reused at once (use-after-free is what the integration
# tests look for). A leak still shows in RSS, and LeakSanitizer checks the exit.
DAEMON_ENV+=("ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0")
DAEMON_START_TIMEOUT=30

# The flap limits are the defaults: 5 corrections of one interface within 10 s. An
# interface of a round gets at most 3 (its rename, the cali -> lxc rename of every
# tenth, one drift write); all and default one every GLOBAL_EVERY seconds. lo is
# left alone; p* (the veth peers) are unmanaged.
write_conf <<'CONF'
[global]
all = 0
default = 2
[interfaces]
lo = ignore
cali* = strict
lxc* = off
CONF
ns_defaults 0 2

# Every interface's rp_filter in one exec: "NAME VALUE" lines.
rp_all() {
        # (Not the shell's read: it reads byte by byte, and a sysctl file read at an
        # offset is empty.) Names cannot hold '/' or ':'.
        nsx sh -c 'cd /proc/sys/net/ipv4/conf && grep -H . -- */rp_filter' | awk -F'[/:]' '{ print $1, $3 }'
}
# Managed interfaces whose value is not the wanted one ("NAME=VALUE(want W)"), if any.
wrong_now() {
        rp_all | awk '{
                w = "-"
                if ($1 == "all" || $1 ~ /^lxc/) w = 0
                else if ($1 == "default") w = 2
                else if ($1 ~ /^cali/) w = 1
                if (w != "-" && $2 != w) print $1 "=" $2 "(want " w ")"
                if ($1 == "all") seen = 1
        }
        END { if (!seen) print "(conf/all could not be read)" }'
}
all_right() { [ -z "$(wrong_now)" ]; }
expect_all_right() {
        wait_until "${1:-20}" all_right || fail "managed interfaces left wrong: $(wrong_now | head -20 | tr '\n' ' ')"
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"; }
now_s() { date +%s; }

n_created=0 n_renamed=0 n_deleted=0 n_drift=0 n_global=0 rounds=0 seq=0
batch_names=() prev_names=()

# new_round: BATCH veth pairs born as tmpN/pN, then renamed to caliN or lxcN (and
# every tenth from cali to lxc afterwards: a managed-to-managed rename).
new_round() {
        local f=$TMP/round.batch i id name
        batch_names=()
        : > "$f"
        for ((i = 0; i < BATCH; i++)); do
                id=$(printf %06x $((seq + i)))
                echo "link add tmp$id type veth peer name p$id" >> "$f"
        done
        nsx ip -batch "$f"
        : > "$f"
        for ((i = 0; i < BATCH; i++)); do
                id=$(printf %06x $((seq + i)))
                if ((i % 2)); then name=lxc$id; else name=cali$id; fi
                echo "link set tmp$id name $name" >> "$f"
                batch_names+=("$name")
        done
        nsx ip -batch "$f"
        n_created=$((n_created + 2 * BATCH))
        n_renamed=$((n_renamed + BATCH))
        expect_all_right 30
        : > "$f"
        for ((i = 0; i < BATCH; i += 10)); do
                id=$(printf %06x $((seq + i)))
                echo "link set cali$id name lxc$id" >> "$f"
                batch_names[i]=lxc$id
        done
        nsx ip -batch "$f"
        n_renamed=$((n_renamed + (BATCH + 9) / 10))
        seq=$((seq + BATCH))
}

# Another writer sets DRIFTS interfaces of the new round to loose, each once.
drift_round() {
        local i name script=
        for ((i = 1; i <= DRIFTS && i < ${#batch_names[@]}; i++)); do
                name=${batch_names[$((i * ${#batch_names[@]} / (DRIFTS + 1)))]}
                script+="echo 2 > /proc/sys/net/ipv4/conf/$name/rp_filter; "
                n_drift=$((n_drift + 1))
        done
        nsx sh -c "$script"
}

last_global=0
drift_globals() {
        [ $(($(now_s) - last_global)) -ge "$GLOBAL_EVERY" ] || return 0
        last_global=$(now_s)
        # all = 2 would make every interface loose; default = 1 is copied by the kernel
        # onto every interface never written: both must come back.
        nsx sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=1
        n_global=$((n_global + 2))
}

delete_names() {
        local f=$TMP/del.batch name
        : > "$f"
        for name in "$@"; do echo "link del $name" >> "$f"; done
        [ $# -eq 0 ] || nsx ip -batch "$f"
        n_deleted=$((n_deleted + 2 * $#))
}

# One round: a new batch (rename, drift), the previous batch deleted.
round() {
        new_round
        drift_round
        drift_globals
        expect_all_right 30
        delete_names "${prev_names[@]}"
        prev_names=("${batch_names[@]}")
        rounds=$((rounds + 1))
}

# The population that lives through the run, present before the daemon starts.
{
        for ((i = 0; i < BASE; i++)); do printf 'link add calib%05d type veth peer name pb%05d\n' $i $i; done
} > "$TMP/base.batch"
nsx ip -batch "$TMP/base.batch"
nsx ip link set lo up
n_created=$((2 * BASE))

start_daemon
expect_all_right 30
ok "start-up: $BASE base pairs right"

start=$(now_s)
for ((w = 0; w < WARMUP; w++)); do round; done
rss_start=$(rss_kb)
rss_max=$rss_start
ok "warm-up: $rounds rounds, VmRSS $rss_start kB"
end=$((start + SOAK_SECONDS))
while [ "$(now_s)" -lt "$end" ]; do
        round
        r=$(rss_kb)
        [ "$r" -le "$rss_max" ] || rss_max=$r
        [ -z "${SOAK_TRACE:-}" ] || echo "round $rounds: $(($(now_s) - start)) s, VmRSS $r kB"
        kill -0 "$DAEMON_PID" || fail "daemon died"
done
# The same point of the cycle as the first sample: BASE + one batch alive.
expect_all_right 30
rss_end=$(rss_kb)
ok "soak: $rounds rounds in $(($(now_s) - start)) s"

echo "interfaces created: $n_created, renamed: $n_renamed, deleted: $n_deleted;" \
        "drift writes: $n_drift on interfaces, $n_global on all/default"
echo "VmRSS after warm-up: $rss_start kB, at the end: $rss_end kB, highest sampled: $rss_max kB" \
        "(bound: start + $SLACK_KB kB)"
[ "$rss_end" -le $((rss_start + SLACK_KB)) ] ||
        fail "RSS grew: $rss_start kB after warm-up, $rss_end kB at the end (> +$SLACK_KB kB)"
ok "RSS flat: $rss_start -> $rss_end kB"

# Every managed interface right, once more after a quiet second.
sleep 1
all_right || fail "managed interfaces wrong at the end: $(wrong_now | head -20 | tr '\n' ' ')"
ok "every managed interface right ($(rp_all | wc -l) conf entries)"

grep -iE "error|warning|keeps setting|overflowed" "$DAEMON_LOG" &&
        fail "errors or warnings logged (above)"
ok "no error, warning, fight or overflow logged"
# Each rename and each drift of all/default costs exactly one correction; a drift
# write on an interface costs one, or none when it lands before the correction of
# the rename. More would mean the daemon fought itself.
n_corr=$(log_count ': rp_filter ')
lo=$((BASE + n_renamed + n_global)) hi=$((BASE + n_renamed + n_global + n_drift))
if [ "$n_corr" -lt "$lo" ] || [ "$n_corr" -gt "$hi" ]; then
        fail "$n_corr corrections logged, expected $lo..$hi"
fi
ok "$n_corr corrections logged (expected $lo..$hi)"

stop_daemon
# Delete every interface here rather than with the namespace: the kernel tears a
# namespace down in the background, holding the rtnl lock, and would slow whatever
# runs next.
mapfile -t base_names < <(printf 'calib%05d\n' $(seq 0 $((BASE - 1))))
delete_names "${prev_names[@]}" "${base_names[@]}"
ok "$n_deleted interfaces deleted in all"
done_testing
