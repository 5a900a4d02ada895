#!/bin/bash
# SPDX-License-Identifier: MIT
# Build rpfguard's container image from Debian packages only, as an OCI archive:
# rpfguard's .deb (built here from the sources, or given) and its run-time
# dependencies from the Debian archive (mmdebstrap --variant=extract: the files of
# exactly those packages; no shell, no dpkg, no apt), one layer, written as an
# OCI image layout by hand. Nothing is pulled from a container registry.
#
#   contrib/container/build.sh [--deb FILE] [--output FILE] [--suite SUITE]
#                              [--mirror LINE]... [--name NAME:TAG]
#
# Reproducible: the same .deb, the same archive state (pin it with a
# snapshot.debian.org --mirror) and the same SOURCE_DATE_EPOCH give the same
# digest. Load it with "podman load -i FILE" (or skopeo copy oci-archive:FILE ...).
# Needs root (mmdebstrap --mode=root, chroot for the smoke test).
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$SRC/contrib/container
DEB=
OUTPUT=$PWD/rpfguard-image.oci.tar
SUITE=bookworm
MIRRORS=()
TAG=

usage() { sed -n '9,10p' "$0" | sed 's/^#//' >&2; exit 2; }
while [ $# -gt 0 ]; do
        case $1 in
        --deb) DEB=$(realpath "$2"); shift 2 ;;
        --output) OUTPUT=$(realpath -m "$2"); shift 2 ;;
        --suite) SUITE=$2; shift 2 ;;
        --mirror) MIRRORS+=("$2"); shift 2 ;;
        --name) TAG=$2; shift 2 ;;
        *) usage ;;
        esac
done
[ "$(id -u)" = 0 ] || { echo "build.sh: needs root (mmdebstrap --mode=root)" >&2; exit 1; }
for tool in mmdebstrap dpkg-deb python3 tar gzip sha256sum; do
        command -v "$tool" > /dev/null || { echo "build.sh: $tool is not installed" >&2; exit 1; }
done
if [ ${#MIRRORS[@]} -eq 0 ]; then
        # The release with its updates and security fixes.
        MIRRORS=("deb http://deb.debian.org/debian $SUITE main"
                 "deb http://deb.debian.org/debian $SUITE-updates main"
                 "deb http://security.debian.org/debian-security $SUITE-security main")
fi
# Every timestamp in the image: the last commit of the sources, unless given.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
        SOURCE_DATE_EPOCH=$(git -C "$SRC" log -1 --format=%ct 2>/dev/null || echo 0)
fi
export SOURCE_DATE_EPOCH

WORK=$(mktemp -d /tmp/rpfguard-image.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
log() { echo "build.sh: $*" >&2; }

# --- 1. The package --------------------------------------------------------------
if [ -z "$DEB" ]; then
        log "building the .deb from $SRC"
        cmake -S "$SRC" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
                -DRPFGUARD_SANITIZE=OFF -DRPFGUARD_TESTS=OFF > "$WORK/build.log" 2>&1 &&
                cmake --build "$WORK/build" -j "$(nproc)" --target rpfguard man debian-doc >> "$WORK/build.log" 2>&1 &&
                (cd "$WORK/build" && cpack -G DEB -B "$WORK/pkg") >> "$WORK/build.log" 2>&1 ||
                { tail -n 30 "$WORK/build.log" >&2; log "building the .deb failed"; exit 1; }
        DEB=$(echo "$WORK"/pkg/rpfguard_*.deb)
fi
[ -f "$DEB" ] || { log "no such .deb: $DEB"; exit 1; }
VERSION=$(dpkg-deb -f "$DEB" Version)
ARCH=$(dpkg-deb -f "$DEB" Architecture)
# The image's name in the archive: podman load and containerd's import name it
# docker.io/library/rpfguard:VERSION, the name the DaemonSet's
# "image: rpfguard:VERSION" resolves to.
[ -n "$TAG" ] || TAG=rpfguard:${VERSION%-*}
# Its run-time dependencies, as the .deb's Depends: names them (the first of any
# alternatives; versions are the archive's).
DEPENDS=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' | grep . | paste -sd,)
log "rpfguard $VERSION ($ARCH); run-time dependencies: $DEPENDS"

# --- 2. The root file system ---------------------------------------------------------
ROOT=$WORK/root
mmdebstrap --quiet --mode=root --variant=extract --architectures="$ARCH" --include="$DEPENDS" \
        --skip=cleanup/apt/cache "$SUITE" "$ROOT" "${MIRRORS[@]}" 2> "$WORK/mmdebstrap.log" ||
        { cat "$WORK/mmdebstrap.log" >&2; log "mmdebstrap failed"; exit 1; }
cp "$DEB" "$ROOT/var/cache/apt/archives/"
# A dpkg status database of what is in the image, for scanners and for
# "dpkg-query --admindir=ROOT/var/lib/dpkg -W"; the packages were extracted.
python3 - "$ROOT" <<'EOF'
import glob, subprocess, sys
root = sys.argv[1]
entries = {}
for deb in glob.glob(f"{root}/var/cache/apt/archives/*.deb"):
    control = subprocess.run(["dpkg-deb", "-f", deb], check=True, capture_output=True, text=True).stdout
    fields = control.rstrip("\n").split("\n")
    name = fields[0].split(": ", 1)[1]
    # Status goes after Package, as dpkg writes it.
    entries[name] = "\n".join(fields[:1] + ["Status: install ok installed"] + fields[1:]) + "\n"
with open(f"{root}/var/lib/dpkg/status.new", "w") as f:
    f.write("\n".join(entries[n] for n in sorted(entries)))
EOF
dpkg-deb -x "$DEB" "$ROOT"
# The image's configuration: daemon settings; the rules come as drop-ins.
install -m 644 "$HERE/rpfguard.conf" "$ROOT/etc/rpfguard.conf"
# What mmdebstrap needed and the image does not: apt, dpkg's own state, the
# packages, the files a container runtime provides (/dev, /etc/resolv.conf, ...).
rm -rf "$ROOT"/etc/apt "$ROOT"/etc/dpkg "$ROOT"/var/cache/apt "$ROOT"/var/lib/apt "$ROOT"/var/log/apt \
       "$ROOT"/etc/resolv.conf "$ROOT"/etc/hostname "$ROOT"/etc/fstab "$ROOT"/dev/* "$ROOT"/tmp/*
find "$ROOT/var/lib/dpkg" -mindepth 1 -maxdepth 1 ! -name status.new -exec rm -rf {} +
mv "$ROOT/var/lib/dpkg/status.new" "$ROOT/var/lib/dpkg/status"
# Mount points: the runtime's, the host's /proc/sys/net, the drop-ins.
mkdir -p "$ROOT"/proc "$ROOT"/sys "$ROOT"/dev "$ROOT"/run "$ROOT"/tmp \
         "$ROOT"/host/proc/sys/net "$ROOT"/etc/rpfguard.conf.d
chmod 1777 "$ROOT/tmp"
# Smoke test: the binary runs with the image's libraries and accepts its arguments.
chroot "$ROOT" /usr/sbin/rpfguard --version > /dev/null || { log "rpfguard does not run in the image"; exit 1; }
chroot "$ROOT" /usr/sbin/rpfguard --test-config > /dev/null ||
        { log "the image's /etc/rpfguard.conf is not valid"; exit 1; }

# --- 3. The OCI image layout ------------------------------------------------------
# One layer: a tar with sorted names, numeric root ownership and every mtime
# clamped to SOURCE_DATE_EPOCH (the packages' own older mtimes stay); gzip -n.
LAYOUT=$WORK/oci
mkdir -p "$LAYOUT/blobs/sha256"
TAR_OPTS=(--sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime
          --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)
tar -C "$ROOT" "${TAR_OPTS[@]}" -cf "$WORK/layer.tar" .
gzip -9 -n -c "$WORK/layer.tar" > "$WORK/layer.tar.gz"
python3 - "$WORK" "$LAYOUT" "$TAG" "$VERSION" "$ARCH" "$SUITE" <<'EOF'
import datetime, hashlib, json, os, shutil, sys
work, layout, tag, version, arch, suite = sys.argv[1:]
epoch = int(os.environ["SOURCE_DATE_EPOCH"])
created = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()

def blob(data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    with open(f"{layout}/blobs/sha256/{digest[7:]}", "wb") as f:
        f.write(data)
    return digest, len(data)

def full_reference(name):
    # As docker and the kubelet complete a short image name.
    first = name.split("/")[0]
    if "/" in name and ("." in first or ":" in first or first == "localhost"):
        return name
    return ("docker.io/" if "/" in name else "docker.io/library/") + name

def dumps(o):
    return json.dumps(o, sort_keys=True, separators=(",", ":")).encode()

layer_digest = sha256(f"{work}/layer.tar.gz")
shutil.copyfile(f"{work}/layer.tar.gz", f"{layout}/blobs/sha256/{layer_digest[7:]}")
layer_size = os.path.getsize(f"{work}/layer.tar.gz")
labels = {
    "org.opencontainers.image.title": "rpfguard",
    "org.opencontainers.image.description":
        "Keeps IPv4 rp_filter at the configured values on every interface of the node",
    "org.opencontainers.image.version": version,
    "org.opencontainers.image.licenses": "MIT",
    "org.opencontainers.image.created": created,
    "org.opencontainers.image.base.name": f"debian:{suite} (packages, mmdebstrap --variant=extract)",
}
config = {
    "architecture": arch, "os": "linux", "created": created,
    "config": {
        # The node's /proc/sys/net is mounted at /host/proc/sys/net (the
        # container's own /proc/sys is read-only); JSON lines for the collector.
        "Entrypoint": ["/usr/sbin/rpfguard", "--sysctl-root=/host/proc/sys", "--runtime-dir=/run/rpfguard", "--log-format=json"],
        "Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
        "WorkingDir": "/",
        "StopSignal": "SIGTERM",
        "Labels": labels,
    },
    "rootfs": {"type": "layers", "diff_ids": [sha256(f"{work}/layer.tar")]},
    "history": [{"created": created, "created_by": "contrib/container/build.sh"}],
}
config_digest, config_size = blob(dumps(config))
manifest = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest, "size": layer_size}],
    "annotations": {"org.opencontainers.image.created": created},
}
manifest_digest, manifest_size = blob(dumps(manifest))
index = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": manifest_digest, "size": manifest_size,
        "platform": {"architecture": arch, "os": "linux"},
        # ref.name for OCI tools (skopeo oci-archive:FILE:rpfguard:0.1.0);
        # podman load and containerd's import take the full reference.
        "annotations": {"org.opencontainers.image.ref.name": tag,
                        "io.containerd.image.name": full_reference(tag)},
    }],
}
with open(f"{layout}/index.json", "wb") as f:
    f.write(dumps(index))
with open(f"{layout}/oci-layout", "wb") as f:
    f.write(dumps({"imageLayoutVersion": "1.0.0"}))
with open(f"{work}/digest", "w") as f:
    f.write(manifest_digest + "\n")
EOF
mkdir -p "$(dirname "$OUTPUT")"
tar -C "$LAYOUT" "${TAR_OPTS[@]}" -cf "$OUTPUT" .

# --- 4. What was built ---------------------------------------------------------------
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "image:    $OUTPUT (OCI archive, $TAG)"
echo "digest:   $(cat "$WORK/digest") (manifest)"
echo "size:     $(mib "$(stat -c %s "$WORK/layer.tar.gz")") compressed, $(mib "$(stat -c %s "$WORK/layer.tar")") unpacked"
echo "packages: $(dpkg-query --admindir="$ROOT/var/lib/dpkg" -W -f '${Package}=${Version} ' | sed 's/ $//')"
