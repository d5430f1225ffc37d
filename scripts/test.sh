#!/usr/bin/env bash
# Installs what is needed, builds with -Werror under AddressSanitizer + UBSan, and runs the default test set
# (every unit and integration test and the short benchmark/chaos versions; the long runs carry the labels
# "bench" and "chaos-long" that keep them out).
#   scripts/test.sh            the whole default set
#   scripts/test.sh -R edge    extra arguments go to ctest
#
# Extra set-up steps live in scripts/setup.d/*.sh (run after the packages, before the build: npm packages,
# cross toolchains) and extra test stages in scripts/post-test.d/*.sh (run after ctest: cross-built tests
# under qemu). Each is a plain bash script run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
for step in scripts/setup.d/*.sh; do
  [ -e "$step" ] || continue
  echo "== setup: $step"
  bash "$step"
done

cmake --preset ci
cmake --build --preset ci -j "$(nproc)"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --preset ci "$@"

if [ $# -eq 0 ]; then
  for stage in scripts/post-test.d/*.sh; do
    [ -e "$stage" ] || continue
    echo "== post-test: $stage"
    bash "$stage"
  done
fi
