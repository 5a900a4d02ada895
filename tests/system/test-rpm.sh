#!/bin/bash
# System test: the RPM of rpfguard (cpack -G RPM). Builds it from the sources in a
# temporary build, inspects it (files, config files, scriptlets, dependencies,
# rpmlint), then installs, verifies, upgrades and erases it in throwaway roots
# (rpm --root): one with stand-ins for systemctl and journalctl that record their
# calls, one with neither. Nothing outside the temporary directory changes; needs
# root (rpm chroots to run scriptlets) and fails (never skips) without it.
set -euo pipefail

TEST_NAME=test-rpm
SRC=${RPFGUARD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

fail() { echo "FAIL: $TEST_NAME: $*" >&2; exit 1; }
CHECKS=0
ok() { CHECKS=$((CHECKS + 1)); echo "ok $CHECKS - $*"; }

[ "$(id -u)" = 0 ] || fail "needs root (rpm --root runs scriptlets in a chroot)"
for tool in cmake cpack rpm rpmbuild rpmlint dash; do
        command -v "$tool" >/dev/null || fail "$tool is not installed"
done

WORK=$(mktemp -d /tmp/rpfguard-rpmtest.XXXXXX)
cleanup() {
        local rc=$?
        set +e
        [ $rc -eq 0 ] || { echo "--- $TEST_NAME failed (rc=$rc)" >&2; tail -n 20 "$WORK/out" >&2 2>/dev/null; }
        rm -rf "$WORK"
        exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. A plain Release build and its RPM ------------------------------------
cmake -S "$SRC" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
        -DRPFGUARD_SANITIZE=OFF -DRPFGUARD_TESTS=OFF >"$WORK/build.log" 2>&1 ||
        { tail -n 30 "$WORK/build.log" >&2; fail "cmake configure failed"; }
cmake --build "$WORK/build" -j "$(nproc)" --target rpfguard man debian-doc >>"$WORK/build.log" 2>&1 ||
        { tail -n 30 "$WORK/build.log" >&2; fail "build failed"; }
(cd "$WORK/build" && cpack -G RPM -B "$WORK/pkg") >>"$WORK/build.log" 2>&1 ||
        { tail -n 30 "$WORK/build.log" >&2; fail "cpack failed"; }
RPM=$(echo "$WORK"/pkg/rpfguard-*.x86_64.rpm "$WORK"/pkg/rpfguard-*.rpm | awk '{ print $1 }')
[ -f "$RPM" ] || fail "no RPM in $WORK/pkg: $(ls "$WORK/pkg")"
ok "cpack -G RPM: $(basename "$RPM")"

# --- 2. What is in it ----------------------------------------------------------
expect_eq() { # WHAT EXPECTED ACTUAL
        [ "$2" = "$3" ] || { printf -- '--- expected:\n%s\n--- got:\n%s\n' "$2" "$3" >&2; fail "$1"; }
        ok "$1"
}

echo "--- rpm -qlp"
rpm -qlp "$RPM" | tee "$WORK/files"
for f in /etc/rpfguard.conf /usr/lib/systemd/catalog/rpfguard.catalog /usr/lib/systemd/system/rpfguard.service \
         /usr/sbin/rpfguard /usr/share/licenses/rpfguard/copyright /usr/share/man/man5/rpfguard.conf.5.gz \
         /usr/share/man/man8/rpfguard.8.gz; do
        grep -qxF "$f" "$WORK/files" || fail "rpm -qlp: no $f"
done
ok "rpm -qlp: binary, unit in /usr/lib/systemd/system, catalog, man pages, license, configuration"
# Nothing elsewhere (no /lib, no build-id links), and every directory the package
# owns is its own.
bad=$(grep -vE '^(/etc/rpfguard\.conf|/usr/sbin/rpfguard|/usr/lib/systemd/(system|catalog)/rpfguard\.[a-z]+|/usr/share/man/man[58]/rpfguard[.a-z0-9]*\.gz|/usr/share/(doc|licenses)/rpfguard(/.*)?)$' "$WORK/files" || true)
[ -z "$bad" ] || fail "rpm -qlp: unexpected paths: $bad"
dirs=$(rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$RPM" | awk '/^d/ { print $2 }')
bad=$(echo "$dirs" | grep -vE '^/usr/share/(doc|licenses)/rpfguard(/.*)?$' || true)
[ -z "$bad" ] || fail "the package owns directories that are not its own: $bad"
ok "no file outside those places, no standard directory owned (owned: $(echo $dirs))"

expect_eq "rpm -qpc: /etc/rpfguard.conf is the configuration file" "/etc/rpfguard.conf" "$(rpm -qpc "$RPM")"
# c: %config, n: noreplace; l: %license; d: %doc (rpm's own for man pages and docs).
rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$RPM" > "$WORK/flags"
grep -qx 'cn /etc/rpfguard.conf' "$WORK/flags" || { cat "$WORK/flags" >&2; fail "/etc/rpfguard.conf is not %config(noreplace)"; }
grep -qx 'l /usr/share/licenses/rpfguard/copyright' "$WORK/flags" || { cat "$WORK/flags" >&2; fail "no %license"; }
ok "%config(noreplace) /etc/rpfguard.conf, %license copyright"

expect_eq "License, Summary" "MIT|Keep IPv4 rp_filter at the configured values on every interface" \
        "$(rpm -qp --qf '%{LICENSE}|%{SUMMARY}' "$RPM")"
rpm -qp --qf '%{DESCRIPTION}' "$RPM" | grep -q 'reverse-path filtering' || fail "no description"
ok "description"
rpm -qp --qf '%{URL}' "$RPM" >/dev/null

rpm -qpR "$RPM" > "$WORK/requires"
for lib in 'libsystemd.so.0()(64bit)' 'libnl-3.so.200()(64bit)' 'libinih.so.1()(64bit)' 'libc.so.6()(64bit)'; do
        grep -qxF "$lib" "$WORK/requires" || { cat "$WORK/requires" >&2; fail "no Requires: $lib"; }
done
ok "Requires on the shared libraries (rpm's dependency generator)"

echo "--- rpm -qp --scripts"
rpm -qp --scripts "$RPM" | tee "$WORK/scripts"
for line in \
        'postinstall scriptlet (using /bin/sh):' \
        'systemctl --no-reload preset rpfguard.service >/dev/null 2>&1 || :' \
        'preuninstall scriptlet (using /bin/sh):' \
        'systemctl --no-reload disable --now rpfguard.service >/dev/null 2>&1 || :' \
        'postuninstall scriptlet (using /bin/sh):' \
        'systemctl try-restart rpfguard.service >/dev/null 2>&1 || :' \
        'journalctl --update-catalog >/dev/null 2>&1 || :'; do
        grep -qF -- "$line" "$WORK/scripts" || fail "scriptlets lack: $line"
done
ok "scriptlets: %systemd_post, %systemd_preun, %systemd_postun_with_restart, catalog"

echo "--- rpmlint"
rpmlint -c "$SRC/contrib/rpm/rpmlint.toml" "$RPM" 2>&1 | tee "$WORK/rpmlint" || true
grep -q ' 0 errors, 0 warnings' "$WORK/rpmlint" || fail "rpmlint is not clean"
ok "rpmlint: 0 errors, 0 warnings (contrib/rpm/rpmlint.toml justifies what it filters)"

# --- 3. Install, verify, upgrade, erase in a throwaway root ---------------------
# make_root DIR [stubs]: a root with a /bin/sh for the scriptlets (dash and the
# C library copied from the host), and optionally systemctl and journalctl
# stand-ins that append their arguments to /calls.
make_root() {
        local root=$1 lib
        mkdir -p "$root/bin" "$root/usr/bin" "$root/var/lib/rpm" "$root/var/tmp" "$root/tmp" "$root/dev"
        mknod -m 666 "$root/dev/null" c 1 3
        cp "$(command -v dash)" "$root/bin/sh"
        for lib in $(ldd "$(command -v dash)" | grep -oE '/[^ ]+'); do
                mkdir -p "$root$(dirname "$lib")"
                cp -L "$lib" "$root$lib"
        done
        if [ "${2:-}" = stubs ]; then
                for tool in systemctl journalctl; do
                        printf '#!/bin/sh\necho "%s $*" >> /calls\n' "$tool" > "$root/usr/bin/$tool"
                        chmod 755 "$root/usr/bin/$tool"
                done
        fi
        rpm --root "$root" --dbpath /var/lib/rpm --initdb
}
R() { local root=$1; shift; rpm --root "$root" --dbpath /var/lib/rpm "$@"; }
# quiet FILE WHAT: rpm printed nothing (a scriptlet's complaint would be here).
quiet() { [ ! -s "$1" ] || { cat "$1" >&2; fail "$2: rpm printed something"; }; }
# Debian's rpm asks for alien unless told it is meant (--force-debian where known).
DEBIAN_OK=()
rpm --force-debian --version >/dev/null 2>&1 && DEBIAN_OK=(--force-debian)
RPM_I=(-i --nodeps "${DEBIAN_OK[@]}")

A=$WORK/root-a
make_root "$A" stubs
R "$A" "${RPM_I[@]}" "$RPM" >"$WORK/out" 2>&1 || { cat "$WORK/out" >&2; fail "rpm -i failed"; }
quiet "$WORK/out" "rpm -i"
ok "rpm --root -i --nodeps: installed, no scriptlet failure"
expect_eq "%post: preset (first install), catalog" \
"systemctl --no-reload preset rpfguard.service
journalctl --update-catalog" "$(cat "$A/calls")"
[ -x "$A/usr/sbin/rpfguard" ] && [ -f "$A/usr/lib/systemd/system/rpfguard.service" ] || fail "files missing"
grep -qx 'ExecStart=/usr/sbin/rpfguard' "$A/usr/lib/systemd/system/rpfguard.service" || fail "ExecStart= is not /usr/sbin/rpfguard"
ok "installed: binary, unit with ExecStart=/usr/sbin/rpfguard"
R "$A" -V --nodeps rpfguard >"$WORK/out" 2>&1 || { cat "$WORK/out" >&2; fail "rpm -V is not clean"; }
[ ! -s "$WORK/out" ] || { cat "$WORK/out" >&2; fail "rpm -V printed something"; }
ok "rpm -V --nodeps rpfguard: clean (the libraries are not in the root)"

# The admin edits the configuration: rpm -V says so (5: digest, of a c file).
echo 'cali* = strict' >> "$A/etc/rpfguard.conf"
cp "$A/etc/rpfguard.conf" "$WORK/edited.conf"
R "$A" -V --nodeps rpfguard >"$WORK/out" 2>&1 || true
grep -qE '^\S*5\S* +c /etc/rpfguard.conf$' "$WORK/out" ||
        { cat "$WORK/out" >&2; fail "rpm -V does not flag the edited config"; }
ok "rpm -V: the edited /etc/rpfguard.conf is flagged as a changed config file"

# An upgrade (the same package again): %postun with 1 restarts a running service;
# the edited configuration stays as it is.
: > "$A/calls"
R "$A" -U --replacepkgs --nodeps "${DEBIAN_OK[@]}" "$RPM" >"$WORK/out" 2>&1 || { cat "$WORK/out" >&2; fail "rpm -U failed"; }
expect_eq "upgrade: no preset, try-restart, catalog" \
"journalctl --update-catalog
systemctl try-restart rpfguard.service" "$(cat "$A/calls")"
cmp -s "$WORK/edited.conf" "$A/etc/rpfguard.conf" || fail "upgrade replaced the edited config"
ok "upgrade: the edited configuration is kept"

: > "$A/calls"
R "$A" -e "${DEBIAN_OK[@]}" rpfguard >"$WORK/out" 2>&1 || { cat "$WORK/out" >&2; fail "rpm -e failed"; }
cat "$WORK/out"  # rpm's own "warning: ... saved as ....rpmsave"
expect_eq "erase: disable --now, catalog" \
"systemctl --no-reload disable --now rpfguard.service
journalctl --update-catalog" "$(cat "$A/calls")"
cmp -s "$WORK/edited.conf" "$A/etc/rpfguard.conf.rpmsave" || fail "no /etc/rpfguard.conf.rpmsave with the edit"
ok "erase: the edited configuration saved as /etc/rpfguard.conf.rpmsave"
for f in /etc/rpfguard.conf /usr/sbin/rpfguard /usr/lib/systemd/system/rpfguard.service \
         /usr/lib/systemd/catalog/rpfguard.catalog /usr/share/licenses/rpfguard; do
        [ ! -e "$A$f" ] || fail "$f left after erase"
done
ok "erase: every packaged file is gone"
R "$A" -q rpfguard >/dev/null 2>&1 && fail "still in the database"
ok "erase: not in the database"

# No systemctl, no journalctl (an image root): install and erase still succeed.
B=$WORK/root-b
make_root "$B"
R "$B" "${RPM_I[@]}" "$RPM" >"$WORK/out" 2>&1 || { cat "$WORK/out" >&2; fail "rpm -i without systemctl failed"; }
quiet "$WORK/out" "rpm -i without systemctl"
R "$B" -V --nodeps rpfguard || fail "rpm -V (no systemctl) is not clean"
R "$B" -e "${DEBIAN_OK[@]}" rpfguard >"$WORK/out" 2>&1 || { cat "$WORK/out" >&2; fail "rpm -e without systemctl failed"; }
quiet "$WORK/out" "rpm -e without systemctl"
ok "no systemctl/journalctl in the root: install, verify, erase succeed"

echo "PASS: $TEST_NAME: $CHECKS checks"
