#!/usr/bin/env bash
# Cross toolchains for the edge agent: aarch64 (required: CI cross-builds and tests the arm64 package) and armhf
# (best effort: only the compiler when Debian's armhf package lists cannot be fetched; tests/cross build-tests it).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash cross/install-toolchain.sh aarch64
rc=0
bash cross/install-toolchain.sh armhf || rc=$?
case $rc in
  0) ;;
  3) echo "setup 20-cross: armhf libraries unavailable; the armhf toolchain is build-tested without them" ;;
  *) exit $rc ;;
esac
