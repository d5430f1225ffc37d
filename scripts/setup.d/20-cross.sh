#!/usr/bin/env bash
# Cross toolchains for the edge agent: aarch64 with the target's libraries (CI cross-builds the arm64 package and
# runs its tests under qemu-aarch64), armhf as compiler and qemu-arm only (tests/cross build-tests the armhf
# toolchain file with a threaded C++20 program; building the agent for armhf needs
# `cross/install-toolchain.sh armhf` without --compiler-only, see docs/deployment.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)
bash cross/install-toolchain.sh aarch64
bash cross/install-toolchain.sh armhf --compiler-only
echo "setup 20-cross: toolchains ready in $(( $(date +%s) - start )) s"
