#!/bin/bash
# Set up and run every test: install the dependencies, build with -Werror and
# ASan/UBSan, run the unit, integration and system tests with ctest. Root is
# required: the integration tests create (and always delete) network namespaces;
# they never touch the host's own interfaces or sysctls.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
        echo "tests/run.sh needs root (network namespaces, a private journald, a container)" >&2
        exit 1
fi
.ci/install-deps
BUILD=${BUILD:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DRPFGUARD_WERROR=ON -DRPFGUARD_SANITIZE=ON
cmake --build "$BUILD" -j"$(nproc)"
cd "$BUILD"
# Serial: several tests measure wake-ups and timing on a shared 2-core machine.
ctest --output-on-failure --no-tests=error "$@"
