#!/usr/bin/env bash
# Cross-builds the edge agent, fleetlinkctl and fleetlink-fieldcheck for a target board and packages them:
# a Debian package (fleetlink-edge_<version>_<arch>.deb) and a plain tarball for boards without dpkg.
#   cross/build-package.sh aarch64                 packages in build/cross-aarch64/packages/
#   cross/build-package.sh aarch64 --with-tests    also builds the unit tests and the qemu tests (CI)
#   cross/build-package.sh armhf
# Needs the toolchain: cross/install-toolchain.sh ARCH. Release build, -Werror, no hub.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  aarch64|arm64) arch=aarch64 triplet=aarch64-linux-gnu debarch=arm64 ;;
  armhf|arm) arch=armhf triplet=arm-linux-gnueabihf debarch=armhf ;;
  *) echo "usage: $0 aarch64|armhf [--with-tests] [--build-dir DIR]" >&2; exit 2 ;;
esac
shift
with_tests=0
build="build/cross-$arch"
while [ $# -gt 0 ]; do
  case "$1" in
    --with-tests) with_tests=1; shift ;;
    --build-dir) build="${2:?--build-dir needs a folder}"; shift 2 ;;
    *) echo "$0: unknown argument \"$1\"" >&2; exit 2 ;;
  esac
done

if ! command -v "$triplet-g++" >/dev/null || [ ! -e "/usr/lib/$triplet/libpaho-mqttpp3.so" ]; then
  echo "build-package: the $debarch toolchain or libraries are missing; run: bash cross/install-toolchain.sh $arch" >&2
  exit 1
fi

jobs="${FLEETLINK_JOBS:-2}"
# Release at -O2, the level Debian builds its own packages with (smaller and quicker to build than CMake's -O3).
# -Wrestrict stays a warning: GCC 12 reports false positives in std::string's operator+ once inlined
# (GCC bug 105329), which only optimised builds see.
cmake -S . -B "$build" -G Ninja --toolchain "$PWD/cross/$triplet.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DFLEETLINK_WERROR=ON \
  -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DCMAKE_CXX_FLAGS="-Wno-error=restrict" \
  -DFLEETLINK_BUILD_HUB=OFF -DFLEETLINK_BUILD_BENCH=OFF -DFLEETLINK_BUILD_TESTS="$([ $with_tests = 1 ] && echo ON || echo OFF)" \
  >"$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }

targets=(fleetlink-edge fleetlinkctl fleetlink-fieldcheck)
if [ $with_tests = 1 ]; then
  # Unit test programs (the integration programs need the host's broker and gpsd and run in the host build),
  # plus the qemu tests of tests/cross. Convention: integration programs have "integration" in their name.
  mapfile -t tests < <(cmake --build "$build" --target help | sed -n 's/^\(test_[A-Za-z0-9_]*\): .*/\1/p' |
                       grep -v integration || true)
  targets+=("${tests[@]}")
fi
echo "build-package: building ${targets[*]} for $debarch"
cmake --build "$build" -j "$jobs" --target "${targets[@]}"

# dpkg-shlibdeps must resolve the target's libraries (the :$debarch packages), not the build machine's.
rm -rf "$build/packages"
(cd "$build" && DEB_HOST_ARCH="$debarch" DEB_HOST_MULTIARCH="$triplet" DEB_HOST_GNU_TYPE="$triplet" \
   cpack -G "DEB;TGZ" >cpack.log 2>&1) || { cat "$build/cpack.log"; exit 1; }

deb="$build/packages/fleetlink-edge_$(sed -n 's/^project(fleetlink VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)_$debarch.deb"
[ -f "$deb" ] || { echo "build-package: $deb was not produced" >&2; cat "$build/cpack.log"; exit 1; }
echo "build-package: $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version) $(dpkg-deb -f "$deb" Architecture)"
echo "build-package: Depends: $(dpkg-deb -f "$deb" Depends)"
ls -l "$build"/packages/*.deb "$build"/packages/*.tar.gz
