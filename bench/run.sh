#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/run.sh: rpfguard against the stock path of a systemd node (udev running
# systemd-sysctl with a sysctl.d glob for every new interface), measured in the same
# run, in throwaway network namespaces and a private mount namespace this script
# creates and always deletes. It never touches the host's interfaces or sysctls and
# stops only the processes it started, by PID. Prints one table (and the udev+rpfguard
# one below it).
#
#   sudo bench/run.sh [--quick] [--metrics] [--profile] [--udev-jobs N] [--nice N] [--build DIR]
#
# --quick      fewer interfaces and shorter idle window (well under a minute)
# --metrics    also run rpfguard with metrics_file and a state file (info level, stderr
#              to a file), beside the same without them: the price of the metrics
# --profile    afterwards, profile rpfguard during a burst: perf (cpu-clock, kernel
#              and user stacks), strace -c and callgrind (its own instructions);
#              then the floor during a burst and a backlog (perf); prints the top of each
# --profile-only  only that (RPFBENCH_KEEP_PROFILE=FILE keeps perf.data)
# --udev-jobs  systemd-sysctl runs at a time on the udev path (default 1: serial)
# --nice N     run every process of the bench (contenders, observer, ip) at nice N
#              (default -10): unrelated load on a shared machine disturbs it less;
#              both contenders alike. --nice 0 for the plain scheduler.
# --build DIR  build directory (default /tmp/build-bench); RPFGUARD=PATH skips the
#              daemon build and uses that binary
# Environment: RPFBENCH_KEEP=DIR keeps the recordings and logs; RPFBENCH_VARIANTS=
# "info-journal info-console warning floor udev udev+rpfguard" (a subset) runs only those.
#
# Columns: rpfguard three ways (info level logging to journald or to a file, and
# warning level, which logs no correction); "floor", rpfbench-floor-stack, the least
# any event-driven enforcer must do, with rpfguard's libraries loaded: the kernel's
# price for CPU and memory that no implementation can undercut; and the udev path.
# Below the table, "udev+rpfguard": udev's run with a sysctl.d glob setting 2 on every
# new interface and rpfguard wanting 1, without and with rpfguard --export-sysctl-d.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=/tmp/build-bench
QUICK=0
METRICS=0
PROFILE=0
UDEV_JOBS=1
NICE=-10
ARGS=("$@")

usage() { sed -n '3,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
while [ $# -gt 0 ]; do
        case $1 in
        --quick) QUICK=1 ;;
        --metrics) METRICS=1 ;;
        --profile) PROFILE=1 ;;
        --profile-only) PROFILE=2 ;;
        --udev-jobs) UDEV_JOBS=$2; shift ;;
        --nice) NICE=$2; shift ;;
        --build) BUILD=$2; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
        esac
        shift
done
[ "$(id -u)" = 0 ] || { echo "bench/run.sh: must run as root (network namespaces)" >&2; exit 1; }
# Absolute: some contenders are started with nsenter in another mount namespace,
# where a path relative to this directory means nothing (CI passes --build build-bench).
BUILD=$(realpath -m "$BUILD")

# --- build (outside the private mount namespace: the build tree is ordinary files) --
if [ -z "${RPFBENCH_IN_MOUNTNS:-}" ]; then
        if [ -z "${RPFGUARD:-}" ]; then
                echo "Building rpfguard (RelWithDebInfo) in $BUILD ..." >&2
                cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRPFGUARD_TESTS=OFF >/dev/null
                cmake --build "$BUILD" -j"$(nproc)" >/dev/null
                RPFGUARD=$BUILD/daemon/rpfguard
        fi
        if [ -x "$BUILD/bench/rpfbench-listen" ]; then
                HELPERS=$BUILD/bench
        else
                # The top-level CMakeLists.txt does not add bench/: build it on its own.
                HELPERS=$BUILD-helpers
                cmake -S "$ROOT/bench" -B "$HELPERS" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
                cmake --build "$HELPERS" -j"$(nproc)" >/dev/null
        fi
        export RPFGUARD HELPERS QUICK METRICS PROFILE UDEV_JOBS NICE
        # Everything else happens in a private mount namespace: its tmpfs mounts vanish
        # with it, whatever happens to this script.
        exec nice -n "$NICE" unshare --mount --propagation private env RPFBENCH_IN_MOUNTNS=1 bash "$0" "${ARGS[@]}"
fi

# --- parameters ------------------------------------------------------------------------
if [ "$QUICK" = 1 ]; then
        N_NEW=100          # (a) interfaces created one at a time
        N_DRIFT=50         # (c) drifts
        IDLE_S=3           # (f) idle window
        N_BURST=1000       # (b) rpfguard burst
        N_BURST_UDEV=100   # (b) udev-path burst (capped: milliseconds of CPU per interface)
        N_BACKLOG=500      # (d) rpfguard stopped while they are created
        VARIANTS="info-journal floor udev udev+rpfguard"
else
        N_NEW=200
        N_DRIFT=100
        IDLE_S=10
        N_BURST=2000
        N_BURST_UDEV=500
        N_BACKLOG=1000
        VARIANTS="info-journal info-console warning floor udev udev+rpfguard"
fi
if [ "$METRICS" = 1 ]; then
        # Metrics on and off side by side: the same logging, one after the other.
        case " $VARIANTS " in *" info-console "*) ;; *) VARIANTS="info-console $VARIANTS" ;; esac
        VARIANTS=${VARIANTS/info-console/info-console metrics}
fi
VARIANTS=${RPFBENCH_VARIANTS:-$VARIANTS}   # (for debugging the script)
GAP=0.05                   # between interfaces in (a) and drifts in (c), every variant
SYSCTL_BIN=/lib/systemd/systemd-sysctl
JOURNALD=/lib/systemd/systemd-journald

LISTEN=$HELPERS/rpfbench-listen
UDEV=$HELPERS/rpfbench-udev
NOTIFY=$HELPERS/rpfbench-notify
FLOOR=$HELPERS/rpfbench-floor-stack
CLOCK=$HELPERS/rpfbench-time
ANALYZE=$HELPERS/rpfbench-analyze
for f in "$RPFGUARD" "$LISTEN" "$UDEV" "$NOTIFY" "$FLOOR" "$CLOCK" "$ANALYZE" "$SYSCTL_BIN"; do
        [ -x "$f" ] || { echo "bench/run.sh: $f is missing" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/rpfbench.XXXXXX)
mount -t tmpfs -o size=512m tmpfs "$TMP"
PIDS=()
NAMESPACES=()

say() { echo "[$(date +%T)] $*" >&2; }

forget_pid() { local k; for k in "${!PIDS[@]}"; do [ "${PIDS[$k]}" != "$1" ] || unset 'PIDS[k]'; done; }

stop_pid() {  # stop_pid PID: SIGTERM, up to 5 s, then SIGKILL; reaps it
        local p=$1
        kill -CONT "$p" 2>/dev/null || true # (the backlog phase stops the daemon)
        kill -TERM "$p" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
        forget_pid "$p"
}

cleanup() {
        local rc=$? p n
        set +e
        for p in "${PIDS[@]}"; do stop_pid "$p"; done
        for n in "${NAMESPACES[@]}"; do ip netns del "$n" 2>/dev/null; done
        # RPFBENCH_KEEP=DIR: keep the recordings and logs (for looking closer).
        [ -z "${RPFBENCH_KEEP:-}" ] || { mkdir -p "$RPFBENCH_KEEP" && cp -r "$TMP"/. "$RPFBENCH_KEEP"/; }
        umount "$TMP" 2>/dev/null
        rmdir "$TMP" 2>/dev/null
        exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

now() { "$CLOCK" now; }

# Wait until the CPUs are mostly idle (the kernel tears a deleted namespace down in
# the background; that must not land on the next variant's figures). At most 20 s;
# a machine that stays busy is reported above the table.
BUSY=()
FOREIGN=()
settle() {
        # Interfaces churning in other namespaces contend for the kernel's rtnl and
        # sysctl locks, whatever the CPU: say so.
        local other
        other=$(ip netns list 2>/dev/null | awk -v me="rpfbench-$$-" 'index($1, me) != 1 { print $1 }' | head -3 | tr '\n' ' ')
        [ -z "$other" ] || FOREIGN+=("$1: $other")
        local i k a b idle total pct=0 quiet=0
        for i in $(seq 40); do
                a=($(head -1 /proc/stat)); sleep 0.5; b=($(head -1 /proc/stat))
                idle=$(( b[4] + b[5] - a[4] - a[5] ))
                total=0
                for k in 1 2 3 4 5 6 7 8; do total=$(( total + b[k] - a[k] )); done
                [ "$total" -gt 0 ] || continue
                pct=$(( idle * 100 / total ))
                if [ "$pct" -ge 90 ]; then quiet=$((quiet + 1)); else quiet=0; fi
                [ "$quiet" -lt 2 ] || return 0 # a second in a row
        done
        say "warning: the machine stays busy (${pct}% idle): another load is running"
        BUSY+=("$1: ${pct}% idle")
}

# wait_file PATH SECONDS
wait_file() { local i; for i in $(seq $(( $2 * 20 ))); do [ -e "$1" ] && return 0; sleep 0.05; done; return 1; }

# wrong NS PREFIX: how many PREFIX* interfaces do not have rp_filter 1 (one process).
wrong() {
        ip netns exec "$1" sh -c 'set -- /proc/sys/net/ipv4/conf/'"$2"'*/rp_filter; [ -e "$1" ] || { echo 0; exit; }
                awk '\''FNR == 1 && $0 != 1 { n++ } END { print n + 0 }'\'' "$@"'
}

# wait_converged NS PREFIX SECONDS POLL: until no PREFIX* interface is wrong (looks
# first after POLL: the poll itself costs CPU the contender may still need).
wait_converged() {
        local deadline=$(( $(date +%s) + $3 ))
        sleep "$4"
        while [ "$(wrong "$1" "$2")" != 0 ]; do
                [ "$(date +%s)" -lt "$deadline" ] || return 1
                sleep "$4"
        done
}

# CPU time of a task in ns: sum_exec_runtime (exact, unlike /proc/PID/stat's 10 ms ticks).
cpu_ns() { awk '{ print $1 }' "/proc/$1/schedstat"; }
# Its reaped children's CPU time, in ns (cutime + cstime: 10 ms ticks).
children_cpu_ns() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.0f\n", ($14 + $15) * 1e9 / hz }' "/proc/$1/stat"; }
ctxt() { awk '/ctxt_switches/ { n += $2 } END { print n }' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
rss_split() { awk '/^RssAnon/ { a = $2 } /^RssFile/ { f = $2 } END { printf "%.2f / %.2f\n", a / 1024, f / 1024 }' "/proc/$1/status"; }
# PSS (each shared page divided among the processes mapping it) / USS (pages only
# this process maps: what stopping it would give back), MiB.
pss_uss() { awk '/^Pss:/ { p = $2 } /^Private_(Clean|Dirty):/ { u += $2 } END { printf "%.2f / %.2f\n", p / 1024, u / 1024 }' "/proc/$1/smaps_rollup"; }

# --- the private mount namespace: sysctl.d and journald of our own --------------------
# systemd-sysctl must see our one rule and nothing of the host's: a tmpfs over every
# sysctl.d directory, an empty /etc/sysctl.conf.
declare -A mounted=()
for d in /etc/sysctl.d /run/sysctl.d /usr/local/lib/sysctl.d /usr/lib/sysctl.d /lib/sysctl.d; do
        [ -d "$d" ] || continue
        real=$(realpath "$d")
        [ -z "${mounted[$real]:-}" ] || continue
        mount -t tmpfs tmpfs "$real"
        mounted[$real]=1
done
if [ -e /etc/sysctl.conf ]; then
        : > "$TMP/empty-sysctl.conf"
        mount --bind "$TMP/empty-sysctl.conf" /etc/sysctl.conf
fi
# Our rule where an administrator's would be; now a tmpfs of this namespace.
[ -n "${mounted[/etc/sysctl.d]:-}" ] || { echo "bench/run.sh: no /etc/sysctl.d to put the udev path's rule in" >&2; exit 1; }
echo 'net.ipv4.conf.bench*.rp_filter = 1' > /etc/sysctl.d/50-rpfbench.conf

HAVE_JOURNAL=0
if [ -x "$JOURNALD" ] && [ -d /run/systemd/journal ] && [ -d /run/log/journal ] && command -v systemd-cat >/dev/null; then
        HAVE_JOURNAL=1
fi

JOURNALD_PID=
start_journald() {
        mount -t tmpfs tmpfs /run/systemd/journal
        mount -t tmpfs tmpfs /run/log/journal
        [ ! -d /var/log/journal ] || mount -t tmpfs tmpfs /var/log/journal
        [ ! -d /etc/systemd ] || mount -t tmpfs tmpfs /etc/systemd
        mkdir -p /etc/systemd
        printf '[Journal]\nStorage=volatile\nReadKMsg=no\nForwardToSyslog=no\nForwardToWall=no\n' > /etc/systemd/journald.conf
        # Its own messages to stderr, not into the host's kernel log.
        SYSTEMD_LOG_TARGET=console "$JOURNALD" 2>> "$TMP/journald.log" &
        JOURNALD_PID=$!
        PIDS+=("$JOURNALD_PID")
        wait_file /run/systemd/journal/stdout 10 || { echo "journald did not start" >&2; exit 1; }
}
stop_journald() {
        stop_pid "$JOURNALD_PID"
        JOURNALD_PID=
        umount /etc/systemd 2>/dev/null || true
        umount /var/log/journal 2>/dev/null || true
        umount /run/log/journal /run/systemd/journal
}

write_conf() {  # write_conf LEVEL [METRICS_FILE]
        cat > "$TMP/rpfguard.conf" <<EOF
[daemon]
log_level = $1
metrics_file = ${2:-}
[interfaces]
bench* = strict
EOF
}

declare -A R=()  # results: R[variant.key]

# --- one variant: a fresh namespace pair, an observer, a contender, phases a c f b --------
run_variant() {
        local v=$1 tag=$2 ns peer cpid lpid npid=
        ns=rpfbench-$$-$tag
        peer=$ns-peer
        settle "$v"
        ip netns add "$ns"
        NAMESPACES+=("$ns")
        ip netns add "$peer"
        NAMESPACES+=("$peer")
        # Every new interface is born loose (default 2); all = 0 so max(all, x) = x.
        ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=2

        # The observer at real-time priority: it stamps a message the moment the kernel
        # queues it, not when a busy CPU gets round to it. It blocks in poll() otherwise.
        ip netns exec "$ns" chrt -f 10 "$LISTEN" "$TMP/$v.events" "$TMP/$v.listen-ready" &
        lpid=$!
        PIDS+=("$lpid")
        wait_file "$TMP/$v.listen-ready" 10 || { echo "observer did not start" >&2; exit 1; }

        case $v in
        udev)
                ip netns exec "$ns" "$UDEV" -j "$UDEV_JOBS" -s "$SYSCTL_BIN" -r "$TMP/$v.ready" 2> "$TMP/$v.log" &
                cpid=$!
                PIDS+=("$cpid")
                wait_file "$TMP/$v.ready" 10 || { echo "udev path did not start" >&2; exit 1; }
                ;;
        floor)
                # SIGUSR1 makes it print where its time went since the last SIGUSR1.
                ip netns exec "$ns" "$FLOOR" bench 1 "$TMP/$v.ready" > "$TMP/$v.report" 2> "$TMP/$v.log" &
                cpid=$!
                PIDS+=("$cpid")
                wait_file "$TMP/$v.ready" 10 || { echo "floor did not start" >&2; exit 1; }
                ;;
        *)
                # As under systemd: a NOTIFY_SOCKET (STATUS= updates cost a datagram each).
                "$NOTIFY" "$TMP/$v.notify" > "$TMP/$v.notify-count" &
                npid=$!
                PIDS+=("$npid")
                wait_file "$TMP/$v.notify" 10
                local extra=()
                case $v in
                warning) write_conf warning ;;
                metrics)
                        # As the shipped unit and configuration: metrics and state in a
                        # runtime directory (a tmpfs here, like /run).
                        mkdir -p "$TMP/$v.run"
                        write_conf info "$TMP/$v.run/metrics.prom"
                        extra=(--runtime-dir "$TMP/$v.run")
                        ;;
                *) write_conf info ;;
                esac
                if [ "$v" = info-journal ]; then
                        start_journald
                        # As systemd runs a service: stdout/stderr a journal stream, $JOURNAL_STREAM set.
                        ip netns exec "$ns" env NOTIFY_SOCKET="$TMP/$v.notify" systemd-cat -t rpfguard sh -c \
                                'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$0" "$@"' \
                                "$RPFGUARD" -c "$TMP/rpfguard.conf" &
                        cpid=$!
                        PIDS+=("$cpid")
                        for _ in $(seq 200); do
                                journalctl --no-pager -o cat SYSLOG_IDENTIFIER=rpfguard 2>/dev/null | grep -q '^Started' && break
                                sleep 0.05
                        done
                else
                        ip netns exec "$ns" env NOTIFY_SOCKET="$TMP/$v.notify" "$RPFGUARD" -c "$TMP/rpfguard.conf" --log-format=text \
                                "${extra[@]}" > "$TMP/$v.log" 2>&1 &
                        cpid=$!
                        PIDS+=("$cpid")
                        for _ in $(seq 200); do grep -q '^Started' "$TMP/$v.log" && break; sleep 0.05; done
                fi
                kill -0 "$cpid" || { echo "rpfguard did not start" >&2; exit 1; }
                ;;
        esac

        # (a) one at a time: veth pairs whose peer lives in the peer namespace (as a pod's
        # eth0 does), so each adds exactly one interface, bench*, to the measured one.
        say "$v: (a) $N_NEW new interfaces, one every ${GAP}s"
        local a0 a1
        a0=$(now)
        for i in $(seq "$N_NEW"); do
                echo "link add benchs$i type veth peer name ps$i netns $peer"
                sleep "$GAP"
        done | ip netns exec "$ns" ip -batch -
        a1=$(now)
        wait_converged "$ns" benchs 10 0.2 || true

        # (c) another writer sets 2 on enforced interfaces, one at a time.
        say "$v: (c) $N_DRIFT drifts"
        local c0 c1
        c0=$(now)
        ip netns exec "$ns" bash -c 'for i in $(seq '"$N_DRIFT"'); do echo 2 > /proc/sys/net/ipv4/conf/benchs$i/rp_filter; sleep '"$GAP"'; done'
        c1=$(now)
        if [ "$v" = udev ]; then sleep 1; else wait_converged "$ns" benchs 10 0.2 || true; fi
        R[$v.c_wrong]=$(wrong "$ns" benchs)

        # (f) idle: context switches over IDLE_S seconds.
        say "$v: (f) idle ${IDLE_S}s"
        sleep 1
        local x0 x1
        x0=$(ctxt "$cpid")
        sleep "$IDLE_S"
        x1=$(ctxt "$cpid")
        R[$v.wake]=$(( (x1 - x0) * 60 / IDLE_S ))

        # (b) one ip -batch of veth pairs (peer in the peer namespace: one bench* each).
        local nb=$N_BURST
        [ "$v" != udev ] || nb=$N_BURST_UDEV
        for i in $(seq "$nb"); do echo "link add benchb$i type veth peer name pb$i netns $peer"; done > "$TMP/$v.batch"
        say "$v: (b) burst of $nb interfaces"
        local cpu0 ccpu0 j0=0 cpu1 ccpu1 j1=0 b0 b1 b2
        cpu0=$(cpu_ns "$cpid")
        ccpu0=$(children_cpu_ns "$cpid")
        x0=$(ctxt "$cpid")
        [ -z "$JOURNALD_PID" ] || j0=$(cpu_ns "$JOURNALD_PID")
        [ "$v" != floor ] || floor_report "$cpid" > /dev/null # start counting
        "$CLOCK" run "$TMP/$v.burst-time" ip netns exec "$ns" ip -batch "$TMP/$v.batch"
        read -r b0 b1 < "$TMP/$v.burst-time"
        if [ "$v" = udev ]; then
                wait_converged "$ns" benchb 300 0.5 || true
        else
                wait_converged "$ns" benchb 30 0.2 || true
        fi
        sleep 2 # generous: anything still to come would have come
        R[$v.burst_wrong]=$(wrong "$ns" benchb)
        [ "$v" != floor ] || R[$v.syscalls_burst]=$(floor_report "$cpid")
        cpu1=$(cpu_ns "$cpid")
        ccpu1=$(children_cpu_ns "$cpid")
        x1=$(ctxt "$cpid")
        R[$v.burst_wakeups]=$(awk -v x=$(( x1 - x0 )) -v n="$nb" 'BEGIN { printf "%.2f", x / n }')
        [ -z "$JOURNALD_PID" ] || j1=$(cpu_ns "$JOURNALD_PID")
        R[$v.cpu_us]=$(( (cpu1 - cpu0 + ccpu1 - ccpu0) / 1000 / nb ))
        R[$v.child_cpu_us]=$(( (ccpu1 - ccpu0) / 1000 / nb ))
        R[$v.journald_cpu_us]=$(( (j1 - j0) / 1000 / nb ))
        R[$v.hwm]=$(hwm_kib "$cpid")
        R[$v.rss_split]=$(rss_split "$cpid")
        R[$v.pss_uss]=$(pss_uss "$cpid")
        R[$v.burst_n]=$nb
        R[$v.burst_create_ms]=$(( (b1 - b0) / 1000000 ))

        b2=$(now) # the end of the burst's window: the backlog's interfaces are not its own

        # (d) again without the burst's wake-ups and lock contention: the daemon is
        # stopped while N_BACKLOG interfaces are created, then works off the backlog.
        if [ "$v" != udev ]; then
                say "$v: (d) backlog of $N_BACKLOG interfaces"
                for i in $(seq "$N_BACKLOG"); do echo "link add benchk$i type veth peer name pk$i netns $peer"; done > "$TMP/$v.batch"
                kill -STOP "$cpid"
                ip netns exec "$ns" ip -batch "$TMP/$v.batch"
                cpu0=$(cpu_ns "$cpid")
                kill -CONT "$cpid"
                wait_converged "$ns" benchk 30 0.2 || true
                sleep 0.5
                cpu1=$(cpu_ns "$cpid")
                R[$v.backlog_cpu_us]=$(( (cpu1 - cpu0) / 1000 / N_BACKLOG ))
                R[$v.backlog_wrong]=$(wrong "$ns" benchk)
                [ "$v" != floor ] || R[$v.syscalls_backlog]=$(floor_report "$cpid")
        fi

        # Stop the contender, then the observer (which writes its recording).
        stop_pid "$cpid"
        [ -z "$npid" ] || { stop_pid "$npid"; R[$v.notify]=$(cat "$TMP/$v.notify-count"); }
        case $v in
        udev)
                # "rpfbench-udev: N runs of …, F failed, O overflows, Q not run"
                R[$v.health]=$(awk '/^rpfbench-udev:/ { printf "%d runs, %d failed, %d overflows", $2, $6, $8 }' "$TMP/$v.log")
                ;;
        floor)
                R[$v.health]="$(grep -c . "$TMP/$v.log" || true) lines on stderr"
                ;;
        info-journal)
                R[$v.health]="$(journalctl --no-pager -o cat -p warning SYSLOG_IDENTIFIER=rpfguard | grep -c . || true) warnings/errors"
                stop_journald
                ;;
        *)
                R[$v.health]="$(grep -c -E '^(warning|error): ' "$TMP/$v.log" || true) warnings/errors"
                ;;
        esac
        stop_pid "$lpid"
        ip netns del "$ns"
        ip netns del "$peer"
        NAMESPACES=()

        local out
        local e_hash e_word e_n
        read -r e_hash e_word e_n _ < "$TMP/$v.events"
        R[$v.enobufs]=$e_n
        out=($("$ANALYZE" new "$TMP/$v.events" "$a0" "$a1" 1))
        R[$v.a_n]=${out[1]} R[$v.a_fixed]=${out[3]} R[$v.a_p50]=${out[5]} R[$v.a_p99]=${out[7]} R[$v.a_max]=${out[9]}
        R[$v.a_k50]=${out[13]} R[$v.a_k99]=${out[15]} R[$v.a_d50]=${out[17]} R[$v.a_d99]=${out[19]} R[$v.a_after_n]=${out[21]}
        out=($("$ANALYZE" drift "$TMP/$v.events" "$c0" "$c1" 1))
        R[$v.c_n]=${out[1]} R[$v.c_fixed]=${out[3]} R[$v.c_p50]=${out[5]} R[$v.c_p99]=${out[7]}
        out=($("$ANALYZE" new "$TMP/$v.events" "$b0" "$b2" 1))
        R[$v.b_n]=${out[1]} R[$v.b_fixed]=${out[3]} R[$v.b_p50]=${out[5]} R[$v.b_p99]=${out[7]}
        local last=${out[11]}
        R[$v.b_after_ms]=$(awk -v l="$last" -v e="$b1" 'BEGIN { d = (l - e) / 1e6; if (d < 0) print "0 (kept up)"; else printf "%.1f\n", d }')
        [ "${out[3]}" != 0 ] || R[$v.b_after_ms]=never
}

# floor_report PID: the floor's "floor: N interfaces; per interface, us: …" line for
# the time since its previous report (it answers SIGUSR1 on stdout).
floor_report() {
        local n
        n=$(grep -c '^floor:' "$TMP/floor.report" || true)
        kill -USR1 "$1"
        for _ in $(seq 100); do
                [ "$(grep -c '^floor:' "$TMP/floor.report" || true)" -gt "$n" ] && break
                sleep 0.05
        done
        tail -1 "$TMP/floor.report"
}

# --- the profile: rpfguard and the floor during a burst, under perf and strace ---------
# traced NS PEER PID TAG N MODE TRACER...: creates N bench<TAG>* interfaces in one
# ip -batch while TRACER (perf or strace, attached to PID, stopped with SIGINT) runs.
# MODE burst: PID runs along; MODE backlog: PID is stopped while they are created and
# only traced working them off.
traced() {
        local ns=$1 peer=$2 pid=$3 tag=$4 n=$5 mode=$6 tpid i
        shift 6
        for i in $(seq "$n"); do echo "link add bench$tag$i type veth peer name p$tag$i netns $peer"; done > "$TMP/prof.batch"
        [ "$mode" != backlog ] || { kill -STOP "$pid"; ip netns exec "$ns" ip -batch "$TMP/prof.batch"; }
        "$@" &
        tpid=$!
        PIDS+=("$tpid")
        sleep 1
        if [ "$mode" = backlog ]; then kill -CONT "$pid"; else ip netns exec "$ns" ip -batch "$TMP/prof.batch"; fi
        wait_converged "$ns" "bench$tag" 30 0.2 || true
        sleep 0.5
        kill -INT "$tpid"; wait "$tpid" 2>/dev/null || true
        forget_pid "$tpid"
}

# perf_children FILE: time by kernel function including its callees, top of the list.
perf_children() {
        perf report -i "$1" --children --sort symbol --stdio -g none --percent-limit 2 2>/dev/null |
                grep -v '^#' | grep -v '^$' | grep -v -E '(do_syscall_64|entry_SYSCALL)' | head -"${2:-30}" || true
}

run_profile() {
        command -v perf >/dev/null && command -v strace >/dev/null && command -v callgrind_control >/dev/null ||
                { echo "bench/run.sh: --profile needs perf (linux-perf), strace and valgrind" >&2; exit 1; }
        local ns=rpfbench-$$-prof peer=rpfbench-$$-prof-peer cpid fpid npid n=$N_BURST
        local perf=(perf record -q -e cpu-clock -F 20000)
        settle profile
        ip netns add "$ns"; NAMESPACES+=("$ns")
        ip netns add "$peer"; NAMESPACES+=("$peer")
        ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=2
        write_conf info
        "$NOTIFY" "$TMP/prof.notify" > /dev/null &
        npid=$!
        PIDS+=("$npid")
        wait_file "$TMP/prof.notify" 10
        ip netns exec "$ns" env NOTIFY_SOCKET="$TMP/prof.notify" "$RPFGUARD" -c "$TMP/rpfguard.conf" --log-format=text > "$TMP/prof.log" 2>&1 &
        cpid=$!
        PIDS+=("$cpid")
        for _ in $(seq 200); do grep -q '^Started' "$TMP/prof.log" && break; sleep 0.05; done

        say "profile: rpfguard, perf record during a burst of $n"
        traced "$ns" "$peer" "$cpid" p "$n" burst "${perf[@]}" --call-graph dwarf,16384 -p "$cpid" -o "$TMP/perf.data"
        say "profile: rpfguard, strace -c during a burst of $n"
        traced "$ns" "$peer" "$cpid" q "$n" burst strace -c -f -q -p "$cpid" -o "$TMP/strace.txt"
        stop_pid "$cpid"

        # rpfguard's own instructions (user space only): under callgrind, counters zeroed
        # once it has started, a burst, then dumped.
        local nc=$(( n / 4 ))
        say "profile: rpfguard under callgrind, a burst of $nc"
        ip netns exec "$ns" env NOTIFY_SOCKET="$TMP/prof.notify" valgrind -q --tool=callgrind \
                --callgrind-out-file="$TMP/callgrind.out" "$RPFGUARD" -c "$TMP/rpfguard.conf" --log-format=text > "$TMP/prof-cg.log" 2>&1 &
        cpid=$!
        PIDS+=("$cpid")
        for _ in $(seq 600); do grep -q '^Started' "$TMP/prof-cg.log" && break; sleep 0.05; done
        callgrind_control -z "$cpid" > /dev/null
        for i in $(seq "$nc"); do echo "link add benchc$i type veth peer name pc$i netns $peer"; done > "$TMP/prof.batch"
        ip netns exec "$ns" ip -batch "$TMP/prof.batch"
        wait_converged "$ns" benchc 60 0.5 || true
        callgrind_control -d "$cpid" > /dev/null
        stop_pid "$cpid"
        stop_pid "$npid"

        # The floor (see the table's notes) in the same namespace, the same way.
        ip netns exec "$ns" "$FLOOR" bench 1 "$TMP/prof-floor.ready" > /dev/null &
        fpid=$!
        PIDS+=("$fpid")
        wait_file "$TMP/prof-floor.ready" 10 || { echo "floor did not start" >&2; exit 1; }
        say "profile: floor, perf record during a burst of $n and a backlog of $n"
        traced "$ns" "$peer" "$fpid" fb "$n" burst "${perf[@]}" -g -p "$fpid" -o "$TMP/perf-floor-burst.data"
        traced "$ns" "$peer" "$fpid" fk "$n" backlog "${perf[@]}" -g -p "$fpid" -o "$TMP/perf-floor-backlog.data"
        stop_pid "$fpid"
        ip netns del "$ns"; ip netns del "$peer"; NAMESPACES=()

        echo
        echo "=== perf: rpfguard during a burst of $n new interfaces (cpu-clock samples, self time) ==="
        perf report -i "$TMP/perf.data" --no-children --sort dso,symbol --stdio -g none --percent-limit 0.7 2>/dev/null |
                grep -v '^#' | grep -v '^$' | head -45 || true
        echo
        echo "=== perf: rpfguard, by top-level syscall (children time) ==="
        perf report -i "$TMP/perf.data" --children --sort symbol --stdio -g none 2>/dev/null |
                grep -E '\[k\] (__x64_sys_|do_syscall_64|entry_SYSCALL)' | head -20 || true
        echo
        echo "=== strace -c: rpfguard during a burst of $n new interfaces ==="
        cat "$TMP/strace.txt"
        echo
        echo "=== callgrind: rpfguard's own instructions (user space) during a burst of $nc ==="
        # The dump callgrind_control -d asked for (the one at exit is .out itself); the
        # frames that were on the stack when the counters were zeroed carry the whole
        # total: leave them out.
        callgrind_annotate --threshold=100 "$TMP/callgrind.out.1" 2>/dev/null | awk -v n="$nc" '
                /PROGRAM TOTALS/ { total = $1; gsub(",", "", total)
                        printf "%.0f instructions per interface (%s in all); the top functions, self:\n", total / n, $1; next }
                /file:function/ { list = 1; next }
                list && /^-+$/ { if (++rules > 1) exit; next }
                list && NF { c = $1; gsub(",", "", c); if (c + 0 < total + 0 && shown++ < 15) print }' || true
        echo
        echo "=== perf: the floor during a burst of $n (children time: a function and what it calls) ==="
        perf_children "$TMP/perf-floor-burst.data"
        echo
        echo "=== perf: the floor working off a backlog of $n (no wake-up per interface, no creator running) ==="
        perf_children "$TMP/perf-floor-backlog.data"
        if [ -n "${RPFBENCH_KEEP_PROFILE:-}" ]; then
                cp "$TMP/perf.data" "$RPFBENCH_KEEP_PROFILE"
                echo "perf data copied to $RPFBENCH_KEEP_PROFILE"
        fi
}

# --- udev+rpfguard: a distribution's glob against rpfguard, without and with the export -----
# The node as shipped: a sysctl.d glob net.ipv4.conf.*.rp_filter = 2 (systemd's own
# 50-default.conf has it), which udev's systemd-sysctl run applies to every new
# interface, and rpfguard wanting 1. Measured three times in one run, on a fresh
# namespace pair each: rule bench* without the export; the same with rpfguard
# --export-sysctl-d writing /run/sysctl.d/99-zzz-rpfguard.conf first (as the shipped
# drop-in's ExecStartPre= does); and rule * with the export, whose glob is the
# distribution's own key. Each run has a sysctl.d tree of its own: a nested mount
# namespace with a tmpfs over /run and over every sysctl.d directory, which rpfguard
# starts in (it reads the tree for its start-up warning) and the udev path joins
# (nsenter). Figures per new interface from the observer's recording, and rpfguard's
# corrections from its log.
if [ "$QUICK" = 1 ]; then N_FIGHT=50; else N_FIGHT=100; fi
FIGHT_RUNS=("bench* 0" "bench* 1" "* 1") # RULE EXPORT, one column each

# fight-tree.sh EXPORT RPFGUARD CONF CMD...: in the current (fresh) mount namespace, the
# tree above; with EXPORT=1 rpfguard's export in it; then exec CMD.
cat > "$TMP/fight-tree.sh" <<'TREE'
set -euo pipefail
export_it=$1 rpfguard=$2 conf=$3
shift 3
declare -A mounted=()
low=
for d in /etc/sysctl.d /usr/local/lib/sysctl.d /usr/lib/sysctl.d /lib/sysctl.d; do
        [ -d "$d" ] || continue
        real=$(realpath "$d")
        [ -z "${mounted[$real]:-}" ] || continue
        mount -t tmpfs tmpfs "$real"
        mounted[$real]=1
        low=$real # the last directory systemd-sysctl reads: the distribution's
done
[ -n "$low" ] || { echo "fight-tree: no sysctl.d directory" >&2; exit 1; }
# Only in this mount namespace: the host's /run is not touched (it may lack sysctl.d).
mount -t tmpfs tmpfs /run
mkdir /run/sysctl.d
echo 'net.ipv4.conf.*.rp_filter = 2' > "$low/50-default.conf"
[ "$export_it" = 0 ] || "$rpfguard" -c "$conf" --export-sysctl-d /run/sysctl.d/99-zzz-rpfguard.conf > /dev/null
exec "$@"
TREE

# run_fight K RULE EXPORT: one measurement (tag fight.K).
run_fight() {
        local v=fight.$1 rule=$2 e=$3 ns peer rpid upid lpid k t0
        ns=rpfbench-$$-fight$1
        peer=$ns-peer
        ip netns add "$ns"
        NAMESPACES+=("$ns")
        ip netns add "$peer"
        NAMESPACES+=("$peer")
        ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=2
        ip netns exec "$ns" chrt -f 10 "$LISTEN" "$TMP/$v.events" "$TMP/$v.listen-ready" &
        lpid=$!
        PIDS+=("$lpid")
        wait_file "$TMP/$v.listen-ready" 10 || { echo "observer did not start" >&2; exit 1; }

        printf '[daemon]\nlog_level = info\n[interfaces]\n%s = strict\n' "$rule" > "$TMP/$v.conf"
        # ip netns exec, unshare and the script exec: $! is rpfguard.
        ip netns exec "$ns" unshare --mount --propagation private bash "$TMP/fight-tree.sh" "$e" "$RPFGUARD" "$TMP/$v.conf" \
                "$RPFGUARD" -c "$TMP/$v.conf" --log-format=text > "$TMP/$v.log" 2>&1 &
        rpid=$!
        PIDS+=("$rpid")
        for _ in $(seq 200); do grep -q '^Started' "$TMP/$v.log" && break; sleep 0.05; done
        kill -0 "$rpid" && grep -q '^Started' "$TMP/$v.log" || { cat "$TMP/$v.log" >&2; echo "rpfguard did not start" >&2; exit 1; }
        nsenter -t "$rpid" -m -n "$UDEV" -j "$UDEV_JOBS" -s "$SYSCTL_BIN" -r "$TMP/$v.ready" 2> "$TMP/$v.udev.log" &
        upid=$!
        PIDS+=("$upid")
        wait_file "$TMP/$v.ready" 10 || { echo "udev path did not start" >&2; exit 1; }
        # The export is there when asked for (and only then), where udev's run reads it.
        if nsenter -t "$rpid" -m test -s /run/sysctl.d/99-zzz-rpfguard.conf; then k=1; else k=0; fi
        [ "$k" = "$e" ] || { echo "bench/run.sh: /run/sysctl.d/99-zzz-rpfguard.conf: expected $e, found $k" >&2; exit 1; }

        say "udev+rpfguard (rule $rule, $([ "$e" = 1 ] && echo with || echo without) the export): $N_FIGHT new interfaces, one every ${GAP}s"
        t0=$(now)
        for i in $(seq "$N_FIGHT"); do
                echo "link add benchu$i type veth peer name pu$i netns $peer"
                sleep "$GAP"
        done | ip netns exec "$ns" ip -batch -
        wait_converged "$ns" benchu 10 0.2 || true
        sleep 2 # udev's last runs, and rpfguard's answers to them
        R[$v.wrong]=$(wrong "$ns" benchu)

        stop_pid "$upid"
        stop_pid "$rpid"
        stop_pid "$lpid"
        ip netns del "$ns"
        ip netns del "$peer"
        for k in "${!NAMESPACES[@]}"; do
                case ${NAMESPACES[$k]} in "$ns"|"$peer") unset 'NAMESPACES[k]' ;; esac
        done

        # "rpfbench-udev: N runs of …, F failed, O overflows, Q not run"
        R[$v.udev]=$(awk '/^rpfbench-udev:/ { printf "%d runs, %d failed, %d not run", $2, $6, $10 }' "$TMP/$v.udev.log")
        R[$v.warnings]=$(grep -c 'is applied by udev to every new interface' "$TMP/$v.log" || true)
        # rpfguard's corrections per interface, from its log: all of them (mean, min,
        # max), and those after another writer (udev's run) had put 2 back.
        R[$v.corr]=$(awk -v n="$N_FIGHT" '
                match($0, /benchu[0-9]+: rp_filter [0-9-]+ -> 1 /) {
                        name = substr($0, RSTART, RLENGTH); sub(/:.*/, "", name)
                        c[name]++; if ($0 ~ /changed by/) again++ }
                END { min = -1
                        for (i = 1; i <= n; i++) { x = c["benchu" i] + 0; t += x
                                if (min < 0 || x < min) min = x; if (x > max) max = x }
                        printf "%.2f %d %d %.2f\n", t / n, min, max, again / n }' "$TMP/$v.log")
        R[$v.obs]=$(fight_analyze "$TMP/$v.events" "$t0")
}

# fight_analyze EVENTS FROM: per interface registered after FROM (its first netconf a
# full one): how often it became right (-> 1), how often it went wrong again after it
# had been right (1 -> anything else: here only udev's run writes), how long each such
# episode lasted (to the next 1), and how long the first correction took. Prints
# "n N right_per R rewrong_per W episodes E ep_p50_us P ep_p99_us Q ep_max_us M
#  first_p50_us F first_p99_us G wrong_end X" (-1: none; nearest-rank percentiles).
fight_analyze() {
        awk -v from="$2" '
        function pct(a, n, p,   i, j, x, r) {
                if (n == 0) return -1
                for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
                r = int((n * p + 99) / 100); if (r < 1) r = 1
                return int(a[r] / 1000)
        }
        /^#/ || NF != 4 || $3 <= 0 || $2 == "L" { next }
        {
                t = $1; i = $3; rp = $4
                if (!(i in last)) {
                        last[i] = rp
                        if ($2 != "F" || t < from) { skip[i] = 1; next }
                        born[i] = t; n++
                        if (rp == 1) { right[i]++; fixed[i] = 1; first[++nf] = 0 }
                        next
                }
                if (i in skip || rp == last[i]) next
                if (rp == 1) {
                        right[i]++
                        if (!(i in fixed)) { fixed[i] = 1; first[++nf] = t - born[i] }
                        else if (i in since) { ep[++ne] = t - since[i]; delete since[i] }
                } else if (last[i] == 1) {
                        rewrong[i]++; since[i] = t
                }
                last[i] = rp
        }
        END {
                for (i in born) { r += right[i]; w += rewrong[i]; if (last[i] != 1) bad++ }
                printf "n %d right_per %.2f rewrong_per %.2f episodes %d", n, n ? r / n : 0, n ? w / n : 0, ne
                printf " ep_p50_us %d", pct(ep, ne, 50); printf " ep_p99_us %d", pct(ep, ne, 99); printf " ep_max_us %d", pct(ep, ne, 100)
                printf " first_p50_us %d", pct(first, nf, 50); printf " first_p99_us %d", pct(first, nf, 99)
                printf " wrong_end %d\n", bad + 0
        }' "$1"
}

FIGHTS=0
run_fights() {
        local k rule e
        settle "udev+rpfguard"
        for k in "${!FIGHT_RUNS[@]}"; do
                [ "$k" = 0 ] || sleep 1 # the last namespace pair's teardown
                read -r rule e <<< "${FIGHT_RUNS[$k]}" # (not split by the shell: a rule is a glob)
                run_fight "$k" "$rule" "$e"
        done
        FIGHTS=1
}

fight_table() {
        local w=31 sep
        fight_row() {  # LABEL FUNCTION: one value per run
                local x
                printf '| %-58s |' "$1"
                for x in "${!FIGHT_RUNS[@]}"; do printf " %-${w}s |" "$($2 "$x")"; done
                echo
        }
        fobs() { awk -v k="$2" '{ for (i = 1; i < NF; i += 2) if ($i == k) print $(i + 1) }' <<< "${R[fight.$1.obs]}"; }
        fcorr() { awk -v k="$2" '{ print $k }' <<< "${R[fight.$1.corr]}"; }
        f() { local rule e; read -r rule e <<< "${FIGHT_RUNS[$1]}"
              [ "$e" = 1 ] && echo "rule $rule, with the export" || echo "rule $rule, without the export"; }
        echo
        echo "udev path + rpfguard: the sysctl.d glob net.ipv4.conf.*.rp_filter = 2 (systemd's 50-default.conf;"
        echo "udev's systemd-sysctl run applies it to every new interface), rpfguard wanting 1, and the export at"
        echo "/run/sysctl.d/99-zzz-rpfguard.conf or not; $N_FIGHT new interfaces per run, one every ${GAP}s:"
        echo
        fight_row "figure, per new interface" f
        sep="|-$(printf '%.0s-' $(seq 58))-|"
        for _ in "${FIGHT_RUNS[@]}"; do sep+="-$(printf '%.0s-' $(seq $w))-|"; done
        echo "$sep"
        f() { echo "$(fcorr "$1" 1) ($(fcorr "$1" 2)-$(fcorr "$1" 3))"; }
        fight_row "rpfguard's corrections (its log), mean (min-max)" f
        f() { fcorr "$1" 4; }
        fight_row "  after udev's run put 2 back (\"changed by\")" f
        f() { fobs "$1" right_per; }
        fight_row "times it became right (observer: -> 1)" f
        f() { fobs "$1" rewrong_per; }
        fight_row "times wrong again after being right (udev's 2)" f
        f() { echo "$(ms "$(fobs "$1" ep_p50_us)") / $(ms "$(fobs "$1" ep_p99_us)") / $(ms "$(fobs "$1" ep_max_us)")"; }
        fight_row "  time wrong after udev's run, p50 / p99 / max ms" f
        f() { echo "$(ms "$(fobs "$1" first_p50_us)") / $(ms "$(fobs "$1" first_p99_us)")"; }
        fight_row "born wrong -> first corrected, p50 / p99 ms" f
        f() { local n bad=${R[fight.$1.wrong]}; n=$(fobs "$1" n); echo "$(( n - bad )) / $n (left wrong: $bad)"; }
        fight_row "right at the end / created" f
        f() { echo "${R[fight.$1.udev]}"; }
        fight_row "udev path: systemd-sysctl runs" f
        f() { echo "${R[fight.$1.warnings]}"; }
        fight_row "rpfguard's start-up warnings about the glob" f
        echo
        cat <<NOTES
The observer sees changes only (the kernel sends no netconf for a write of the value already there).
"Time wrong after udev's run": from the netconf showing 2 after the interface had been right to the next
one showing 1. systemd-sysctl $("$SYSCTL_BIN" --version | awk 'NR == 1 { print $2 }') applies every matching glob, in the order of the files:
net/ipv4/conf/*/rp_filter = 2, then the export's net/ipv4/conf/bench*/rp_filter = 1, so with rule bench*
its run still writes 2 and then 1, and rpfguard corrects the 2 whenever it reads before that 1 lands.
A name in sysctl.d would exclude it from globs; a new interface's name is not known in advance. Rule *
exports the distribution's own key, which the later file overrides: one write of 1, over 1.
NOTES
}

# --- run ----------------------------------------------------------------------------------
if [ "$PROFILE" = 2 ]; then
        run_profile
        exit 0
fi
START=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
CPU0=$(head -1 /proc/stat)
TAGS=()
k=0
for v in $VARIANTS; do
        if [ "$v" = info-journal ] && [ "$HAVE_JOURNAL" = 0 ]; then
                say "no systemd-journald/systemd-cat or /run/systemd/journal: skipping $v"
                continue
        fi
        [ "$v" != udev+rpfguard ] || { run_fights; continue; } # its own table, below
        k=$((k + 1))
        run_variant "$v" "$k"
        TAGS+=("$v")
done
ELAPSED=$(( $(date +%s) - START ))

# --- the table ----------------------------------------------------------------------------
ms() { [ "$1" -ge 0 ] 2>/dev/null && awk -v u="$1" 'BEGIN { printf u < 10000 ? "%.3f" : "%.1f", u / 1000 }' || echo "-"; }
cols=()
for v in "${TAGS[@]}"; do
        case $v in
        info-journal) cols+=("rpfguard info, journald") ;;
        info-console) cols+=("rpfguard info, stderr file") ;;
        metrics) cols+=("same, metrics + state file") ;;
        warning) cols+=("rpfguard warning") ;;
        floor) cols+=("floor (minimal enforcer)") ;;
        udev) cols+=("udev path (-j $UDEV_JOBS)") ;;
        esac
done
row() {  # row LABEL TARGET VALUES...
        printf '| %-52s | %-8s |' "$1" "$2"
        shift 2
        for x in "$@"; do printf ' %-31s |' "$x"; done
        echo
}
vals() {  # vals FORMAT-FUNCTION: one value per variant
        local v out=()
        for v in "${TAGS[@]}"; do out+=("$($1 "$v")"); done
        row "$LABEL" "$TARGET" "${out[@]}"
}

echo
echo "rpfguard benchmark — Linux $(uname -r), $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), VM: $(systemd-detect-virt --vm 2>/dev/null || echo unknown), $(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-}"), systemd $("$SYSCTL_BIN" --version | awk 'NR == 1 { print $2 }')"
echo "load average before / after: $LOAD0 / $(cut -d' ' -f1-3 /proc/loadavg); the bench's processes at nice $(nice)"
# steal: time the hypervisor gave this VM's vCPUs to someone else while they had work.
echo "$(awk -v a="$CPU0" -v b="$(head -1 /proc/stat)" 'BEGIN { split(a, x); split(b, y)
        for (k = 2; k <= 9; k++) t += y[k] - x[k]
        printf "CPU time stolen by the hypervisor during the run: %.1f %%", t ? 100 * (y[9] - x[9]) / t : 0 }')"
echo "$( [ "$QUICK" = 1 ] && echo quick || echo full ) run, $ELAPSED s; new interfaces are born with rp_filter 2 (default = 2, all = 0); wanted 1"
if [ ${#FOREIGN[@]} -gt 0 ]; then
        echo "WARNING: other network namespaces existed (tests running?): ${FOREIGN[*]}"
fi
if [ ${#BUSY[@]} -gt 0 ]; then
        echo "WARNING: other processes kept the CPUs busy before: ${BUSY[*]}."
        echo "         Latencies below are not representative of an idle node."
fi
echo
row "figure" "target" "${cols[@]}"
sep="|-$(printf '%.0s-' $(seq 52))-|----------|"
for _ in "${TAGS[@]}"; do sep+="---------------------------------|"; done
echo "$sep"
LABEL="(a) new interface -> corrected, p50 / p99 ms" TARGET="0.25 / 2"
f() { echo "$(ms "${R[$1.a_p50]}") / $(ms "${R[$1.a_p99]}")"; }; vals f
LABEL="    fixed only after their RTM_NEWLINK: how many" TARGET=""
f() { echo "${R[$1.a_after_n]} / ${R[$1.a_fixed]}"; }; vals f
LABEL="      those: registration -> RTM_NEWLINK, p50 / p99" TARGET=""
f() { echo "$(ms "${R[$1.a_k50]}") / $(ms "${R[$1.a_k99]}")"; }; vals f
LABEL="      those: RTM_NEWLINK -> fixed, p50 / p99" TARGET=""
f() { echo "$(ms "${R[$1.a_d50]}") / $(ms "${R[$1.a_d99]}")"; }; vals f
LABEL="    interfaces corrected / created (max ms)" TARGET=""
f() { echo "${R[$1.a_fixed]} / ${R[$1.a_n]} ($(ms "${R[$1.a_max]}"))"; }; vals f
LABEL="(b) burst: interfaces in one ip -batch" TARGET=""
f() { echo "${R[$1.burst_n]}$([ "$1" = udev ] && echo " (capped)"), created in $(awk -v m="${R[$1.burst_create_ms]}" 'BEGIN { printf "%.2f", m / 1000 }') s"; }; vals f
LABEL="    last correction after ip -batch exit, ms" TARGET="50"
f() { echo "${R[$1.b_after_ms]}"; }; vals f
LABEL="    left wrong after convergence + 2 s" TARGET="0"
f() { echo "${R[$1.burst_wrong]}"; }; vals f
LABEL="    per-interface latency in burst, p50 / p99 ms" TARGET=""
f() { echo "$(ms "${R[$1.b_p50]}") / $(ms "${R[$1.b_p99]}")"; }; vals f
LABEL="(c) drift repaired, p50 / p99 ms" TARGET=""
f() { [ "${R[$1.c_fixed]}" = 0 ] && echo "never" || echo "$(ms "${R[$1.c_p50]}") / $(ms "${R[$1.c_p99]}")"; }; vals f
LABEL="    drifts repaired / made (still wrong after)" TARGET=""
f() { echo "${R[$1.c_fixed]} / ${R[$1.c_n]} (${R[$1.c_wrong]})"; }; vals f
LABEL="(d) CPU per interface in burst, us" TARGET="15"
f() { if [ "$1" = udev ]; then echo "${R[$1.cpu_us]} (systemd-sysctl ${R[$1.child_cpu_us]})";
      elif [ "$1" = info-journal ]; then echo "${R[$1.cpu_us]} (+ journald ${R[$1.journald_cpu_us]})";
      else echo "${R[$1.cpu_us]}"; fi; }; vals f
LABEL="    its wake-ups (context switches) per interface" TARGET=""
f() { echo "${R[$1.burst_wakeups]}"; }; vals f
LABEL="    CPU per interface, backlog, us" TARGET=""
f() { [ "$1" = udev ] && echo "-" || echo "${R[$1.backlog_cpu_us]} (left wrong: ${R[$1.backlog_wrong]})"; }; vals f
LABEL="(e) peak RSS (VmHWM), MiB" TARGET="3"
f() { awk -v k="${R[$1.hwm]}" 'BEGIN { printf "%.2f", k / 1024 }'; }; vals f
LABEL="    own / shared libraries (RssAnon / RssFile), MiB" TARGET=""
f() { echo "${R[$1.rss_split]}"; }; vals f
LABEL="    now: PSS / USS (private pages only), MiB" TARGET=""
f() { echo "${R[$1.pss_uss]}"; }; vals f
LABEL="(f) idle wake-ups per minute" TARGET="0"
f() { echo "${R[$1.wake]}"; }; vals f
LABEL="    sd_notify datagrams in the run" TARGET=""
f() { echo "${R[$1.notify]:--}"; }; vals f
LABEL="    contender's log / its runs" TARGET=""
f() { echo "${R[$1.health]}"; }; vals f
LABEL="    observer overflows (must be 0)" TARGET=""
f() { echo "${R[$1.enobufs]}"; }; vals f
echo
cat <<EOF
(a) $N_NEW interfaces created one at a time ${GAP}s apart (ip -batch fed line by line); latency from the
    first RTM_NEWNETCONF of the new ifindex (the kernel registering it, rp_filter 2) to the first one
    showing 1, both as received by an independent observer (rpfbench-listen, SCHED_FIFO, joined to
    RTNLGRP_IPV4_NETCONF and RTNLGRP_LINK, CLOCK_MONOTONIC at receipt). Nearest-rank percentiles.
    Interfaces fixed only after their first RTM_NEWLINK (all of udev's, which acts on it; few of
    rpfguard's and the floor's, which act on the registration netconf) are split at that message.
(b) veth pairs whose peer end is created in a second namespace (like a pod's eth0), so each pair adds
    exactly one interface, bench*, to the measured namespace. Time from ip -batch's exit to the last
    correction seen by the observer ("kept up": the last one came before ip exited). The udev path
    is capped at $N_BURST_UDEV interfaces: it spends milliseconds of CPU on each.
(c) $N_DRIFT enforced interfaces set to 2 by another writer, ${GAP}s apart; udev only acts on "add".
    Netlink multicast is ordered per sender, not across senders: when the writer's own notification
    reaches the observer after the daemon's correction (a vCPU preempted mid-broadcast), the drift
    counts as unrepaired although the interface is right; "still wrong after" reads the files.
(d) sum_exec_runtime (/proc/PID/schedstat) of the daemon over the burst ÷ interfaces; udev path: the
    listener plus its reaped systemd-sysctl children (cutime+cstime). journald's own CPU in parentheses.
    "backlog": rpfguard stopped (SIGSTOP) while $N_BACKLOG more are created, then let go: its cost
    without a wake-up per interface and without contending with the creator for the sysctl lock.
(e) VmHWM after the burst: the peak resident set, which counts every page of a shared library the
    process has mapped, and a page fault on a library maps the 64 KiB around the page (fault-around)
    when it is in the page cache. RssAnon / RssFile, PSS (shared pages divided among the processes
    mapping them) and USS (pages no other process maps) as they are after the burst.
(f) voluntary + involuntary context switches over ${IDLE_S}s idle, × 60/${IDLE_S}.
udev path: rpfbench-udev runs $SYSCTL_BIN --prefix=/net/ipv4/conf/\$name --prefix=/net/ipv4/neigh/\$name
    --prefix=/net/ipv6/conf/\$name --prefix=/net/ipv6/neigh/\$name (udev's 99-systemd.rules) for each
    RTM_NEWLINK of a new ifindex, $UDEV_JOBS at a time, with net.ipv4.conf.bench*.rp_filter = 1 as the only
    sysctl.d rule (tmpfs over every sysctl.d directory in a private mount namespace). A lower bound of
    udev's cost: no udevd, worker, rule matching or sysfs reads.
floor: rpfbench-floor-stack, the least an event-driven enforcer must do. It joins only the netconf
    group and, for every netconf of a bench* interface whose rp_filter is not 1, asks the name
    (SIOCGIFNAME), opens conf/NAME/rp_filter under a directory fd and writes 1: no configuration,
    state, link events (so it would miss renames), logging or sd_notify. It is linked against
    rpfguard's libraries without calling them, so its peak RSS is those libraries' price. What it
    spends is the kernel's charge for the job; the gap to rpfguard's columns is rpfguard's own.
EOF
if [ -n "${R[floor.syscalls_burst]:-}" ]; then
        echo
        echo "Where the floor's time went: wall time inside each system call (CLOCK_MONOTONIC around the"
        echo "call), per interface enforced, us. The calls do not sleep, but the write's broadcast wakes the"
        echo "SCHED_FIFO observer, which may preempt the floor inside it. Its CPU time beyond these calls is"
        echo "ppoll(): going to sleep and being woken (a context switch per wake-up)."
        echo "  burst:   ${R[floor.syscalls_burst]#*us: }"
        echo "  backlog: ${R[floor.syscalls_backlog]#*us: }"
fi
[ "$FIGHTS" = 0 ] || fight_table

if [ "$PROFILE" = 1 ]; then
        run_profile
fi
