#!/usr/bin/env bash
# Installs everything fleetlink needs to build, run and test on Debian 12. Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

pkgs=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libpaho-mqttpp-dev libpaho-mqtt-dev
  mosquitto mosquitto-clients
  gpsd gpsd-clients libgps-dev
  libsqlite3-dev sqlite3
  libboost-dev
  libprotobuf-dev protobuf-compiler
  catch2
  libssl-dev libcpp-jwt-dev libtomlplusplus-dev nlohmann-json3-dev libcli11-dev
  libgpiod-dev
  python3 openssl curl procps
  chromium nodejs
)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all packages present"
fi
# The broker and gpsd are started per test / per stack on their own ports; the system services are not needed.
for svc in mosquitto gpsd gpsd.socket; do
  $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
done
