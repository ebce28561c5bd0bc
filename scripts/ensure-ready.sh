#!/usr/bin/env bash
# Shared by the README's two commands: makes sure a Docker engine answers (setting one up on a
# Debian host as root with .ci/setup-engine.sh, and saying so), that dependencies are installed
# and that the build is current. Sourced, not run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && [ -r /etc/debian_version ]; then
    echo "==> no Docker engine answers: setting one up with .ci/setup-engine.sh (installs docker.io, compose v2, gitleaks; starts dockerd)"
    bash .ci/setup-engine.sh
  else
    echo "error: no Docker engine answers (\`docker info\` failed)." >&2
    echo "  hint: start Docker Desktop, Colima or dockerd; on Debian as root, \`sudo bash .ci/setup-engine.sh\` sets one up." >&2
    exit 69
  fi
elif ! docker image inspect debian:trixie-slim >/dev/null 2>&1; then
  echo "==> the base image debian:trixie-slim is missing: providing it with .ci/setup-engine.sh"
  bash .ci/setup-engine.sh
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
echo "==> building (npm run build)"
npm run build --silent
