#!/usr/bin/env bash
# Installs the Debian cross toolchain, the target's multiarch -dev packages and qemu-user for one target
# architecture, so that cross/build-package.sh can build and test the edge agent for it. Idempotent.
#   cross/install-toolchain.sh aarch64                 (Raspberry Pi 4/CM4, i.MX8, Rockchip; Debian arch arm64)
#   cross/install-toolchain.sh armhf                   (32-bit ARMv7 boards; Debian arch armhf)
#   cross/install-toolchain.sh armhf --compiler-only   compiler and qemu-user only: enough to build-test the
#                                                      toolchain file (CI), no foreign architecture added
# Exit codes: 0 ready; 1 failed; 2 usage; 3 only the compiler and qemu could be installed (the target's package
# lists could not be fetched; the foreign architecture is removed again so that other apt runs keep working).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

case "${1:-}" in
  aarch64|arm64) debarch=arm64 triplet=aarch64-linux-gnu ;;
  armhf|arm) debarch=armhf triplet=arm-linux-gnueabihf ;;
  *) echo "usage: $0 aarch64|armhf [--compiler-only]" >&2; exit 2 ;;
esac
compiler_only=0
case "${2:-}" in
  "") ;;
  --compiler-only) compiler_only=1 ;;
  *) echo "usage: $0 aarch64|armhf [--compiler-only]" >&2; exit 2 ;;
esac

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
apt=($SUDO apt-get -o DPkg::Lock::Timeout=600 -y -qq)

# What the edge agent and fleetlinkctl link against, for the target. Header-only packages that are
# Architecture: all (nlohmann-json3-dev) serve every target from the host install; catch2 stays the host's
# (its :arm64 variant conflicts with it, and the headers are the same).
target_pkgs=(
  libpaho-mqtt-dev libpaho-mqttpp-dev
  libprotobuf-dev
  libsqlite3-dev
  libgps-dev
  libgpiod-dev
  libssl-dev
  libtomlplusplus-dev
)
host_pkgs=(gcc-"$triplet" g++-"$triplet" qemu-user)
[ $compiler_only = 1 ] || host_pkgs+=(nlohmann-json3-dev protobuf-compiler catch2 dpkg-dev file binutils)

missing() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

mapfile -t host_missing < <(missing "${host_pkgs[@]}")
target_missing=()
[ $compiler_only = 1 ] || mapfile -t target_missing < <(missing "${target_pkgs[@]/%/:$debarch}")
what="$debarch toolchain$([ $compiler_only = 1 ] && echo " (compiler and qemu only)" || echo " and libraries")"
if [ ${#host_missing[@]} -eq 0 ] && [ ${#target_missing[@]} -eq 0 ]; then
  echo "install-toolchain: $what present"
  exit 0
fi

# One package-list update for everything: the foreign architecture goes in first when its libraries are needed.
added_arch=0
if [ ${#target_missing[@]} -gt 0 ] && ! dpkg --print-foreign-architectures | grep -qx "$debarch"; then
  $SUDO dpkg --add-architecture "$debarch"
  added_arch=1
fi
echo "install-toolchain: installing ${host_missing[*]} ${target_missing[*]}"
update_ok=1
"${apt[@]}" update || update_ok=0
if "${apt[@]}" install --no-install-recommends "${host_missing[@]}" "${target_missing[@]}"; then
  echo "install-toolchain: $what ready"
  exit 0
fi
[ ${#target_missing[@]} -gt 0 ] || exit 1

# The target's libraries failed (its package lists, typically): the compiler and qemu come from the host
# architecture's lists, which do not depend on the target's.
if [ ${#host_missing[@]} -gt 0 ]; then
  "${apt[@]}" install --no-install-recommends "${host_missing[@]}" || exit 1
fi
echo "install-toolchain: could not install the $debarch libraries (package lists fetched: $([ $update_ok = 1 ] && echo yes || echo no));" \
     "the $triplet compiler and qemu-user are installed, the edge agent cannot be linked for $debarch yet" >&2
# A foreign architecture whose lists fail to download makes every later `apt-get update` fail: take it out
# again when this run added it and nothing of it is installed.
if [ $added_arch = 1 ] && [ -z "$(dpkg-query -W -f='${Package}:${Architecture}\n' 2>/dev/null | grep ":$debarch\$" || true)" ]; then
  $SUDO dpkg --remove-architecture "$debarch" || true
fi
exit 3
