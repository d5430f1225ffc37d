#!/usr/bin/env bash
# Fuzzing stage: builds the libFuzzer targets (fuzz/CMakeLists.txt, clang, ASan + UBSan, a build of its own in
# build/fuzz so the gcc build is untouched) and runs each for a bounded time from its seed corpus.
#   FLEETLINK_FUZZ_SECONDS=25   seconds per target (5 targets, two at a time)
# A finding fails the stage; the input that caused it is kept in build/fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${FLEETLINK_FUZZ_SECONDS:-25}"
cmake -S fuzz -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DFLEETLINK_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build build/fuzz --target fuzzers -j "$(nproc)"
ctest --test-dir build/fuzz -L fuzz -j 2 --output-on-failure
