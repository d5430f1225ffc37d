#!/usr/bin/env bash
# npm packages of the hub's web front end: Leaflet for the dashboard (hub/web) and playwright-core for the
# browser test (tests/web, driving Debian's chromium). Idempotent; runs from the repository root.
set -euo pipefail
# Debian's npm conflicts with a nodejs that bundles its own npm (NodeSource builds), so it is installed only
# when no npm command exists (install-deps.sh installs nodejs and chromium).
if ! command -v npm >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm
fi
for dir in hub/web tests/web; do
  if [ -f "$dir/package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  else
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
  fi
done
