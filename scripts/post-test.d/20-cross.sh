#!/usr/bin/env bash
# Cross stage: builds the aarch64 package (agent, fleetlinkctl, field check) with its unit tests, runs the qemu
# tests (the cross-built agent against a real broker and gpsd, the package contents and user set-up, the linked
# libraries), then the unit tests under qemu-user. Ends with ctest's summary of the unit tests and the time of
# each phase.
set -euo pipefail
cd "$(dirname "$0")/../.."
t0=$(date +%s)
bash cross/build-package.sh aarch64 --with-tests
t1=$(date +%s)
ctest --test-dir build/cross-aarch64 -L qemu -j2 --output-on-failure --timeout 300
t2=$(date +%s)
echo "== cross stage: unit tests under qemu-aarch64:"
ctest --test-dir build/cross-aarch64 -L unit -j2 --output-on-failure --timeout 300
t3=$(date +%s)
echo "== cross stage: build and package $((t1 - t0)) s, qemu tests $((t2 - t1)) s, unit tests under qemu $((t3 - t2)) s," \
     "total $((t3 - t0)) s"
