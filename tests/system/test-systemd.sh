#!/bin/bash
# System test: the Debian package of rpfguard under a real systemd PID 1, in a
# throwaway systemd-nspawn container (tmpfs overlay over the host's root, its own
# network namespace). Installs the .deb, drives the unit with systemctl, reads the
# journal, removes the package. Nothing on the host changes; needs root and fails
# (never skips) without it. Recipe: /work/shared/recipes/systemd-container.md.
# shellcheck disable=SC2016 # awk and jq programs are single-quoted on purpose
set -euo pipefail

TEST_NAME=test-systemd
SRC=${RPFGUARD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
EXPOSURE_MAX=1.5
CALI=cali7f3a9c2d1e     # a Calico workload veth: 15 bytes, matched by "cali*"
PEER=eth1               # its peer: no rule until the reload adds "eth* = loose"

fail() { echo "FAIL: $TEST_NAME: $*" >&2; exit 1; }
CHECKS=0
ok() { CHECKS=$((CHECKS + 1)); echo "ok $CHECKS - $*"; }

if [ "$(id -u)" != 0 ]; then
        fail "needs root (it boots a systemd-nspawn container)"
fi
for tool in systemd-nspawn nsenter cmake cpack dpkg-deb jq; do
        command -v "$tool" >/dev/null || fail "$tool is not installed"
done

WORK=$(mktemp -d /tmp/rpfguard-systest.XXXXXX)
NAME=rpfgsys$$          # machine name, and the cgroup of this run
CG=rpfguard-systest.$$
ROOT=$WORK/root
NSPID=
LEADER=
MOUNTED=

# Everything inside the container: its mount, UTS, IPC, network, PID and cgroup
# namespaces, with a PATH of the container's own tools.
C() { nsenter -t "$LEADER" -m -u -i -n -p -C -- env PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"; }

cleanup() {
        local rc=$? h
        set +e
        if [ $rc -ne 0 ]; then
                echo "--- $TEST_NAME failed (rc=$rc)" >&2
                if [ -n "$LEADER" ] && kill -0 "$LEADER" 2>/dev/null; then
                        echo "--- systemctl status rpfguard:" >&2
                        C systemctl status --no-pager -l rpfguard.service >&2
                        echo "--- journal of rpfguard:" >&2
                        C journalctl --no-pager -o short-monotonic -u rpfguard.service | tail -n 40 >&2
                fi
                echo "--- container console:" >&2
                tail -n 30 "$WORK/console.log" >&2 2>/dev/null
        fi
        if [ -n "$NSPID" ] && kill -0 "$NSPID" 2>/dev/null; then
                kill -TERM "$NSPID"     # nspawn: a clean halt of the container
                for _ in $(seq 100); do kill -0 "$NSPID" 2>/dev/null || break; sleep 0.1; done
                kill -KILL "$NSPID" 2>/dev/null
                wait "$NSPID" 2>/dev/null
        fi
        if [ -n "$MOUNTED" ]; then
                umount "$ROOT" 2>/dev/null || umount -l "$ROOT"
        fi
        for h in unified systemd; do
                [ -d "/sys/fs/cgroup/$h/$CG" ] &&
                        find "/sys/fs/cgroup/$h/$CG" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
        rmdir "/run/systemd/nspawn/propagate/$NAME" 2>/dev/null # nspawn leaves it on a host without systemd
        rm -rf "$WORK"
        exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_until SECONDS CMD...: poll CMD every 50 ms until it succeeds.
wait_until() {
        local deadline=$(( $(date +%s%N) + $1 * 1000000000 ))
        shift
        while ! "$@" >/dev/null 2>&1; do
                [ "$(date +%s%N)" -lt "$deadline" ] || return 1
                sleep 0.05
        done
}
rp_get() { C cat "/proc/sys/net/ipv4/conf/$1/rp_filter"; }
rp_is() { [ "$(rp_get "$1")" = "$2" ]; }
prop() { C systemctl show -P "$1" rpfguard.service; }
# The newest journal entry of rpfguard matching FIELD=VALUE..., as JSON.
entry() { C journalctl --no-pager -q -u rpfguard.service -o json "$@" | tail -n 1; }
has_entry() { [ -n "$(entry "$@")" ]; }
field() { jq -r --arg f "$1" '.[$f] // empty'; }
nspawn_gone() { ! kill -0 "$NSPID" 2>/dev/null; }

# --- 1. A plain Release build and its Debian package. The test build of the
# project may be sanitized (ASan does not run under the unit's seccomp filter
# and MemoryDenyWriteExecute=), so the package is built here from the sources.
cmake -S "$SRC" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
        -DRPFGUARD_SANITIZE=OFF -DRPFGUARD_TESTS=OFF >"$WORK/build.log" 2>&1 ||
        { tail -n 30 "$WORK/build.log" >&2; fail "cmake configure failed"; }
cmake --build "$WORK/build" -j "$(nproc)" >>"$WORK/build.log" 2>&1 ||
        { tail -n 30 "$WORK/build.log" >&2; fail "build failed"; }
(cd "$WORK/build" && cpack -G DEB -B "$WORK/pkg") >>"$WORK/build.log" 2>&1 ||
        { tail -n 30 "$WORK/build.log" >&2; fail "cpack failed"; }
DEB=$(echo "$WORK"/pkg/rpfguard_*.deb)
[ -f "$DEB" ] || fail "no package in $WORK/pkg"
ok "built $(basename "$DEB") (Release, not sanitized)"

# --- 2. Boot systemd as PID 1: the host's root bound non-recursively, a tmpfs
# overlay over it, a private network namespace, a cgroup of this run's own.
# CAP_BPF and CAP_PERFMON stay in the container's bounding set, and bpf() in its
# seccomp filter (nspawn drops both by default), for the writer attribution drop-in
# (9b.); the base unit has neither.
mkdir -p "$ROOT"
mount --bind / "$ROOT"
MOUNTED=1
mount --make-private "$ROOT"
for h in unified systemd; do mkdir -p "/sys/fs/cgroup/$h/$CG"; done
( for h in unified systemd; do echo $BASHPID > "/sys/fs/cgroup/$h/$CG/cgroup.procs"; done
  exec systemd-nspawn -D "$ROOT" -M "$NAME" --volatile=overlay --register=no --keep-unit \
        --private-network --link-journal=no --console=read-only \
        --capability=CAP_BPF,CAP_PERFMON --system-call-filter=bpf \
        -b systemd.firstboot=off systemd.unit=basic.target ) >"$WORK/console.log" 2>&1 &
NSPID=$!
for _ in $(seq 300); do # the container's init: the nspawn child whose innermost PID is 1
        # shellcheck disable=SC2013 # a list of PIDs separated by blanks
        for c in $(cat "/proc/$NSPID/task/$NSPID/children" 2>/dev/null); do
                awk '/^NSpid:/ { exit !(NF == 3 && $3 == 1) }' "/proc/$c/status" 2>/dev/null && LEADER=$c
        done
        [ -n "$LEADER" ] && break
        kill -0 "$NSPID" 2>/dev/null || fail "systemd-nspawn exited"
        sleep 0.1
done
[ -n "$LEADER" ] || fail "the container's PID 1 did not appear"
wait_until 30 C test -S /run/systemd/private || fail "systemd in the container did not come up"
state=$(C timeout 60 systemctl is-system-running --wait || true)
case "$state" in
running|degraded) ;;
*) fail "container state: $state" ;;
esac
ok "systemd is PID 1 in container $NAME ($state)"

# --- 3. What rpfguard is there to fix: a distribution default of loose (2).
# All of it happens in the container's own network namespace.
C sh -c 'echo 2 > /proc/sys/net/ipv4/conf/default/rp_filter'
rp_is default 2 || fail "cannot set net.ipv4.conf.default.rp_filter in the container"

# --- 4. Install the package: postinst enables and starts the unit. A host built
# from a container image may carry Docker's policy-rc.d ("exit 101": never start
# services); a node does not, so it goes (from the container's overlay only).
C rm -f /usr/sbin/policy-rc.d
C sh -c 'cat > /root/rpfguard.deb' <"$DEB"
C dpkg -i /root/rpfguard.deb >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log" >&2; fail "dpkg -i failed"; }
[ "$(C systemctl is-enabled rpfguard.service)" = enabled ] || fail "postinst did not enable the unit"
C systemctl is-active --quiet rpfguard.service || fail "postinst did not start the unit"
ok "dpkg -i: postinst enabled and started rpfguard.service"

out=$(C systemd-analyze verify /lib/systemd/system/rpfguard.service 2>&1) ||
        { echo "$out" >&2; fail "systemd-analyze verify failed"; }
[ -z "$out" ] || { echo "$out" >&2; fail "systemd-analyze verify warned"; }
ok "systemd-analyze verify rpfguard.service: clean"

# --- 5. A start of our own: Type=notify, active only once READY=1 was sent.
C systemctl stop rpfguard.service
C systemctl start rpfguard.service || fail "systemctl start failed"
[ "$(prop Type)" = notify ] || fail "Type is $(prop Type)"
[ "$(prop ActiveState)/$(prop SubState)" = active/running ] ||
        fail "state $(prop ActiveState)/$(prop SubState) after start"
ok "systemctl start: active (running), Type=notify"

pid=$(prop MainPID)
[ "$pid" -gt 0 ] || fail "no MainPID"
uids=$(C awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")
case " $uids " in
*" 0 "*) fail "the main process runs with uid 0 (Uid: $uids)" ;;
esac
capeff=$(C awk '/^CapEff:/ { print $2 }' "/proc/$pid/status")
[ "$capeff" = 0000000000001000 ] || fail "CapEff is $capeff, expected CAP_NET_ADMIN only"
ok "main process $pid runs as uid ${uids%% *}, not root, with only CAP_NET_ADMIN"

status=$(prop StatusText)
[[ "$status" == Enforcing\ *\ interfaces,\ *\ corrections ]] || fail "StatusText is '$status'"
ok "StatusText: $status"
rp_is all 1 || fail "net.ipv4.conf.all.rp_filter is $(rp_get all), expected 1 (all = 1)"
ok "net.ipv4.conf.all.rp_filter = 1 (the shipped /etc/rpfguard.conf)"

# --- 6. A Calico veth appears with the loose default and is made strict.
C ip link add "$CALI" type veth peer name "$PEER"
ifindex=$(C cat "/sys/class/net/$CALI/ifindex")
wait_until 5 rp_is "$CALI" 1 || fail "$CALI: rp_filter is $(rp_get "$CALI"), expected 1"
rp_is default 2 || fail "default changed: rpfguard must leave it alone (no default = in the config)"
ok "$CALI (ifindex $ifindex) rp_filter 2 -> 1 while net.ipv4.conf.default.rp_filter is 2"

C sh -c "echo 0 > /proc/sys/net/ipv4/conf/$PEER/rp_filter"
sleep 0.5
rp_is "$PEER" 0 || fail "$PEER has no rule, but its rp_filter changed to $(rp_get "$PEER")"
ok "$PEER (no rule) left alone at 0"

wait_until 5 has_entry RPFGUARD_IFNAME="$CALI" || fail "no journal entry with RPFGUARD_IFNAME=$CALI"
json=$(entry RPFGUARD_IFNAME="$CALI")
for kv in MESSAGE_ID=9f91a0ce2e1d456799d57be58936ef14 PRIORITY=6 RPFGUARD_IFINDEX="$ifindex" \
          "RPFGUARD_RULE=cali*" RPFGUARD_OLD=2 RPFGUARD_NEW=1 RPFGUARD_EVENT=link-new \
          "MESSAGE=$CALI: rp_filter 2 -> 1 (rule cali*, new link)"; do
        got=$(field "${kv%%=*}" <<<"$json")
        [ "$got" = "${kv#*=}" ] || fail "journal: ${kv%%=*} is '$got', expected '${kv#*=}' in $json"
done
ok "journalctl -u rpfguard RPFGUARD_IFNAME=$CALI -o json: MESSAGE_ID, PRIORITY and every RPFGUARD_* field"

C journalctl --update-catalog
explained=$(C journalctl --no-pager -x -u rpfguard.service RPFGUARD_IFNAME="$CALI")
grep -q "Subject: rp_filter of $CALI corrected from 2 to 1" <<<"$explained" ||
        { echo "$explained" >&2; fail "journalctl -x shows no catalog subject"; }
grep -q "Documentation: man:rpfguard(8)" <<<"$explained" || fail "journalctl -x shows no Documentation:"
grep -q "the rule \"cali\*\" of /etc/rpfguard.conf wants 1" <<<"$explained" ||
        fail "journalctl -x: the catalog text lacks its field substitutions"
ok "journalctl -x: the catalog explains the correction, with its fields filled in"

# --- 6b. Metrics and state in RuntimeDirectory=/run/rpfguard (0755), readable by
# node_exporter's user through the link the postinst made; --status and --check
# find the daemon there.
[ "$(C stat -c %a /run/rpfguard)" = 755 ] || fail "/run/rpfguard is $(C stat -c %a /run/rpfguard), expected 0755"
# (Written at most once a second: the correction of 6. may be a moment away.)
wait_until 5 C grep -qE '^rpfguard_corrections_total [1-9]' /run/rpfguard/metrics.prom ||
        fail "no corrections in /run/rpfguard/metrics.prom"
C grep -q "\"pid\":$pid," /run/rpfguard/state.json || fail "state.json does not name PID $pid"
[ "$(C readlink /var/lib/prometheus/node-exporter/rpfguard.prom)" = /run/rpfguard/metrics.prom ] ||
        fail "postinst made no link /var/lib/prometheus/node-exporter/rpfguard.prom"
C setpriv --reuid=prometheus --regid=prometheus --clear-groups cat /var/lib/prometheus/node-exporter/rpfguard.prom \
        | grep -q '^rpfguard_build_info{' || fail "user prometheus cannot read the metrics through the link"
ok "/run/rpfguard/metrics.prom and state.json; user prometheus reads the metrics through the postinst's link"
out=$(C rpfguard --status "$CALI") || fail "rpfguard --status $CALI exited $?"
grep -q "^daemon: PID $pid, mode enforce" <<<"$out" || { echo "$out" >&2; fail "--status does not show the daemon"; }
out=$(C rpfguard --check) || fail "rpfguard --check exited $?: $out"
[[ $out == "compliant: "*"; rpfguard PID $pid, mode enforce" ]] || fail "--check: $out"
ok "rpfguard --status shows daemon PID $pid; --check: $out"

# --- 7. Reload: a new rule applies to an interface that already exists.
C sh -c 'echo "eth* = loose           ; added by the system test" >> /etc/rpfguard.conf'
C rpfguard -t >/dev/null || fail "the changed configuration does not validate"
C systemctl reload rpfguard.service || fail "systemctl reload failed"
wait_until 5 rp_is "$PEER" 2 || fail "$PEER: rp_filter is $(rp_get "$PEER") after the reload, expected 2"
wait_until 5 has_entry RPFGUARD_IFNAME="$PEER" RPFGUARD_EVENT=reload ||
        fail "no correction of $PEER with RPFGUARD_EVENT=reload in the journal"
has_entry MESSAGE_ID=2d35438401544c44bd78ef06a51908ef RPFGUARD_EVENT=reload ||
        fail "no 'configuration reloaded' entry"
C systemctl is-active --quiet rpfguard.service || fail "not active after the reload"
[ "$(prop MainPID)" = "$pid" ] || fail "the reload restarted the daemon"
ok "systemctl reload: 'eth* = loose' applied to the existing $PEER (0 -> 2), same PID"

# A broken file is rejected on reload; the running rules stay.
C cp /etc/rpfguard.conf /root/rpfguard.conf.good
C sh -c 'echo "bogus line" >> /etc/rpfguard.conf'
C systemctl reload rpfguard.service || fail "systemctl reload (bad file) failed"
wait_until 5 has_entry MESSAGE_ID=ffd87f57c3084a84a9be9890f904cbc9 RPFGUARD_EVENT=reload ||
        fail "no 'configuration rejected' entry"
C systemctl is-active --quiet rpfguard.service || fail "not active after a rejected reload"
C sh -c "echo 2 > /proc/sys/net/ipv4/conf/$CALI/rp_filter"
wait_until 5 rp_is "$CALI" 1 || fail "$CALI not corrected after a rejected reload"
C cp /root/rpfguard.conf.good /etc/rpfguard.conf
ok "a broken file is rejected (MESSAGE_ID ffd87f57...), the running rules keep $CALI strict"

# --- 8. The watchdog is fed from the event loop, inside the sandbox: with a
# 1 s WatchdogSec= (a runtime drop-in) the daemon must survive 3 s untouched.
[ "$(prop WatchdogUSec)" = 30s ] || fail "WatchdogUSec is $(prop WatchdogUSec), expected 30s"
C mkdir -p /run/systemd/system/rpfguard.service.d
C sh -c 'printf "[Service]\nWatchdogSec=1s\n" > /run/systemd/system/rpfguard.service.d/50-watchdog.conf'
C systemctl daemon-reload
C systemctl restart rpfguard.service
pid=$(prop MainPID)
sleep 3
[ "$(prop WatchdogUSec)" = 1s ] || fail "the WatchdogSec=1s drop-in did not apply"
if [ "$(prop MainPID)" != "$pid" ] || [ "$(prop NRestarts)" != 0 ] || ! C systemctl is-active --quiet rpfguard.service; then
        fail "the watchdog fired (MainPID $(prop MainPID), was $pid; NRestarts $(prop NRestarts))"
fi
C rm -r /run/systemd/system/rpfguard.service.d
C systemctl daemon-reload
C systemctl restart rpfguard.service
ok "watchdog: WatchdogSec=30s; fed in time even at 1s (3 s, no restart)"

# --- 9. Exposure of the sandbox.
sec=$(C systemd-analyze security --no-pager rpfguard.service 2>&1) || { echo "$sec" >&2; fail "systemd-analyze security failed"; }
exposure=$(sed -n 's/.*Overall exposure level for rpfguard.service: \([0-9.]*\).*/\1/p' <<<"$sec")
[ -n "$exposure" ] || { echo "$sec" >&2; fail "no exposure level in the output"; }
awk -v e="$exposure" -v m="$EXPOSURE_MAX" 'BEGIN { exit !(e <= m) }' ||
        { echo "$sec" >&2; fail "exposure $exposure > $EXPOSURE_MAX"; }
ok "systemd-analyze security rpfguard.service: exposure $exposure <= $EXPOSURE_MAX"

# --- 9b. Writer attribution, opt-in: the shipped example drop-in (CAP_BPF,
# CAP_PERFMON, bpf()) and attribute_writers = yes; a change made from another unit
# is logged with its PID, command and unit, inside the unit's whole sandbox
# (DynamicUser=, ProtectControlGroups=, ProtectProc=invisible, the seccomp filter).
# The base unit's exposure (9.) is measured without it.
DROPIN=/usr/share/doc/rpfguard/examples/rpfguard-attribution.conf
C test -f "$DROPIN" || fail "the package lacks $DROPIN"
C mkdir -p /etc/systemd/system/rpfguard.service.d
C cp "$DROPIN" /etc/systemd/system/rpfguard.service.d/
C cp /etc/rpfguard.conf /root/rpfguard.conf.before-attribution
C sed -i 's/^\[daemon\]$/[daemon]\nattribute_writers = yes/' /etc/rpfguard.conf
C grep -qx 'attribute_writers = yes' /etc/rpfguard.conf || fail "could not set attribute_writers = yes"
C systemctl daemon-reload
C systemctl restart rpfguard.service
attribution_on() { C journalctl --no-pager -q -u rpfguard.service -o cat _PID="$(prop MainPID)" | grep -q '^Writer attribution is on'; }
wait_until 5 attribution_on ||
        fail "attribution not on: $(C journalctl --no-pager -q -u rpfguard.service -o cat | grep -i attribution | tail -3)"
capeff=$(C awk '/^CapEff:/ { print $2 }' "/proc/$(prop MainPID)/status")
[ "$capeff" = 000000c000001000 ] || fail "CapEff is $capeff, expected CAP_NET_ADMIN CAP_BPF CAP_PERFMON"
ok "with rpfguard-attribution.conf: attribution on, CapEff = CAP_NET_ADMIN CAP_BPF CAP_PERFMON"
# The writer keeps running a little: its unit (and cgroup) outlive the write.
C systemd-run --quiet --unit=rpfguard-systest-writer.service \
        sh -c "echo 2 > /proc/sys/net/ipv4/conf/$CALI/rp_filter; sleep 2"
wait_until 5 has_entry RPFGUARD_IFNAME="$CALI" RPFGUARD_WRITER_UNIT=rpfguard-systest-writer.service ||
        fail "no entry naming the writer: $(C journalctl --no-pager -q -u rpfguard.service -o cat | tail -3)"
wait_until 5 rp_is "$CALI" 1 || fail "$CALI not corrected"
json=$(entry RPFGUARD_IFNAME="$CALI" RPFGUARD_WRITER_UNIT=rpfguard-systest-writer.service)
wpid=$(field OBJECT_PID <<<"$json")
# The container's own numbering (its PID namespace), as journald and systemctl use.
[ "$wpid" = "$(C systemctl show -P MainPID rpfguard-systest-writer.service)" ] ||
        fail "OBJECT_PID $wpid is not the writer's PID $(C systemctl show -P MainPID rpfguard-systest-writer.service)"
[ "$(field OBJECT_COMM <<<"$json")" = sh ] || fail "OBJECT_COMM in $json"
[ "$(field MESSAGE <<<"$json")" = "$CALI: rp_filter 2 -> 1 (rule cali*, changed by sh[$wpid] of rpfguard-systest-writer.service)" ] ||
        fail "MESSAGE in $json"
ok "journalctl -u rpfguard RPFGUARD_WRITER_UNIT=rpfguard-systest-writer.service: sh[$wpid], OBJECT_PID, OBJECT_COMM"
C rm -r /etc/systemd/system/rpfguard.service.d
C cp /root/rpfguard.conf.before-attribution /etc/rpfguard.conf
C systemctl daemon-reload
C systemctl restart rpfguard.service

# --- 10. Stop: a clean exit, nothing restored, no restarts on the way.
[ "$(prop NRestarts)" = 0 ] || fail "the unit was restarted $(prop NRestarts) times (watchdog?)"
C systemctl stop rpfguard.service
[ "$(prop Result)" = success ] || fail "Result is $(prop Result) after stop"
[ "$(prop ExecMainStatus)" = 0 ] || fail "exit status $(prop ExecMainStatus)"
if ! rp_is "$CALI" 1 || ! rp_is "$PEER" 2 || ! rp_is all 1; then
        fail "values changed on stop: $CALI $(rp_get "$CALI"), $PEER $(rp_get "$PEER"), all $(rp_get all)"
fi
ok "systemctl stop: Result=success, exit status 0, no restarts, values left as they are"

# --- 11. Removal: prerm stops, postrm masks; purge forgets everything.
C systemctl start rpfguard.service
C dpkg -r rpfguard >>"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log" >&2; fail "dpkg -r failed"; }
C systemctl is-active --quiet rpfguard.service && fail "still active after dpkg -r"
C test -f /etc/rpfguard.conf || fail "dpkg -r removed the conffile"
C dpkg --purge rpfguard >>"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log" >&2; fail "dpkg --purge failed"; }
C test ! -e /etc/rpfguard.conf || fail "the conffile survived the purge"
leftover=$(C sh -c 'ls -d /etc/systemd/system/rpfguard.service /etc/systemd/system/*/rpfguard.service 2>/dev/null' || true)
[ -z "$leftover" ] || fail "left behind after purge: $leftover"
C test ! -e /var/lib/prometheus/node-exporter/rpfguard.prom && C test ! -L /var/lib/prometheus/node-exporter/rpfguard.prom ||
        fail "the node_exporter link survived the removal"
ok "dpkg -r stops the service and keeps the conffile; --purge removes it and every symlink"

C systemctl poweroff --no-block >/dev/null 2>&1 || true
rc=0
wait_until 60 nspawn_gone || fail "the container did not power off"
wait "$NSPID" || rc=$?
NSPID=
[ $rc -eq 0 ] || fail "the container exited with $rc"
ok "container powered off cleanly"

echo "PASS: $TEST_NAME: $CHECKS checks"
