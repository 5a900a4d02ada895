#!/bin/bash
# SPDX-License-Identifier: MIT
# test-explain-differential: rpfguard --explain --root TREE against the real systemd-sysctl.
# For each of CASES seeded random sysctl.d trees (overrides across directories, /dev/null
# and empty-file masks, dangling symlinks, lexical order, globs, dotted names, '-' keys
# and exclusions, odd values, CRLF) and an interface name: the value rpfguard says udev's
# `systemd-sysctl --prefix=/net/ipv4/conf/NAME …` leaves on a new interface, and what it
# says the boot run leaves in conf/all and conf/default, must equal what the real binary
# writes in the test's network namespace, with the tree bound over the sysctl.d
# directories in a private mount namespace (the host's files are never touched).
. "$(dirname "$0")/lib.sh"

SEED=${SEED:-20261201}
CASES=${CASES:-240}
SENTINEL=5          # conf/default before each new interface; no case writes 5
SYSTEMD_SYSCTL=/lib/systemd/systemd-sysctl
[ -x "$SYSTEMD_SYSCTL" ] || fail "no $SYSTEMD_SYSCTL (package systemd)"
"$SYSTEMD_SYSCTL" --version | head -1 | grep -q "^systemd 252" ||
        echo "note: $("$SYSTEMD_SYSCTL" --version | head -1); the model follows systemd 252" >&2

python3 "$(dirname "$0")/sysctld-cases.py" "$SEED" "$CASES" "$TMP/cases"
ok "generated $CASES cases (seed $SEED)"

printf '[interfaces]\n' > "$TMP/rpfguard.conf"

# What rpfguard says: the value, or the sentinel when "nothing sets it"; then whether
# udev's value comes from a glob line (for the statistics).
explain_values() { # TREE NAME -> "UDEV ALL DEFAULT GLOB"
        nsx "$RPFGUARD" -c "$TMP/rpfguard.conf" --explain "$2" --root "$1" 2>"$TMP/explain.err" |
                awk -v s="$SENTINEL" '
                        /^[^ ]/ { block = $0 }
                        /^  (udev|boot) / {
                                v = ($2 == "nothing") ? s : $2
                                if (block == "all") all = v; else if (block == "default") def = v; else udev = v
                                if ($1 == "udev") glob = ($5 ~ /[*?[]/) ? "glob" : "name"
                        }
                        END { print udev, all, def, glob }'
}
: > "$TMP/expected"
for n in $(seq 0 $((CASES - 1))); do
        echo "$n $(explain_values "$TMP/cases/$n/tree" "$(cat "$TMP/cases/$n/name")")" >> "$TMP/expected"
done
ok "rpfguard --explain answered $CASES cases"

# What systemd-sysctl does. Inside the namespace, in a private mount namespace: stage
# directories (under $TMP) bound over the real ones, then each case copied into them.
cat > "$TMP/inner.sh" <<'EOF'
set -euo pipefail
CASES=$1 STAGE=$2 OUT=$3 SENTINEL=$4 SYSTEMD_SYSCTL=$5 N=$6
mkdir -p "$STAGE/etc-sysctl.d" "$STAGE/run/sysctl.d" "$STAGE/usr-local-lib/sysctl.d" "$STAGE/usr-lib-sysctl.d"
: > "$STAGE/sysctl.conf"
mount --bind "$STAGE/etc-sysctl.d" /etc/sysctl.d
mount --bind "$STAGE/run" /run                      # /run/sysctl.d need not exist on the host
mount --bind "$STAGE/usr-local-lib" /usr/local/lib  # nor /usr/local/lib/sysctl.d
mount --bind "$STAGE/usr-lib-sysctl.d" /usr/lib/sysctl.d   # also /lib/sysctl.d (merged /usr)
mount --bind "$STAGE/sysctl.conf" /etc/sysctl.conf
# Before any run without --prefix: every directory systemd-sysctl reads is ours.
same() { [ "$(stat -c %d:%i "$1")" = "$(stat -c %d:%i "$2")" ]; }
guard() {
        same /etc/sysctl.d "$STAGE/etc-sysctl.d" && same /run/sysctl.d "$STAGE/run/sysctl.d" &&
                same /usr/local/lib/sysctl.d "$STAGE/usr-local-lib/sysctl.d" &&
                same /usr/lib/sysctl.d "$STAGE/usr-lib-sysctl.d" && same /lib/sysctl.d "$STAGE/usr-lib-sysctl.d" &&
                same /etc/sysctl.conf "$STAGE/sysctl.conf" || { echo "mount guard failed" >&2; exit 1; }
}
conf=/proc/sys/net/ipv4/conf
for n in $(seq 0 $((N - 1))); do
        tree=$CASES/$n/tree name=$(cat "$CASES/$n/name")
        find "$STAGE/etc-sysctl.d" "$STAGE/run/sysctl.d" "$STAGE/usr-local-lib/sysctl.d" \
                "$STAGE/usr-lib-sysctl.d" -mindepth 1 -delete
        cp -a "$tree/etc/sysctl.d/." "$STAGE/etc-sysctl.d/"
        cp -a "$tree/run/sysctl.d/." "$STAGE/run/sysctl.d/"
        cp -a "$tree/usr/local/lib/sysctl.d/." "$STAGE/usr-local-lib/sysctl.d/"
        cp -a "$tree/usr/lib/sysctl.d/." "$STAGE/usr-lib-sysctl.d/"
        cat "$tree/etc/sysctl.conf" > "$STAGE/sysctl.conf"
        guard
        # udev's run for a new interface (99-systemd.rules, word for word).
        echo "$SENTINEL" > $conf/default/rp_filter
        ip link add "$name" type veth peer name rpfdpeer
        "$SYSTEMD_SYSCTL" --prefix="/net/ipv4/conf/$name" --prefix="/net/ipv4/neigh/$name" \
                --prefix="/net/ipv6/conf/$name" --prefix="/net/ipv6/neigh/$name" 2>/dev/null || true
        udev=$(cat "$conf/$name/rp_filter")
        ip link del "$name"
        # The boot run, for conf/all and conf/default.
        echo "$SENTINEL" > $conf/all/rp_filter
        echo "$SENTINEL" > $conf/default/rp_filter
        guard
        "$SYSTEMD_SYSCTL" 2>/dev/null || true
        echo "$n $udev $(cat $conf/all/rp_filter) $(cat $conf/default/rp_filter)" >> "$OUT"
done
EOF
: > "$TMP/observed"
start=$(date +%s%N)
nsx unshare -m --propagation private bash "$TMP/inner.sh" "$TMP/cases" "$TMP/stage" "$TMP/observed" \
        "$SENTINEL" "$SYSTEMD_SYSCTL" "$CASES"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$(wc -l < "$TMP/observed")" -eq "$CASES" ] || fail "systemd-sysctl ran $(wc -l < "$TMP/observed") of $CASES cases"
ok "systemd-sysctl ran $CASES cases in $ms ms"

# Agreement, case by case; a disagreement shows the tree.
bad=0 nothing=0 dotted=0 globbed=0
while read -r n exp_udev exp_all exp_def how && read -r m obs_udev obs_all obs_def <&3; do
        [ "$n" = "$m" ] || fail "case order: $n vs $m"
        name=$(cat "$TMP/cases/$n/name")
        if [ "$obs_udev" = "$SENTINEL" ]; then nothing=$((nothing + 1)); elif [ "$how" = glob ]; then globbed=$((globbed + 1)); fi
        case $name in *.*) dotted=$((dotted + 1)) ;; esac
        if [ "$exp_udev $exp_all $exp_def" != "$obs_udev $obs_all $obs_def" ]; then
                bad=$((bad + 1))
                {
                        echo "--- case $n ($name): rpfguard says udev=$exp_udev all=$exp_all default=$exp_def," \
                             "systemd-sysctl wrote udev=$obs_udev all=$obs_all default=$obs_def"
                        (cd "$TMP/cases/$n/tree" && find . \( -type f -o -type l \) -print | sort | while read -r f; do
                                if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"; else echo "$f:"; cat -A "$f"; fi
                        done)
                } >&2
        fi
done < "$TMP/expected" 3< "$TMP/observed"
echo "cases: $CASES; names with dots: $dotted; udev's value from a glob line: $globbed, from a name:" \
     "$((CASES - globbed - nothing)), nothing sets it: $nothing"
[ "$bad" -eq 0 ] || fail "$bad of $CASES cases disagree with systemd-sysctl"
ok "rpfguard --explain agrees with $SYSTEMD_SYSCTL on all $CASES cases (udev run, conf/all and conf/default at boot)"
done_testing
