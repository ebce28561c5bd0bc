#!/usr/bin/env bash
# The README's main command: starts the example sandbox bottle (a scripted agent, no secrets,
# one route to api.example.test) in the background and tells you how to look inside.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-ready.sh
export CLAUDE_BOTTLE_HOME="${CLAUDE_BOTTLE_HOME:-$PWD/examples}"
echo "==> starting the example sandbox bottle (CLAUDE_BOTTLE_HOME=$CLAUDE_BOTTLE_HOME)"
node bin/claude-bottle.js start shell --bottle sandbox --detach "$@"
cat <<MSG

Next:
  node bin/claude-bottle.js list                  # bottles and their status
  node bin/claude-bottle.js logs <slug> egress-proxy   # the proxy's decision log
  docker compose -f "$CLAUDE_BOTTLE_HOME/state/<slug>/docker-compose.yml" exec agent bash
  node bin/claude-bottle.js stop <slug>           # removes containers, keeps state/<slug>/
MSG
