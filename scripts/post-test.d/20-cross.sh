#!/usr/bin/env bash
# Cross stage: builds the aarch64 package (agent, fleetlinkctl, field check) with its unit tests, runs the qemu
# tests (the cross-built agent against a real broker and gpsd, the package contents, the linked libraries), then
# the unit tests under qemu-user. Ends with ctest's summary of the unit tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)
bash cross/build-package.sh aarch64 --with-tests
ctest --test-dir build/cross-aarch64 -L qemu -j2 --output-on-failure --timeout 300
echo "== cross stage: package and qemu tests done in $(( $(date +%s) - start )) s; unit tests under qemu-aarch64:"
ctest --test-dir build/cross-aarch64 -L unit -j2 --output-on-failure --timeout 300
