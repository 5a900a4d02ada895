#!/bin/bash
# Demonstration: build rpfguard and show it fixing the Calico problem in a
# throwaway network namespace whose defaults are loose (rp_filter = 2), as a
# distribution's sysctl.d leaves a node. The host's own interfaces and sysctls
# are never touched; the namespace is deleted at the end, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
        echo "tests/demo.sh needs root (it creates a network namespace)" >&2
        exit 1
fi
.ci/install-deps
cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRPFGUARD_TESTS=OFF > /dev/null
cmake --build build-demo -j"$(nproc)" > /dev/null
RPFGUARD=$PWD/build-demo/daemon/rpfguard
CONF=$PWD/conf/rpfguard.conf

NS=rpfguard-demo-$$
TMP=$(mktemp -d)
DAEMON=
cleanup() {
        [ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
        ip netns del "$NS" 2>/dev/null
        rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$NS"
nsx() { ip netns exec "$NS" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@" || true; }

step "A node as a distribution leaves it: all and default loose (2), like calico-node's FATAL"
nsx sysctl -w net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2
nsx ip link set lo up
nsx ip link add cali1a2b3c4d type veth peer name eth0      # a workload veth
nsx ip link add tunl0 type veth peer name tunl0peer        # stands in for Calico's IP-in-IP tunnel
nsx ip link add vxlan.calico type vxlan id 4096 dstport 4789
nsx ip link add eth1 type veth peer name eth1peer          # unmanaged: left alone

step "The shipped configuration ($CONF)"
show "$RPFGUARD" -c "$CONF" --test-config

step "rpfguard --status: what is wrong (exit 3 = drift)"
nsx "$RPFGUARD" -c "$CONF" --status && rc=0 || rc=$?
echo "exit status $rc"

step "rpfguard --once: fix it"
nsx "$RPFGUARD" -c "$CONF" --once

step "rpfguard --status again (exit 0 = compliant)"
nsx "$RPFGUARD" -c "$CONF" --status && rc=0 || rc=$?
echo "exit status $rc"

step "The daemon: new links, CNI renames and other writers are corrected as they happen"
# The shipped configuration, with the metrics file in the demo's runtime directory
# (under systemd it is /run/rpfguard, the unit's RuntimeDirectory=).
mkdir -p "$TMP/run"
sed "s|^metrics_file = .*|metrics_file = $TMP/run/metrics.prom|" "$CONF" > "$TMP/rpfguard.conf"
CONF=$TMP/rpfguard.conf
# A simple command, not the nsx function: $! must be the daemon itself (ip netns
# exec execs it), so that it is the daemon that gets stopped.
ip netns exec "$NS" "$RPFGUARD" -c "$CONF" --runtime-dir "$TMP/run" --log-format=text > "$TMP/daemon.log" 2>&1 &
DAEMON=$!
for _ in $(seq 100); do grep -q '^Started' "$TMP/daemon.log" && break; sleep 0.05; done
show nsx ip link add cali99887766 type veth peer name eth2
show nsx ip link add tmp4711 type veth peer name eth3
show nsx ip link set tmp4711 name cali4711
show nsx sysctl -w net.ipv4.conf.cali1a2b3c4d.rp_filter=2   # udev's systemd-sysctl, say
show nsx sysctl -w net.ipv4.conf.all.rp_filter=2
sleep 1.2   # the metrics and state files are written at most once a second

step "What a fleet sees: --status beside the daemon's state, --check, the metrics file"
show nsx "$RPFGUARD" -c "$CONF" --runtime-dir "$TMP/run" --status cali1a2b3c4d cali99887766 cali4711
show nsx "$RPFGUARD" -c "$CONF" --runtime-dir "$TMP/run" --check
echo "\$ grep -E '^rpfguard_(corrections_total|interfaces|drift_events_total)' metrics.prom"
grep -E '^rpfguard_(corrections_total|interfaces|drift_events_total)' "$TMP/run/metrics.prom" || true

kill "$DAEMON"; wait "$DAEMON" || true; DAEMON=
echo "--- daemon output:"
cat "$TMP/daemon.log"

step "Final state"
for i in all default cali1a2b3c4d cali99887766 cali4711 tunl0 vxlan.calico eth1; do
        printf '%-14s rp_filter = %s\n' "$i" "$(nsx cat "/proc/sys/net/ipv4/conf/$i/rp_filter")"
done
echo
echo "Demo namespace $NS is deleted now; the host was not touched."
