#!/bin/bash
# System test: rpfguard's container image (contrib/container/build.sh). Builds
# the .deb and, from it, the image twice (same digest: reproducible), checks
# what is in it, loads it into a throwaway podman storage and runs it as a node
# agent would run: rootful podman with runc, only CAP_NET_ADMIN, a read-only root,
# in a throwaway network namespace whose /proc/sys/net is bind-mounted at the
# --sysctl-root path, with a ConfigMap-like configuration directory. New cali*
# veths enforced, drift corrected, the probes answered, a ConfigMap swap applied by
# watch_config (no signal), JSON logs parsed,
# podman stop exits 0. Removes every container, image, storage directory and
# cgroup it made. Needs root and the Debian archive (mmdebstrap); fails (never
# skips) without them.
set -euo pipefail

TEST_NAME=test-container
SRC=${RPFGUARD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

fail() { echo "FAIL: $TEST_NAME: $*" >&2; exit 1; }
CHECKS=0
ok() { CHECKS=$((CHECKS + 1)); echo "ok $CHECKS - $*"; }

[ "$(id -u)" = 0 ] || fail "needs root (rootful podman, network namespaces, mmdebstrap)"
for tool in podman runc mmdebstrap cmake cpack python3; do
        command -v "$tool" >/dev/null || fail "$tool is not installed (.ci/install-deps)"
done

TMP=$(mktemp -d /tmp/rpfguard-ctest.XXXXXX)
NS=rpfg-ctest-$$
NAME=rpfguard-ctest-$$
CGROUP=rpfguard-ctest-$$
IMAGE=docker.io/library/rpfguard:0.1.0
# A storage of its own (vfs: no overlay mounts to leave behind), runc (crun
# fails on this hybrid-cgroup machine), cgroupfs under a parent of its own.
P() {
        podman --root "$TMP/storage" --runroot "$TMP/runroot" --storage-driver vfs --runtime runc \
                --cgroup-manager cgroupfs --events-backend none "$@"
}

cleanup() {
        local rc=$? m h
        set +e
        if [ $rc -ne 0 ] && [ -d "$TMP/storage" ]; then
                echo "--- $TEST_NAME failed (rc=$rc); container log:" >&2
                P logs "$NAME" 2>&1 | tail -n 30 >&2
        fi
        if [ -d "$TMP/storage" ]; then
                P rm -f -t 0 "$NAME" >/dev/null 2>&1
                P rmi -a -f >/dev/null 2>&1
        fi
        # Whatever podman left mounted under the temporary directory.
        for m in $(awk -v t="$TMP" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r); do
                umount -l "$m"
        done
        ip netns del "$NS" 2>/dev/null
        for h in /sys/fs/cgroup/*/; do
                [ -d "$h$CGROUP" ] && find "$h$CGROUP" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
        rm -rf "$TMP"
        exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_until() { # SECONDS CMD...
        local deadline=$(( $(date +%s%N) + $1 * 1000000000 ))
        shift
        while ! "$@" >/dev/null 2>&1; do
                [ "$(date +%s%N)" -lt "$deadline" ] || return 1
                sleep 0.05
        done
}
nsx() { ip netns exec "$NS" "$@"; }
rp() { nsx cat "/proc/sys/net/ipv4/conf/$1/rp_filter"; }
rp_is() { [ "$(rp "$1")" = "$2" ]; }
expect_rp() {
        wait_until "${3:-5}" rp_is "$1" "$2" || fail "$1: rp_filter is $(rp "$1"), expected $2"
        ok "$1 rp_filter = $2 (in the namespace)"
}
logs() { P logs "$NAME" > "$TMP/logs" 2>&1; }
# json_has KEY=VALUE...: a line of the container's log has these fields.
json_has() {
        logs
        python3 - "$TMP/logs" "$@" <<'EOF'
import json, sys
want = dict(a.split("=", 1) for a in sys.argv[2:])
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if all(str(o.get(k)) == v for k, v in want.items()):
        sys.exit(0)
sys.exit(1)
EOF
}
expect_json() {
        wait_until 5 json_has "$@" || { cat "$TMP/logs" >&2; fail "no JSON log line with $*"; }
        ok "JSON log line: $*"
}

# --- 1. The .deb, and the image built from it twice --------------------------------
start=$(date +%s)
cmake -S "$SRC" -B "$TMP/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
        -DRPFGUARD_SANITIZE=OFF -DRPFGUARD_TESTS=OFF >"$TMP/build.log" 2>&1 &&
        cmake --build "$TMP/build" -j "$(nproc)" --target rpfguard man debian-doc >>"$TMP/build.log" 2>&1 &&
        (cd "$TMP/build" && cpack -G DEB -B "$TMP/pkg") >>"$TMP/build.log" 2>&1 ||
        { tail -n 30 "$TMP/build.log" >&2; fail "building the .deb failed"; }
DEB=$(echo "$TMP"/pkg/rpfguard_*.deb)
for i in 1 2; do
        bash "$SRC/contrib/container/build.sh" --deb "$DEB" --output "$TMP/image$i.tar" > "$TMP/image$i.out" 2>&1 ||
                { cat "$TMP/image$i.out" >&2; fail "contrib/container/build.sh failed"; }
done
cat "$TMP/image1.out"
ok "build.sh: image built ($(( $(date +%s) - start )) s for the .deb and two images)"
d1=$(awk '/^digest:/ { print $2 }' "$TMP/image1.out")
d2=$(awk '/^digest:/ { print $2 }' "$TMP/image2.out")
[ -n "$d1" ] && [ "$d1" = "$d2" ] && cmp -s "$TMP/image1.tar" "$TMP/image2.tar" ||
        fail "two builds from the same inputs differ: $d1 vs $d2"
ok "reproducible: the same .deb and archive state give the same digest $d1"

# What is in it: the OCI layout, the entrypoint, no shell, no package manager.
mkdir "$TMP/oci"
tar -xf "$TMP/image1.tar" -C "$TMP/oci"
python3 - "$TMP/oci" > "$TMP/layer.list" <<'EOF' || fail "not a valid OCI image layout"
import hashlib, json, sys, tarfile
d = sys.argv[1]
blob = lambda digest: f"{d}/blobs/sha256/{digest.split(':')[1]}"
def check(desc):
    data = open(blob(desc["digest"]), "rb").read()
    assert len(data) == desc["size"] and "sha256:" + hashlib.sha256(data).hexdigest() == desc["digest"], desc
    return data
assert json.load(open(f"{d}/oci-layout")) == {"imageLayoutVersion": "1.0.0"}
index = json.load(open(f"{d}/index.json"))
[m] = index["manifests"]
assert m["annotations"]["org.opencontainers.image.ref.name"] == "rpfguard:0.1.0"
assert m["annotations"]["io.containerd.image.name"] == "docker.io/library/rpfguard:0.1.0"
manifest = json.loads(check(m))
config = json.loads(check(manifest["config"]))
assert config["config"]["Entrypoint"] == ["/usr/sbin/rpfguard", "--sysctl-root=/host/proc/sys", "--runtime-dir=/run/rpfguard", "--log-format=json"]
[layer] = manifest["layers"]
check(layer)
assert config["rootfs"]["diff_ids"][0].startswith("sha256:")
with tarfile.open(blob(layer["digest"])) as t:
    for member in t.getmembers():
        assert member.uid == 0 and member.gid == 0, member.name
        print(member.name.removeprefix("./"))
EOF
grep -qx 'usr/sbin/rpfguard' "$TMP/layer.list" || fail "no /usr/sbin/rpfguard in the layer"
for f in bin/sh usr/bin/sh bin/bash usr/bin/bash bin/dash usr/bin/dash usr/bin/dpkg usr/bin/apt; do
        ! grep -qx "$f" "$TMP/layer.list" || fail "/$f is in the image"
done
ok "OCI layout valid (digests, sizes), entrypoint as specified, owned by root, no shell, no dpkg, no apt"

# --- 2. Load it into a throwaway storage ------------------------------------------
P load -i "$TMP/image1.tar" > "$TMP/load.out" 2>&1 || { cat "$TMP/load.out" >&2; fail "podman load failed"; }
P image exists "$IMAGE" || { cat "$TMP/load.out" >&2; fail "podman load did not name it $IMAGE"; }
ok "podman load: $IMAGE"

# --- 3. Run it in a throwaway network namespace --------------------------------------
ip netns add "$NS"
nsx sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=2
nsx ip link add cali1 type veth peer name peer1
host_all=$(cat /proc/sys/net/ipv4/conf/all/rp_filter)

# A ConfigMap volume as the kubelet writes it, mounted where the DaemonSet mounts
# it (/etc/rpfguard.conf.d, the image's drop-in directory): the files are symlinks
# through ..data, a symlink to a timestamped directory, swapped atomically (rename).
CONFIG=$TMP/config
configmap() { # VERSION: write it and make it current
        mkdir "$CONFIG/..$1"
        cat > "$CONFIG/..$1/50-calico.conf"
        ln -sfn "..$1" "$CONFIG/..data_tmp"
        mv -T "$CONFIG/..data_tmp" "$CONFIG/..data"
        [ -L "$CONFIG/50-calico.conf" ] || ln -s ..data/50-calico.conf "$CONFIG/50-calico.conf"
}
mkdir "$CONFIG"
configmap 2026_12_01_09_00_00.1 <<'EOF'
[global]
all = 1
[interfaces]
cali* = strict
EOF

P run -d --name "$NAME" --pull=never --cgroup-parent="/$CGROUP" \
        --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
        --cap-drop=all --cap-add=NET_ADMIN --read-only \
        --network "ns:/run/netns/$NS" \
        -v /proc/sys/net:/host/proc/sys/net:rw \
        -v "$CONFIG:/etc/rpfguard.conf.d:ro" \
        "$IMAGE" > "$TMP/run.out" 2>&1 || { cat "$TMP/run.out" >&2; fail "podman run failed"; }
wait_until 10 json_has message="Started: enforcing 1 interfaces, 2 corrections" || { logs; cat "$TMP/logs" >&2; fail "did not start"; }
ok "podman run: started (cap-drop=all, cap-add=NET_ADMIN, read-only, runc, ulimits)"

PID=$(P inspect --format '{{.State.Pid}}' "$NAME")
[ "$(awk '/^CapEff:/ { print $2 }' "/proc/$PID/status")" = 0000000000001000 ] || fail "effective caps: $(grep CapEff "/proc/$PID/status")"
[ "$(awk '/^CapBnd:/ { print $2 }' "/proc/$PID/status")" = 0000000000001000 ] || fail "bounding set: $(grep CapBnd "/proc/$PID/status")"
[ "$(awk '/^Uid:/ { print $2 }' "/proc/$PID/status")" = 0 ] || fail "not uid 0"
awk '$5 == "/" { print $6 }' "/proc/$PID/mountinfo" | grep -q '^ro' || fail "the root file system is not read-only"
[ "$(readlink "/proc/$PID/ns/net")" = "$(ip netns exec "$NS" readlink /proc/self/ns/net)" ] || fail "not in $NS"
ok "uid 0, CAP_NET_ADMIN only (effective and bounding), read-only root, in $NS"

# The bind mount shows the namespace of the process that opens the files.
expect_rp all 1
expect_rp cali1 1
[ "$(cat /proc/sys/net/ipv4/conf/all/rp_filter)" = "$host_all" ] || fail "the host's all.rp_filter changed"
ok "the host's own all.rp_filter untouched ($host_all)"
expect_json message_id=9f91a0ce2e1d456799d57be58936ef14 rpfguard_ifname=cali1 rpfguard_old=2 rpfguard_new=1 rpfguard_event=startup

nsx ip link add cali2 type veth peer name peer2
expect_rp cali2 1
expect_json rpfguard_ifname=cali2 rpfguard_new=1 rpfguard_event=link-new
nsx sh -c 'echo 0 > /proc/sys/net/ipv4/conf/cali1/rp_filter'
expect_rp cali1 1
expect_json rpfguard_ifname=cali1 rpfguard_old=0 rpfguard_new=1 rpfguard_event=netconf

# The probes of the DaemonSet, run in the container as the kubelet runs them.
P exec "$NAME" /usr/sbin/rpfguard --ping --runtime-dir=/run/rpfguard > "$TMP/ping.out" 2>&1 ||
        { cat "$TMP/ping.out" >&2; fail "liveness probe (--ping) failed"; }
grep -q '^alive: rpfguard PID 1 answered' "$TMP/ping.out" || fail "--ping: $(cat "$TMP/ping.out")"
ok "liveness probe: $(cat "$TMP/ping.out")"
P exec "$NAME" /usr/sbin/rpfguard --check --sysctl-root=/host/proc/sys --runtime-dir=/run/rpfguard > "$TMP/check.out" 2>&1 ||
        { cat "$TMP/check.out" >&2; fail "readiness probe (--check) failed"; }
ok "readiness probe: $(cat "$TMP/check.out")"

# The ConfigMap changes (the kubelet swaps ..data): watch_config = yes (the image's
# /etc/rpfguard.conf) reloads it by itself, no signal.
configmap 2026_12_01_09_05_00.2 <<'EOF'
[global]
all = 1
[interfaces]
cali* = loose
EOF
expect_rp cali1 2
expect_rp cali2 2
expect_json message_id=2d35438401544c44bd78ef06a51908ef rpfguard_event=reload
nsx ip link add cali3 type veth peer name peer3
expect_rp cali3 2

hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$PID/status")
echo "# peak RSS of the daemon in the container: $hwm kB"

# --- 4. Stop, and the whole log ------------------------------------------------
P stop -t 10 "$NAME" > /dev/null
[ "$(P inspect --format '{{.State.ExitCode}}' "$NAME")" = 0 ] || fail "exit code $(P inspect --format '{{.State.ExitCode}}' "$NAME") after podman stop"
ok "podman stop: exit code 0"
logs
python3 - "$TMP/logs" <<'EOF' || fail "the container's log is not JSON lines"
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    assert {"timestamp", "priority", "message", "syslog_identifier"} <= set(o), line
    assert isinstance(o["priority"], int) and o["syslog_identifier"] == "rpfguard", line
    n += 1
assert n >= 8, n
print(f"# {n} log lines, every one a JSON object with the journald fields")
EOF
grep -q '"message":"Received SIGTERM, stopping"' "$TMP/logs" || fail "no SIGTERM line"
ok "log: every line JSON; SIGTERM logged"

echo "PASS: $TEST_NAME: $CHECKS checks"
