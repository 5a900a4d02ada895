#!/bin/bash
# Fuzz the configuration parser and the rtnetlink receive path with libFuzzer.
#   tests/fuzz/run.sh [SECONDS]   (per target, default 60; CI uses at least 60)
# Configures a clang build of its own (FUZZ_BUILD, default build-fuzz), first runs
# every input of tests/fuzz/corpus once (the regression test: crash reproducers are
# kept there), then fuzzes each target for SECONDS, both at once, and prints the
# number of executions. New inputs go to the build directory, never to the source
# tree; a crash fails the script and its reproducer is named.
set -euo pipefail
secs=${1:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD:-$src/build-fuzz}
corpus=$src/tests/fuzz/corpus
targets=(config netlink)
declare -A max_len=([config]=4096 [netlink]=8192)
declare -A extra=([config]="-dict=$src/tests/fuzz/config.dict" [netlink]="")

command -v clang > /dev/null || { echo "fuzz: clang is needed (apt-get install clang)" >&2; exit 1; }

# -O1: what libFuzzer's documentation recommends; asserts stay on (no NDEBUG).
mkdir -p "$build"
CC=clang cmake -S "$src" -B "$build" -DRPFGUARD_FUZZ=ON -DRPFGUARD_SANITIZE=OFF \
        -DCMAKE_BUILD_TYPE= -DCMAKE_C_FLAGS="-O1 -g" > "$build/configure.log" 2>&1 ||
        { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz-}"

fuzzer() { echo "$build/tests/fuzz/fuzz-$1"; }

echo "== regression: every corpus input once"
for t in "${targets[@]}"; do
        "$(fuzzer "$t")" -runs=0 "$corpus/$t" > "$build/regression-$t.log" 2>&1 ||
                { cat "$build/regression-$t.log"; echo "fuzz: $t: a corpus input fails" >&2; exit 1; }
        echo "fuzz-$t: $(find "$corpus/$t" -type f | wc -l) corpus inputs pass"
done

echo "== fuzzing each target for ${secs}s"
pids=()
for t in "${targets[@]}"; do
        mkdir -p "$build/fuzz-work/$t" "$build/fuzz-artifacts"
        # The first directory collects new inputs; the seed corpus is only read.
        # shellcheck disable=SC2086
        "$(fuzzer "$t")" "$build/fuzz-work/$t" "$corpus/$t" -max_total_time="$secs" \
                -max_len="${max_len[$t]}" ${extra[$t]} -print_final_stats=1 \
                -artifact_prefix="$build/fuzz-artifacts/$t-" > "$build/fuzz-$t.log" 2>&1 &
        pids+=($!)
done
rc=0
for i in "${!targets[@]}"; do
        t=${targets[$i]}
        r=0
        wait "${pids[$i]}" || r=$?
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz-$t.log")
        persec=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$build/fuzz-$t.log")
        cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$build/fuzz-$t.log" | tail -n 1)
        if [ $r -ne 0 ]; then
                rc=1
                tail -n 60 "$build/fuzz-$t.log"
                echo "fuzz-$t: FAILED (exit $r); reproducer: $(ls "$build/fuzz-artifacts/$t-"* 2>/dev/null)" >&2
                echo "  keep it as a regression input: cp REPRODUCER $corpus/$t/crash-NAME" >&2
        else
                echo "fuzz-$t: ${secs}s, stat::number_of_executed_units: ${execs:-?} (${persec:-?}/s), $cov"
        fi
done
exit $rc
