#!/bin/bash
# Mutation check of the simulation: each mutant puts back one defect that the
# simulation exists to find (issue 9: defects 1-3, and the retry of defect 4), in a copy of the tree; the
# simulation must fail on it. A simulation that passes a mutant has lost its teeth.
#   tests/sim/mutants.sh [SEEDS]      (default 3000 seeds per mutant)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
seeds=${1:-3000}
work=$(mktemp -d /tmp/rpfguard-mutants.XXXXXX)
trap 'rm -rf "$work"' EXIT
export TMPDIR=${SIM_TMPDIR:-/dev/shm}

# name | file | python replacement (old → new), exact strings
mutants=(
        "1-no-drain-after-overflow|daemon/reconciler.c|k = netlink_drain(r->netlink);|k = 0;"
        "2-dump-entry-name-trusted|daemon/reconciler.c|k = netlink_get_ifname(r->netlink, ifindex, current);|if (dump \&\& name) { (void) snprintf(current, sizeof(current), \"%s\", name); k = 0; } else k = netlink_get_ifname(r->netlink, ifindex, current);"
        "3-bridge-messages-taken-as-links|daemon/netlink.c|if (ifi->ifi_family != AF_UNSPEC)|if (false)"
        "4-failed-write-not-retried|daemon/reconciler.c|iface_hold(i, &r->holds, IFACE_HOLD_RETRY, until);|(void) until;"
)

rc=0
for m in "${mutants[@]}"; do
        IFS='|' read -r name file old new <<< "$m"
        tree=$work/$name
        mkdir -p "$tree"
        # The working tree as it is (uncommitted changes too), without builds.
        tar -C "$src" --exclude=./.git --exclude='./build*' -cf - . | tar -C "$tree" -xf -
        OLD=$old NEW=$new python3 - "$tree/$file" <<'PY'
import os, sys
p = sys.argv[1]
s = open(p).read()
old, new = os.environ["OLD"], os.environ["NEW"].replace("\\&", "&")
if s.count(old) != 1:
    sys.exit(f"mutant: '{old}' found {s.count(old)} times in {p}")
open(p, "w").write(s.replace(old, new))
PY
        cmake -S "$tree" -B "$tree/build" -DCMAKE_BUILD_TYPE=Debug > "$work/$name.cmake.log" 2>&1
        cmake --build "$tree/build" --target rpfguard-sim -j"$(nproc)" > "$work/$name.build.log" 2>&1 ||
                { cat "$work/$name.build.log"; echo "mutant $name: build failed"; exit 1; }
        if "$tree/build/tests/sim/rpfguard-sim" --seeds "$seeds" > "$work/$name.out" 2> "$work/$name.err"; then
                echo "MUTANT SURVIVED: $name: $(tail -n 1 "$work/$name.out")"
                rc=1
        else
                first=$(grep -m1 '^seed ' "$work/$name.err" || true)
                echo "mutant $name killed: $(tail -n 1 "$work/$name.out"); first: $first"
                # The first five failing seeds; no "head" (its early exit would be a SIGPIPE
                # that pipefail turns into a failure of this script).
                grep -o 'seed [0-9]*' "$work/$name.err" | sort -u -k2n | sed -n '1,5p' | tr '\n' ' ' || true
                echo
        fi
done
exit $rc
