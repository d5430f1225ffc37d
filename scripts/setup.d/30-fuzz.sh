#!/usr/bin/env bash
# The libFuzzer toolchain for the fuzz stage (scripts/post-test.d/30-fuzz.sh): clang and its runtime libraries
# (libclang_rt.fuzzer and the sanitizer runtimes live in libclang-rt-14-dev on Debian 12).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
pkgs=(clang libclang-rt-14-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "30-fuzz: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Fail here, early and clearly, rather than in the post-test stage.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <cstdint>\n#include <cstddef>\nextern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }\n' > "$probe/t.cpp"
clang++ -fsanitize=fuzzer,address "$probe/t.cpp" -o "$probe/t"
echo "30-fuzz: $(clang++ --version | head -1), libFuzzer links"
