#!/usr/bin/env bash
# The README's main command: starts the example sandbox bottle (a scripted agent, no secrets,
# one route to api.example.test) in the background and tells you how to look inside.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-ready.sh
export CLAUDE_BOTTLE_HOME="${CLAUDE_BOTTLE_HOME:-$PWD/examples}"
echo "==> starting the example sandbox bottle (CLAUDE_BOTTLE_HOME=$CLAUDE_BOTTLE_HOME)"
node bin/claude-bottle.js start shell --bottle sandbox --detach "$@"
echo "(from this repository the CLI is \`npx claude-bottle\`; set CLAUDE_BOTTLE_HOME=$CLAUDE_BOTTLE_HOME to see this bottle with \`npx claude-bottle list\`)"
