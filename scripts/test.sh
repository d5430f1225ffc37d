#!/usr/bin/env bash
# Installs what is needed, builds with -Werror under AddressSanitizer + UBSan, and runs the default test set
# (every unit and integration test; benchmarks and long chaos runs carry labels that keep them out).
#   scripts/test.sh            the whole default set
#   scripts/test.sh -R edge    extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake --preset ci
cmake --build --preset ci -j "$(nproc)"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --preset ci "$@"
