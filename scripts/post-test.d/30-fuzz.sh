#!/usr/bin/env bash
# Fuzzing stage: builds the libFuzzer targets (fuzz/CMakeLists.txt, clang, ASan + UBSan, a build of its own in
# build/fuzz so the gcc build is untouched) and runs each for a bounded time from its seed corpus.
#   FLEETLINK_FUZZ_SECONDS=25   seconds per target (5 targets, two at a time: about 75 s of fuzzing, plus the
#                               clang build of the parsers' libraries; each target is cut off at seconds + 120)
# A finding fails the stage; the input that caused it is kept in build/fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${FLEETLINK_FUZZ_SECONDS:-25}"
case "$seconds" in ''|*[!0-9]*) echo "30-fuzz: FLEETLINK_FUZZ_SECONDS must be whole seconds, not '$seconds'" >&2; exit 2 ;; esac
cmake -S fuzz -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DFLEETLINK_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build build/fuzz --target fuzzers -j "$(nproc)"
ctest --test-dir build/fuzz -L fuzz -j 2 --timeout $((seconds + 120)) --output-on-failure
